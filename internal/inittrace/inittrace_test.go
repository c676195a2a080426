package inittrace

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	in := strings.Join([]string{
		"init internal/bytealg @0 ms, 0 ms clock, 0 bytes, 0 allocs",
		"some other stderr line",
		"init github.com/yuin/goldmark/util @31 ms, 1.6 ms clock, 139464 bytes, 437 allocs",
		"init net/http @35 ms, 0.084 ms clock, 4712 bytes, 49 allocs",
		"init broken @1 ms, x ms clock, 1 bytes, 1 allocs",
	}, "\n")
	tr, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 3 {
		t.Fatalf("parsed %d lines, want 3: %+v", len(tr), tr)
	}
	want := Init{Package: "github.com/yuin/goldmark/util", Clock: 1600 * time.Microsecond, Bytes: 139464, Allocs: 437}
	if tr[1] != want {
		t.Errorf("line 2 = %+v, want %+v", tr[1], want)
	}
	if got := tr.Bytes(); got != 139464+4712 {
		t.Errorf("Bytes = %d", got)
	}
	if got := tr.Clock(); got != 1684*time.Microsecond {
		t.Errorf("Clock = %v", got)
	}
	if h := tr.Heaviest(1); len(h) != 1 || h[0].Package != want.Package {
		t.Errorf("Heaviest(1) = %+v", h)
	}
}

// FuzzParse: any text parses without error, and every line it keeps has
// non-negative figures.
func FuzzParse(f *testing.F) {
	f.Add("init net/http @35 ms, 0.084 ms clock, 4712 bytes, 49 allocs\n")
	f.Add("init a @x ms, NaN ms clock, -1 bytes, 2 allocs\nnoise")
	f.Fuzz(func(t *testing.T, s string) {
		tr, err := Parse(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range tr {
			if in.Clock < 0 || in.Bytes < 0 || in.Allocs < 0 || in.Package == "" {
				t.Fatalf("bad init %+v from %q", in, s)
			}
		}
	})
}
