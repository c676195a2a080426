//go:build !noserver

package main

import (
	"os"
	"strings"
	"testing"
)

// TestConfigurationDocIsCurrent fails when a flag of serve or register was
// added, removed or reworded without `make docs`.
func TestConfigurationDocIsCurrent(t *testing.T) {
	data, err := os.ReadFile("../../" + configurationDoc)
	if err != nil {
		t.Fatal(err)
	}
	want, err := renderDocTables(string(data))
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != want {
		t.Errorf("%s is out of date; run `make docs`. It should read:\n%s", configurationDoc, want)
	}
	for _, flag := range []string{"`--app-id` | `STAGEHAND_APP_ID` | none |", "`--drain-timeout` | | `30s` |", "`--dir` | `stagehand-app` |"} {
		if !strings.Contains(want, flag) {
			t.Errorf("generated tables lack %q", flag)
		}
	}
}

// TestDocTablesKeepProse rewrites only what lies between the markers.
func TestDocTablesKeepProse(t *testing.T) {
	sb, se := markers("serve")
	rb, re := markers("register")
	doc := "intro\n" + sb + "\nold table row\n" + se + "\nmiddle\n" + rb + re + "\noutro\n"
	got, err := renderDocTables(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"intro\n", "\nmiddle\n", "\noutro\n", "`--listen` | `STAGEHAND_LISTEN`", "`--org` |"} {
		if !strings.Contains(got, s) {
			t.Errorf("rendered page lacks %q:\n%s", s, got)
		}
	}
	if strings.Contains(got, "old table row") {
		t.Errorf("old table kept:\n%s", got)
	}
	if _, err := renderDocTables("no markers"); err == nil {
		t.Error("a page without markers rendered")
	}
}
