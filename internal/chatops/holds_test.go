package chatops

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/golden"
)

func testHolds() Holds {
	at := time.Date(2026, 11, 24, 6, 30, 0, 0, time.UTC)
	return Holds{}.
		With(Hold{App: "web", Env: "prod", By: "alice", Since: at, Reason: "waiting for the | schema \\ migration"}).
		With(Hold{App: "payments", By: "bob", Since: at.Add(time.Minute)})
}

func TestRenderHolds(t *testing.T) {
	golden.CheckString(t, filepath.Join("testdata", "holds", "two.md"), RenderHolds(testHolds()))
	golden.CheckString(t, filepath.Join("testdata", "holds", "none.md"), RenderHolds(nil))
}

func TestParseHoldsRoundTrip(t *testing.T) {
	for _, h := range []Holds{nil, testHolds()} {
		got, err := ParseHolds(RenderHolds(h))
		if err != nil {
			t.Fatal(err)
		}
		if len(h) == 0 && len(got) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, h) {
			t.Errorf("round trip\n got %+v\nwant %+v", got, h)
		}
	}
}

func TestParseHolds(t *testing.T) {
	head := HoldsMarker + "\ntext\n\n| app | env | by | since | reason |\n|---|---|---|---|---|\n"
	tests := []struct {
		name, body string
		want       []string // app/env pairs
		wantErr    bool
	}{
		{"no marker", "| app | env | by | since | reason |", nil, true},
		{"bad row kept out, good rows kept", head +
			"| `web` | `prod` | @a | 2026-11-24T06:30:00Z | x |\n| `web` | `prod` | @a | yesterday | x |\n| `api` | `*` | @b | 2026-11-24T06:30:00Z |  |\n",
			[]string{"api/", "web/prod"}, true},
		{"hand edit outside the table is ignored", head + "| `web` | `dev` | @a | 2026-11-24T06:30:00Z | x |\n\nSome notes | with a pipe\n",
			[]string{"web/dev"}, false},
		{"bad name", head + "| `../x` | `dev` | @a | 2026-11-24T06:30:00Z | x |\n", nil, true},
		{"crlf", strings.ReplaceAll(head+"| `web` | `dev` | @a | 2026-11-24T06:30:00Z | x |\n", "\n", "\r\n"), []string{"web/dev"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseHolds(tt.body)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			var got []string
			for _, x := range h {
				got = append(got, x.App+"/"+x.Env)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := ParseHolds("nothing"); !errors.Is(err, ErrNoHoldsTable) {
		t.Errorf("no marker: %v, want ErrNoHoldsTable", err)
	}
}

func TestHoldsFind(t *testing.T) {
	h := testHolds()
	tests := []struct {
		app, env string
		found    bool
		by       string
	}{
		{"web", "prod", true, "alice"},
		{"web", "staging", false, ""},
		{"payments", "dev", true, "bob"},
		{"payments", "prod", true, "bob"},
		{"api", "prod", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.app+"/"+tt.env, func(t *testing.T) {
			x, ok := h.Find(tt.app, tt.env)
			if ok != tt.found || x.By != tt.by {
				t.Errorf("Find = %+v %v", x, ok)
			}
		})
	}
	h2, ok := h.Without("web", "prod")
	if !ok || len(h2) != 1 {
		t.Errorf("Without = %+v %v", h2, ok)
	}
	if _, ok := h2.Without("web", "prod"); ok {
		t.Error("removed twice")
	}
	if h3 := h.With(Hold{App: "web", Env: "prod", By: "carol"}); len(h3) != 2 {
		t.Errorf("With replaces: %+v", h3)
	}
}

func TestHoldsRefusal(t *testing.T) {
	h := testHolds()
	tests := []struct {
		app, env, reason, instead string
	}{
		{"web", "prod", "`web` is on hold in prod (by `@alice` since 2026-11-24T06:30:00Z): waiting for the | schema \\ migration", "lift it first with `/unhold web in prod`"},
		{"payments", "dev", "`payments` is on hold in every environment (by `@bob` since 2026-11-24T06:31:00Z)", "lift it first with `/unhold payments`"},
		{"web", "dev", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.app+"/"+tt.env, func(t *testing.T) {
			r := h.Refusal(tt.app, tt.env)
			if tt.reason == "" {
				if r != nil {
					t.Fatalf("refused: %+v", r)
				}
				return
			}
			if r == nil || r.Code != RefusedHeld || r.Reason != tt.reason || r.Instead != tt.instead {
				t.Fatalf("got %+v", r)
			}
		})
	}
}
