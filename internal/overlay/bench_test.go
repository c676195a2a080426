package overlay

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkSetImage times one `stagehand set-image` call's worth of edits
// (all of a case's arguments) per corpus file, and reports how many lines
// they changed.
func BenchmarkSetImage(b *testing.B) {
	for _, c := range loadCorpus(b) {
		b.Run(c.name, func(b *testing.B) {
			orig := c.original(b)
			edits := mustParseArgs(b, c.args)
			out, _, err := SetImages(orig, edits)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, _, err := SetImages(orig, edits); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(changedLines(orig, out)), "lines-changed")
		})
	}
}

// BenchmarkKustomizeEditSetImage times `kustomize edit set image` with the
// same arguments on the same files, one process per call as CI scripts run
// it, and reports how many lines it changed: the baseline for
// BenchmarkSetImage. It needs the kustomize CLI (`make tools`).
func BenchmarkKustomizeEditSetImage(b *testing.B) {
	bin := kustomizeBinary(b)
	for _, c := range loadCorpus(b) {
		b.Run(c.name, func(b *testing.B) {
			orig := c.original(b)
			dir := copyTree(b, filepath.Join(c.dir, "original"))
			file := filepath.Join(dir, c.file)
			args := append([]string{"edit", "set", "image"}, c.args...)
			for b.Loop() {
				b.StopTimer()
				if err := os.WriteFile(file, orig, 0o644); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				cmd := exec.Command(bin, args...)
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("kustomize: %v\n%s", err, out)
				}
			}
			out, err := os.ReadFile(file)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(changedLines(orig, out)), "lines-changed")
		})
	}
}
