package overlay

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
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
//
// A name whose only metacharacter is '.' (every registry host has one) is
// matched without compiling it: such a pattern matches exactly its own
// number of runes, each '.' any but a newline, so the rest of ref is held
// against the tag and digest suffix, compiled once. FuzzMatches holds this
// to the compiled expression.
func Matches(ref, name string) bool {
	if !hasMeta(name) {
		rest, ok := literalPrefix(ref, name)
		return ok && refSuffix().MatchString(rest)
	}
	return matchesCompiled(ref, name)
}

// suffixPattern is what may follow the name in a reference that an images
// entry applies to: a tag, a digest, or both (kustomize's own expression).
const suffixPattern = `(:[a-zA-Z0-9_.{}-]*)?(@[a-zA-Z0-9]+([.+_-][a-zA-Z0-9]+)*:[a-zA-Z0-9_.{}-]*)?$`

var refSuffix = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile("^" + suffixPattern) })

// matchesCompiled is Matches by kustomize's expression, compiled.
func matchesCompiled(ref, name string) bool {
	pattern, err := regexp.Compile("^" + name + suffixPattern)
	if err != nil {
		return false
	}
	return pattern.MatchString(ref)
}

// hasMeta reports whether name has a metacharacter other than '.'.
func hasMeta(name string) bool {
	return strings.ContainsAny(name, `\+*?()|[]{}^$`)
}

// literalPrefix matches name, whose only metacharacter is '.', against the
// start of ref as the expression would, and returns what follows. A name
// that is not UTF-8 does not compile, so it matches nothing.
func literalPrefix(ref, name string) (rest string, ok bool) {
	if !utf8.ValidString(name) {
		return "", false
	}
	i := 0
	for _, want := range name {
		got, size := utf8.DecodeRuneInString(ref[i:])
		if size == 0 || got == '\n' || (want != '.' && got != want) {
			return "", false
		}
		i += size
	}
	return ref[i:], true
}
