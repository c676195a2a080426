package policy

import (
	"strconv"
	"strings"
	"testing"
)

// TestKustomizationMemo: a kustomization read again gives what was read
// the first time, a caller's edit of it does not leak into the next, a
// file that does not parse is parsed (and reported) every time, and the
// memo stays within its bytes.
func TestKustomizationMemo(t *testing.T) {
	data := []byte("images:\n  - name: ghcr.io/acme/web\n    newName: ghcr.io/acme/web2\n")
	for i := range 2 {
		got, err := kustomizationImages("k.yaml", data)
		if err != nil || len(got) != 1 || got[0] != (imageEntry{"ghcr.io/acme/web", "ghcr.io/acme/web2"}) {
			t.Fatalf("read %d: %v, %v", i, got, err)
		}
		got[0].name = "changed by the caller"
	}
	for i := range 2 {
		if _, err := kustomizationImages("bad.yaml", []byte("images: [\n")); err == nil || !strings.Contains(err.Error(), "bad.yaml") {
			t.Fatalf("read %d of a broken file: %v, want an error naming it", i, err)
		}
	}
	big := strings.Repeat("#", 64<<10) + "\nimages: []\n"
	for i := range 2 * maxKustomizationBytes / len(big) {
		if _, err := kustomizationImages(strconv.Itoa(i)+".yaml", []byte(big)); err != nil {
			t.Fatal(err)
		}
		kustomizations.Lock()
		n := kustomizations.bytes
		kustomizations.Unlock()
		if n > maxKustomizationBytes {
			t.Fatalf("memo holds %d bytes, want at most %d", n, maxKustomizationBytes)
		}
	}
}
