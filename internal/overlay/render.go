package overlay

import (
	"fmt"
	"io/fs"
	"path"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Render builds the overlay in dir with kustomize's own library, as
// `kustomize build dir` does with default options, and returns the YAML.
// Kustomize reads only the files the overlay reaches, copied into memory
// from fsys: a resource, patch or generator source that is not in fsys (a
// URL, a git repository, a path above the root) is refused with a
// *RemoteError instead of fetched, since whoever wrote the kustomization
// would otherwise make Stagehand reach the network or run git.
func Render(fsys fs.FS, dir string) ([]byte, error) {
	m, err := resources(fsys, dir)
	if err != nil {
		return nil, err
	}
	out, err := m.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", dir, err)
	}
	return out, nil
}

// Builds reports why the overlay in dir does not build, as Render would,
// without encoding the result: a check that only asks whether it builds
// spends a quarter of Render's time on that.
func Builds(fsys fs.FS, dir string) error {
	_, err := resources(fsys, dir)
	return err
}

// resources is Render up to kustomize's resource map.
func resources(fsys fs.FS, dir string) (resmap.ResMap, error) {
	r := reachable(fsys, dir)
	if len(r.remote) > 0 {
		return nil, &r.remote[0]
	}
	tree, err := r.copyTree(fsys)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", dir, err)
	}
	mem := filesys.MakeFsInMemory()
	err = fs.WalkDir(tree, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return mem.MkdirAll(path.Join("/", p))
		}
		data, err := fs.ReadFile(tree, p)
		if err != nil {
			return err
		}
		return mem.WriteFile(path.Join("/", p), data)
	})
	if err != nil {
		return nil, fmt.Errorf("render %s: copy files: %w", dir, err)
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(mem, path.Join("/", dir))
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", dir, err)
	}
	return m, nil
}
