package forge

import (
	"context"
	"errors"
	"io/fs"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/githubsim"
)

func TestCommit(t *testing.T) {
	const apiOverlay = "apps/api/overlays/dev/kustomization.yaml"
	tests := []struct {
		name    string
		branch  string
		changes map[string][]byte
		written bool
		ops     map[string]int
		want    map[string]string // path → content after; "" means absent
	}{
		{
			name:   "modify, add and delete in one commit",
			branch: "main",
			changes: map[string][]byte{
				devOverlay:                     []byte("images:\n- name: ghcr.io/acme/web\n  newTag: v2\n"),
				"apps/new/overlays/dev/k.yaml": []byte("new: true\n"),
				apiOverlay:                     nil,
			},
			written: true,
			ops: map[string]int{"git/get-ref": 1, "git/get-tree": 1,
				"git/create-tree": 1, "git/create-commit": 1, "git/update-ref": 1},
			want: map[string]string{devOverlay: "images:\n- name: ghcr.io/acme/web\n  newTag: v2\n",
				"apps/new/overlays/dev/k.yaml": "new: true\n", apiOverlay: ""},
		},
		{
			name:    "an unchanged file writes nothing",
			branch:  "main",
			changes: map[string][]byte{devOverlay: []byte(seedFiles[devOverlay]), "apps/none.yaml": nil},
			ops:     map[string]int{"git/get-ref": 1, "git/get-tree": 1},
		},
		{
			name:    "a new branch starts at the base",
			branch:  "feature/x",
			changes: map[string][]byte{"NOTES.md": []byte("notes\n")},
			written: true,
			ops: map[string]int{"git/get-ref": 2, "repos/get-content": 1, "git/get-tree": 1,
				"git/create-tree": 1, "git/create-commit": 1, "git/create-ref": 1},
			want: map[string]string{"NOTES.md": "notes\n", devOverlay: seedFiles[devOverlay]},
		},
		{
			name:    "binary content goes through a blob",
			branch:  "main",
			changes: map[string][]byte{"bin/data": {0, 1, 2, 0xff}, "empty": {}},
			written: true,
			ops: map[string]int{"git/get-ref": 1, "git/get-tree": 1, "git/create-blob": 2,
				"git/create-tree": 1, "git/create-commit": 1, "git/update-ref": 1},
			want: map[string]string{"bin/data": "\x00\x01\x02\xff", "empty": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			ctx := context.Background()
			res, err := e.forge.Commit(ctx, testRepo, tt.branch, "main", "Change\n",
				func(fs.FS) (map[string][]byte, error) { return tt.changes, nil }, CommitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			assertOps(t, e.calls(), tt.ops)
			if res.Written != tt.written || (!tt.written && res.SHA != e.head) {
				t.Fatalf("result %+v, want written=%v", res, tt.written)
			}
			snap := e.coldForge(t).Snapshot(ctx, testRepo, res.SHA)
			for p, want := range tt.want {
				got, err := fs.ReadFile(snap, p)
				if want == "" && p != "empty" {
					if !errors.Is(err, fs.ErrNotExist) {
						t.Fatalf("%s: %q, %v; want it deleted", p, got, err)
					}
					continue
				}
				if err != nil || string(got) != want {
					t.Fatalf("%s = %q, %v; want %q", p, got, err, want)
				}
			}
		})
	}
}

func TestCommitCompareAndSwap(t *testing.T) {
	tests := []struct {
		name  string
		races int
		calls int
		err   error
	}{
		{"no race", 0, 1, nil},
		{"two lost races re-apply the edit on the new head", 2, 3, nil},
		{"a ref that keeps moving gives up", 9, 5, ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			ctx := context.Background()
			e.sim.SetFaults(githubsim.Faults{RefRaces: tt.races})
			var bases []string
			edit := func(fsys fs.FS) (map[string][]byte, error) {
				bases = append(bases, fsys.(*Snapshot).Commit())
				data, err := fs.ReadFile(fsys, "counter")
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					return nil, err
				}
				return map[string][]byte{"counter": append(data, 'x')}, nil
			}
			res, err := e.forge.Commit(ctx, testRepo, "main", "", "Count\n", edit, CommitOptions{})
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if len(bases) != tt.calls {
				t.Fatalf("edit ran %d times, want %d", len(bases), tt.calls)
			}
			for i := 1; i < len(bases); i++ {
				if bases[i] == bases[i-1] {
					t.Fatalf("attempt %d re-used base %s; want the moved head", i+1, bases[i])
				}
			}
			if tt.err != nil {
				return
			}
			head, err := e.forge.Head(ctx, testRepo, "main")
			if err != nil || head != res.SHA || !res.Written {
				t.Fatalf("head %s (%v), result %+v", head, err, res)
			}
			info, err := e.forge.commitInfo(ctx, testRepo, head)
			if err != nil || len(info.Parents) != 1 || info.Parents[0] != bases[len(bases)-1] {
				t.Fatalf("parents %v (%v), want the last base read %s", info.Parents, err, bases[len(bases)-1])
			}
		})
	}
}
