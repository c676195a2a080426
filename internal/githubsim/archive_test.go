package githubsim

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

// archiveEntry is one entry of a downloaded archive.
type archiveEntry struct {
	mode int64
	data string
}

// download fetches an archive link and lists its entries by name, with the
// pax global header's comment.
func download(t *testing.T, url string) (int, map[string]archiveEntry, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil, ""
	}
	gz, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string]archiveEntry{}
	var comment string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return resp.StatusCode, out, comment
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			comment = h.PAXRecords["comment"]
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = archiveEntry{mode: h.Mode, data: string(data)}
	}
}

// TestTarball: the archive operation answers with a redirect to a
// short-lived link, which serves the commit's files under GitHub's
// owner-repo-sha/ directory; the download is counted apart from the calls.
func TestTarball(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := newFixture(t, Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	c := f.client(t, "")
	f.sim.ResetCalls()
	link, resp, err := c.Repositories.GetArchiveLink(f.ctx, "acme", "config", github.Tarball, &github.RepositoryContentGetOptions{Ref: "main"}, 0)
	wantStatus(t, resp, err, http.StatusFound)
	status, entries, comment := download(t, link.String())
	if status != http.StatusOK || comment != f.base {
		t.Fatalf("download: %d, commit %q; want 200, %s", status, comment, f.base)
	}
	top := "acme-config-" + f.base[:7] + "/"
	want := map[string]archiveEntry{
		top: {mode: 0o775}, top + "README.md": {mode: 0o664, data: "# config\n"},
		top + "apps/": {mode: 0o775}, top + "apps/web/": {mode: 0o775}, top + "apps/web/overlays/": {mode: 0o775},
		top + "apps/web/overlays/dev/":                   {mode: 0o775},
		top + "apps/web/overlays/dev/kustomization.yaml": {mode: 0o664, data: "images:\n- name: web\n  newTag: v1.0.0\n"},
		top + "scripts/":                                 {mode: 0o775}, top + "scripts/run.sh": {mode: 0o775, data: "#!/bin/sh\necho hi\n"},
	}
	if len(entries) != len(want) {
		t.Errorf("archive holds %v, want %v", entries, want)
	}
	for name, w := range want {
		if entries[name] != w {
			t.Errorf("%s = %+v, want %+v", name, entries[name], w)
		}
	}
	calls := f.sim.Calls()
	if calls.ByOperation["repos/download-tarball-archive"] != 1 || calls.Total() != 1 || calls.Archives != 1 {
		t.Errorf("calls %+v, want one tarball call and one archive", calls)
	}
	if status, _, _ := download(t, strings.Replace(link.String(), "token=", "token=0", 1)); status != http.StatusNotFound {
		t.Errorf("a link with another token: %d, want 404", status)
	}
	mu.Lock()
	now = now.Add(archiveTTL + time.Second)
	mu.Unlock()
	if status, _, _ := download(t, link.String()); status != http.StatusNotFound {
		t.Errorf("an expired link: %d, want 404", status)
	}
	_, resp, err = f.client(t, "outsider").Repositories.GetArchiveLink(f.ctx, "acme", "config", github.Tarball, &github.RepositoryContentGetOptions{Ref: "main"}, 0)
	if statusOf(resp) != http.StatusNotFound || err == nil {
		t.Errorf("an outsider's archive link: %d, %v; want 404", statusOf(resp), err)
	}
}
