package checks

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// BenchmarkEvaluate measures one prod pull request in a repository of 50
// apps, comparing the trees file by file (no changed-file list given).
func BenchmarkEvaluate(b *testing.B) {
	base := fstest.MapFS{".stagehand.yaml": {Data: []byte(replaceAppsWithDiscovery(artifactPolicy))}}
	for i := range 50 {
		app := fmt.Sprintf("app%02d", i)
		for _, env := range []string{"dev", "staging", "production"} {
			base["apps/"+app+"/overlays/"+env+"/kustomization.yaml"] = &fstest.MapFile{Data: []byte(
				"resources:\n  - pod.yaml\nimages:\n  - name: ghcr.io/acme/" + app + "\n    newTag: v1.2.0\n")}
			base["apps/"+app+"/overlays/"+env+"/pod.yaml"] = &fstest.MapFile{Data: []byte(
				"apiVersion: v1\nkind: Pod\nmetadata: {name: " + app + "}\nspec:\n  containers: [{name: c, image: ghcr.io/acme/" + app + "}]\n")}
		}
	}
	head := clone(base)
	head["apps/app07/overlays/production/kustomization.yaml"] = &fstest.MapFile{Data: []byte(
		"resources:\n  - pod.yaml\nimages:\n  - name: ghcr.io/acme/app07\n    newTag: v1.2.1\n")}
	in := Input{Base: base, Head: head, Now: now}
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Evaluate(in)
		if err != nil || len(rep.Verdicts) != 1 {
			b.Fatalf("Evaluate: %v, %v", states(rep), err)
		}
	}
}

// replaceAppsWithDiscovery turns the test policy into one that finds its
// apps from the layout.
func replaceAppsWithDiscovery(p string) string {
	before, _, _ := strings.Cut(p, "apps:\n")
	return before
}
