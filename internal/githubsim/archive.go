package githubsim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"path"
	"time"
)

// archiveTTL is how long an archive link works: GitHub's expire after five
// minutes.
const archiveTTL = 5 * time.Minute

// archiveLink is a download link the tarball operation handed out.
type archiveLink struct {
	repo    string
	commit  string
	expires time.Time
}

// tarball answers repos/download-tarball-archive as GitHub does: a 302 to
// a short-lived, token-bearing link on the download host (codeload), here
// under /_codeload on the simulator's own server.
func (s *Sim) tarball(c *call) reply {
	commit, found := c.repo.resolveRef(c.param("ref"))
	if !found {
		return notFound()
	}
	token := randomHex(16)
	if s.archives == nil {
		s.archives = map[string]archiveLink{}
	}
	s.archives[token] = archiveLink{repo: c.repo.fullName(), commit: commit, expires: c.now.Add(archiveTTL)}
	loc := fmt.Sprintf("%s/_codeload/%s/legacy.tar.gz/%s?token=%s", s.URL(), c.repo.fullName(), commit, token)
	return reply{status: http.StatusFound, header: http.Header{"Location": {loc}}}
}

// codeload serves an archive link: the commit's tree as a gzipped tar whose
// entries sit under one top-level directory, owner-repo-shortsha/, with the
// commit in a pax global header, as GitHub's archives are laid out. It is
// not an API operation, so it is not counted as a call (Calls.Archives
// counts it).
func (s *Sim) codeload(w http.ResponseWriter, r *http.Request) {
	data, status := s.archive(r.PathValue("owner")+"/"+r.PathValue("repo"), r.PathValue("sha"), r.URL.Query().Get("token"))
	if status != http.StatusOK {
		http.Error(w, http.StatusText(status), status)
		return
	}
	s.calls.archive()
	w.Header().Set("Content-Type", "application/x-gzip")
	w.Header().Set("Content-Disposition", "attachment; filename="+path.Base(r.URL.Path)+".tar.gz")
	_, _ = w.Write(data)
}

// archive builds the archive a link names, or says why it cannot.
func (s *Sim) archive(full, commit, token string) ([]byte, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	link, ok := s.archives[token]
	if !ok || link.repo != full || link.commit != commit || s.now().After(link.expires) {
		return nil, http.StatusNotFound
	}
	r, err := s.repoLocked(full)
	if err != nil {
		return nil, http.StatusNotFound
	}
	cm, err := r.store.commit(commit)
	if err != nil {
		return nil, http.StatusNotFound
	}
	var buf bytes.Buffer
	if err := writeArchive(&buf, r, cm.Tree, fmt.Sprintf("%s-%s-%s/", r.owner, r.name, commit[:7]), commit); err != nil {
		return nil, http.StatusInternalServerError
	}
	return buf.Bytes(), http.StatusOK
}

// writeArchive writes the tree as a gzipped tar under prefix.
func writeArchive(buf *bytes.Buffer, r *repo, tree, prefix, commit string) error {
	gz := gzip.NewWriter(buf)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header", PAXRecords: map[string]string{"comment": commit}}); err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: prefix, Mode: 0o775}); err != nil {
		return err
	}
	if err := writeTree(tw, r, tree, prefix); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// writeTree writes a tree's entries, depth first; submodules are left out,
// as GitHub leaves them out.
func writeTree(tw *tar.Writer, r *repo, sha, prefix string) error {
	entries, err := r.store.tree(sha)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := prefix + e.Name
		var err error
		switch e.Mode {
		case ModeTree:
			if err = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: 0o775}); err == nil {
				err = writeTree(tw, r, e.SHA, name+"/")
			}
		case ModeSymlink:
			data, _ := r.store.get(e.SHA, typeBlob)
			err = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: string(data), Mode: 0o777})
		case ModeFile, ModeExec:
			data, _ := r.store.get(e.SHA, typeBlob)
			mode := int64(0o664)
			if e.Mode == ModeExec {
				mode = 0o775
			}
			if err = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data))}); err == nil {
				_, err = tw.Write(data)
			}
		}
		if err != nil {
			return fmt.Errorf("archive %s: %w", name, err)
		}
	}
	return nil
}
