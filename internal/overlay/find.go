package overlay

import (
	"fmt"
	"io/fs"
	"regexp"
)

// Ref is one images entry of an overlay that refers to an image.
type Ref struct {
	// Dir is the overlay directory, as passed to Find.
	Dir string
	// File is the kustomization file's path in the file system.
	File string
	// Entry is the matching entry; edit it with Edit{Name: Entry.Name}.
	Entry Image
}

// Find returns the entries of the overlays in dirs that refer to image, in
// the order of dirs and then of the file. An entry refers to image when its
// name matches image the way kustomize's image transformer matches a
// container image against it, or when its newName does: config repos write
// the registry's name in either field. image may carry a tag or digest.
// A directory without a kustomization file is an error wrapping
// ErrNoKustomization.
func Find(fsys fs.FS, dirs []string, image string) ([]Ref, error) {
	var refs []Ref
	for _, dir := range dirs {
		file, err := FileIn(fsys, dir)
		if err != nil {
			return nil, err
		}
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		imgs, err := Images(data)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		for _, img := range imgs {
			if Matches(image, img.Name) || (img.NewName != "" && Matches(image, img.NewName)) {
				refs = append(refs, Ref{Dir: dir, File: file, Entry: img})
			}
		}
	}
	return refs, nil
}

// Matches reports whether the container image ref (name[:tag][@digest]) is
// one that a kustomization images entry named name applies to. It is
// kustomize's own rule, including its reading of name as a regular
// expression; a name that does not compile matches nothing.
func Matches(ref, name string) bool {
	pattern, err := regexp.Compile("^" + name + "(:[a-zA-Z0-9_.{}-]*)?(@[a-zA-Z0-9]+([.+_-][a-zA-Z0-9]+)*:[a-zA-Z0-9_.{}-]*)?$")
	if err != nil {
		return false
	}
	return pattern.MatchString(ref)
}
