package forge

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v62/github"
)

// singlyAtMost is how many missing blobs Prefetch leaves to be read one
// call each: beyond it, the repository archive (one call, however many
// files) is cheaper in calls than the blobs API.
const singlyAtMost = 4

// maxArchiveFile bounds the size of one file Prefetch keeps from an
// archive; a larger file is left to the blobs API.
const maxArchiveFile = 8 << 20

// Prefetch makes the named files' contents available before they are read,
// in a number of calls that does not grow with how many they are: it loads
// the tree listing, leaves out what the object cache already holds (by
// blob SHA), and when more than a few blobs are missing it reads them all
// from the repository archive of the commit: one API call, and a download
// GitHub serves from its archive host outside the rate limit. Names that
// are not files of the snapshot are ignored. A file whose archived content
// does not hash to its blob (an export-subst or eol attribute rewrote it)
// is left to the blobs API when read.
func (s *Snapshot) Prefetch(names []string) error {
	idx, err := s.load()
	if err != nil {
		return err
	}
	missing := map[string]string{} // path → blob SHA
	shas := map[string]bool{}
	for _, name := range names {
		e, ok := idx.entries[name]
		if !ok || e.Type != "blob" || shas[e.SHA] {
			continue
		}
		if _, ok := s.content(e.SHA); ok {
			continue
		}
		missing[name], shas[e.SHA] = e.SHA, true
	}
	if len(shas) <= singlyAtMost {
		return nil
	}
	return s.readArchive(missing)
}

// content returns a blob's content if the snapshot or the object cache
// holds it, without a call.
func (s *Snapshot) content(sha string) ([]byte, bool) {
	s.mu.Lock()
	data, ok := s.fetched[sha]
	s.mu.Unlock()
	if ok {
		return data, true
	}
	return s.f.objects.blob(sha)
}

// blob returns a blob's content: prefetched, cached, or read with one call.
func (s *Snapshot) blob(sha string) ([]byte, error) {
	if data, ok := s.content(sha); ok {
		return data, nil
	}
	return s.f.blob(s.ctx, s.repo, sha)
}

// readArchive downloads the commit's archive and keeps the wanted files
// (path → blob SHA) whose content matches their blob. The snapshot holds
// them for its own reads, so a cache too small for a large repository does
// not send them back to the blobs API; the object cache gets them too, for
// later commits that share them.
func (s *Snapshot) readArchive(want map[string]string) error {
	link, _, err := s.f.gh.Repositories.GetArchiveLink(s.ctx, s.repo.Owner, s.repo.Name, github.Tarball,
		&github.RepositoryContentGetOptions{Ref: s.commit}, 0)
	if err != nil {
		return fmt.Errorf("archive link of %s@%s: %w", s.repo, s.commit, err)
	}
	req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, link.String(), nil)
	if err != nil {
		return fmt.Errorf("archive of %s@%s: %w", s.repo, s.commit, err)
	}
	resp, err := s.f.archives.Do(req)
	if err != nil {
		// The link carries a token: say where, not what.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("download archive of %s@%s from %s: %w", s.repo, s.commit, link.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("download archive of %s@%s from %s: %s", s.repo, s.commit, link.Host, resp.Status)
	}
	got, err := untar(resp.Body, want)
	if err != nil {
		return fmt.Errorf("read archive of %s@%s: %w", s.repo, s.commit, err)
	}
	s.mu.Lock()
	if s.fetched == nil {
		s.fetched = map[string][]byte{}
	}
	for sha, data := range got {
		s.fetched[sha] = data
	}
	s.mu.Unlock()
	for sha, data := range got {
		s.f.objects.putBlob(sha, data)
	}
	return nil
}

// untar reads a gzipped tar archive whose entries sit under one top-level
// directory and returns, by blob SHA, the content of the wanted paths that
// hashes to the blob the tree lists. It stops once it has them all; want
// is emptied on the way.
func untar(r io.Reader, want map[string]string) (map[string][]byte, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	got := map[string][]byte{}
	for left := len(want); left > 0; {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		_, name, ok := strings.Cut(h.Name, "/")
		sha, wanted := want[name]
		if !ok || !wanted || h.Size > maxArchiveFile {
			continue
		}
		var data []byte
		switch h.Typeflag {
		case tar.TypeReg:
			if data, err = io.ReadAll(tr); err != nil {
				return nil, err
			}
		case tar.TypeSymlink:
			data = []byte(h.Linkname)
		default:
			continue
		}
		delete(want, name)
		left--
		if BlobSHA(data) == sha {
			got[sha] = data
		}
	}
	return got, nil
}
