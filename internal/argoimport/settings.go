package argoimport

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// setting is what one Application's annotations say about one image.
type setting struct {
	app      *Application
	spec     ImageSpec
	strategy tags.Strategy
	// constraint, allowTags and ignoreTags are the translated filters;
	// src holds the annotation each came from ("strategy" likewise).
	constraint string
	allowTags  string
	ignoreTags []string
	src        map[string]Annotation
}

// reader turns one Application's annotations into settings and notes.
type reader struct {
	app   *Application
	notes []Note
}

func (r *reader) note(a Annotation, kind Kind, format string, args ...any) {
	r.notes = append(r.notes, Note{
		File: r.app.File, Line: a.Line, Application: r.app.Name,
		Key: a.Key, Value: a.Value, Kind: kind, Reason: fmt.Sprintf(format, args...),
	})
}

// settings reads the Application's image-list and the options of each
// image, application-wide options applying where an image sets none.
func (r *reader) settings() []*setting {
	byKey := map[string]Annotation{}
	var anns []Annotation
	for _, a := range r.app.Annotations {
		if !utf8.ValidString(a.Key) || !utf8.ValidString(a.Value) {
			r.note(a, NotTranslated, "not valid UTF-8")
			continue
		}
		byKey[a.Key] = a
		anns = append(anns, a)
	}
	list, ok := byKey[Prefix+"image-list"]
	if !ok {
		for _, a := range anns {
			r.note(a, NotTranslated, "the Application has no image-list annotation, so Argo CD Image Updater ignores it")
		}
		return nil
	}
	specs, err := ParseImageList(list.Value)
	for _, e := range unjoin(err) {
		r.note(list, NotTranslated, "%v", e)
	}
	out := make([]*setting, len(specs))
	aliases := map[string]*setting{}
	for i, spec := range specs {
		out[i] = &setting{app: r.app, spec: spec, strategy: tags.SemVer, src: map[string]Annotation{"image": list}}
		if k := keyAlias(spec.Alias); spec.Alias != "" && aliases[k] != nil {
			r.note(list, NotTranslated, "the alias %q names two images; its options apply to the first, %s", spec.Alias, aliases[k].spec.Name)
		} else if spec.Alias != "" {
			aliases[k] = out[i]
		}
	}
	// Application-wide options first, so per-image ones replace them.
	for _, a := range anns {
		if opt, ok := ParseKey(a.Key); ok && opt.Alias == "" && opt.Name != "image-list" {
			r.option(a, opt.Name, out, byKey)
		}
	}
	for _, a := range anns {
		opt, ok := ParseKey(a.Key)
		switch {
		case !ok:
			r.note(a, NotTranslated, "not an Argo CD Image Updater annotation this import knows")
		case opt.Alias == "":
			continue
		case aliases[opt.Alias] == nil:
			r.note(a, NotTranslated, "no image-list entry has the alias %q", opt.Alias)
		default:
			r.option(a, opt.Name, []*setting{aliases[opt.Alias]}, byKey)
		}
	}
	for _, s := range out {
		r.imageParts(s)
	}
	return out
}

// option applies one option to the settings it concerns.
func (r *reader) option(a Annotation, name string, to []*setting, byKey map[string]Annotation) {
	switch name {
	case "update-strategy":
		s, _, known := ParseStrategy(a.Value)
		if !known {
			r.note(a, NotTranslated, "unknown strategy %q; Argo CD Image Updater falls back to semver, and so does this import", a.Value)
		}
		for _, st := range to {
			st.strategy, st.src["strategy"] = s, a
		}
	case "allow-tags", "tag-match":
		if name == "tag-match" && hasSibling(byKey, a.Key, "tag-match", "allow-tags") {
			r.note(a, NotTranslated, "allow-tags is set as well and takes precedence over the older tag-match")
			return
		}
		expr, err := ParseAllowTags(a.Value)
		if err != nil {
			r.note(a, NotTranslated, "%v; Argo CD Image Updater admits no tag at all then, so the image was never updated: write allowTags by hand", err)
			return
		}
		for _, st := range to {
			st.allowTags, st.src["allowTags"] = expr, a
		}
	case "ignore-tags":
		globs, err := ParseIgnoreTags(a.Value)
		for _, e := range unjoin(err) {
			r.note(a, NotTranslated, "%v; Argo CD Image Updater ignores no tag with it, nor does this import", e)
		}
		for _, st := range to {
			st.ignoreTags, st.src["ignoreTags"] = globs, a
		}
	case "kustomize.image-name":
		img := "the image"
		if len(to) == 1 {
			img = to[0].spec.Name
		}
		r.note(a, NotTranslated, "Stagehand finds the image in an overlay's images: entries by name or newName, as kustomize does: "+
			"the overlays must hold name: %s with newName: %s", a.Value, img)
	default:
		r.note(a, NotTranslated, "%s", reasons[name])
	}
}

// hasSibling reports whether key, ending in option from, has a sibling
// annotation ending in option to.
func hasSibling(byKey map[string]Annotation, key, from, to string) bool {
	_, ok := byKey[strings.TrimSuffix(key, from)+to]
	return ok
}

// imageParts translates the part of an image-list entry after the image,
// which means different things to different strategies.
func (r *reader) imageParts(s *setting) {
	list := s.src["image"]
	if s.spec.Digest != "" {
		r.note(list, NotTranslated, "the digest @%s of %s is not translated: the overlays hold what runs", s.spec.Digest, s.spec.Name)
	}
	if s.spec.Constraint == "" {
		return
	}
	switch s.strategy {
	case tags.SemVer:
		if err := tags.ValidateRule(tags.Rule{Filters: []tags.Filter{{Constraint: s.spec.Constraint}}}); err != nil {
			r.note(list, NotTranslated, "constraint %q of %s: %v", s.spec.Constraint, s.spec.Name, err)
			return
		}
		s.constraint, s.src["constraint"] = s.spec.Constraint, list
	case tags.Digest:
		r.note(list, NotTranslated, "with the digest strategy, %q is the tag Argo CD Image Updater follows; "+
			"Stagehand follows the tag each overlay runs, so the overlays must run %s:%s", s.spec.Constraint, s.spec.Name, s.spec.Constraint)
	default:
		r.note(list, NotTranslated, "Argo CD Image Updater ignores the version constraint %q with the %s strategy", s.spec.Constraint, s.strategy)
	}
}

// unjoin returns the errors errors.Join joined, so that each is one note.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err != nil {
		return []error{err}
	}
	return nil
}
