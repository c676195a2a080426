package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()                      {}
func (r *recorder) Errorf(string, ...any)        { r.failed = true }
func (r *recorder) Fatalf(string, ...any)        { r.failed = true }
func (r *recorder) Fatal(...any)                 { r.failed = true }
func (r *recorder) Logf(format string, a ...any) {}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(file, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, file, got string
		fail            bool
	}{
		{"equal", file, "same\n", false},
		{"different", file, "other\n", true},
		{"missing file", filepath.Join(dir, "none.txt"), "x", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			CheckString(r, tc.file, tc.got)
			if r.failed != tc.fail {
				t.Errorf("failed = %v, want %v", r.failed, tc.fail)
			}
		})
	}
}
