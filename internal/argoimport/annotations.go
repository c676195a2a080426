package argoimport

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// Prefix starts every Argo CD Image Updater annotation key.
const Prefix = "argocd-image-updater.argoproj.io/"

// ImageSpec is one entry of the image-list annotation,
// [<alias>=]<image>[:<constraint>] or [<alias>=]<image>@<digest>.
type ImageSpec struct {
	// Alias names the image in the per-image annotations; may be empty.
	Alias string
	// Name is the image without constraint or digest, registry included.
	Name string
	// Constraint is what follows the image after a colon: a semver
	// constraint for the semver strategy, the tracked tag for digest.
	Constraint string
	// Digest is what follows the image after an @.
	Digest string
}

// ParseImageList parses the value of the image-list annotation: entries
// separated by commas, blanks around them ignored. It returns every entry
// it could read, and an error naming each one it could not.
func ParseImageList(value string) ([]ImageSpec, error) {
	var specs []ImageSpec
	var errs []error
	for _, entry := range strings.Split(value, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		spec, err := parseImageSpec(entry)
		if err != nil {
			errs = append(errs, fmt.Errorf("image-list entry %q: %w", entry, err))
			continue
		}
		specs = append(specs, spec)
	}
	return specs, errors.Join(errs...)
}

var (
	aliasPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_./-]*$`) })
	// hostPattern is a registry host with an optional port; pathPattern is
	// the distribution spec's repository path grammar.
	hostPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9.-]+(:[0-9]+)?$`) })
	pathPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$`)
	})
)

// parseImageSpec reads one image-list entry. The text before the first =
// is an alias unless it holds a colon or a comparison character, so that
// nginx:>=1.2 is an image with a constraint, not the alias "nginx:>".
func parseImageSpec(entry string) (ImageSpec, error) {
	var spec ImageSpec
	image := entry
	if before, after, ok := strings.Cut(entry, "="); ok && !strings.ContainsAny(before, ":<>!~^ ") {
		if !aliasPattern().MatchString(before) {
			return spec, fmt.Errorf("alias %q: use letters, digits, '_', '.', '-' and '/'", before)
		}
		spec.Alias, image = before, after
	}
	host, rest := "", image
	if h, r, ok := strings.Cut(image, "/"); ok && (strings.ContainsAny(h, ".:") || h == "localhost") {
		if !hostPattern().MatchString(h) {
			return spec, fmt.Errorf("%q is not a registry host", h)
		}
		host, rest = h+"/", r
	}
	if name, digest, ok := strings.Cut(rest, "@"); ok {
		rest, spec.Digest = name, digest
		if digest == "" {
			return spec, errors.New("empty digest after @")
		}
	} else if name, constraint, ok := strings.Cut(rest, ":"); ok {
		rest, spec.Constraint = name, strings.TrimSpace(constraint)
	}
	spec.Name = host + rest
	if !pathPattern().MatchString(rest) {
		return spec, fmt.Errorf("%q is not an image repository name", spec.Name)
	}
	return spec, nil
}

// ParseStrategy reads an update-strategy value, current names and the
// older ones alike (latest is newest-build, name is alphabetical). known
// is false for a value Argo CD Image Updater does not know, which it
// replaces by semver; so does ParseStrategy.
func ParseStrategy(value string) (s tags.Strategy, renamed, known bool) {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "semver":
		return tags.SemVer, false, true
	case "newest-build":
		return tags.NewestBuild, false, true
	case "latest":
		return tags.NewestBuild, true, true
	case "alphabetical":
		return tags.Alphabetical, false, true
	case "name":
		return tags.Alphabetical, true, true
	case "digest":
		return tags.Digest, false, true
	}
	return tags.SemVer, false, false
}

// ParseAllowTags reads an allow-tags (or older tag-match) value: "any"
// admits every tag and gives "", "regexp:<expression>" gives the
// expression. Any other value is an error; Argo CD Image Updater then
// admits no tag at all.
func ParseAllowTags(value string) (string, error) {
	v := strings.TrimSpace(value)
	if strings.EqualFold(v, "any") {
		return "", nil
	}
	fn, expr, ok := strings.Cut(v, ":")
	if !ok {
		return "", fmt.Errorf("%q is neither any nor regexp:<expression>", value)
	}
	if !strings.EqualFold(fn, "regexp") {
		return "", fmt.Errorf("unknown match function %q; only regexp and any exist", fn)
	}
	if _, err := regexp.Compile(expr); err != nil {
		return "", fmt.Errorf("regexp %q: %w", expr, err)
	}
	return expr, nil
}

// ParseIgnoreTags reads an ignore-tags value: globs separated by commas,
// blanks around them and empty entries dropped. It returns the valid
// globs and an error naming each invalid one.
func ParseIgnoreTags(value string) ([]string, error) {
	var globs []string
	var errs []error
	for _, g := range strings.Split(value, ",") {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if _, err := path.Match(g, ""); err != nil {
			errs = append(errs, fmt.Errorf("glob %q: %w", g, err))
			continue
		}
		globs = append(globs, g)
	}
	return globs, errors.Join(errs...)
}

// Option is the part of an annotation key after the prefix, split into the
// image alias (empty for application-wide options) and the option name.
type Option struct {
	Alias string
	Name  string
}

// perImage lists the options an annotation may set for one image alias,
// longest first so that helm.image-name wins over a shorter suffix.
var perImage = []string{
	"kustomize.image-name", "helm.image-name", "helm.image-tag", "helm.image-spec",
	"update-strategy", "registry-prefix", "force-update", "ignore-tags",
	"pull-secret", "allow-tags", "tag-match", "platforms",
}

// appWide lists the options set for the whole Application.
var appWide = []string{
	"image-list", "update-strategy", "allow-tags", "ignore-tags", "force-update",
	"pull-secret", "write-back-method", "write-back-target", "git-branch", "git-repository",
}

// ParseKey splits an annotation key. ok is false for a key without the
// prefix or with an option Argo CD Image Updater does not define. An
// alias with / is written with _ in keys; Alias holds it as written.
func ParseKey(key string) (opt Option, ok bool) {
	rest, found := strings.CutPrefix(key, Prefix)
	if !found {
		return opt, false
	}
	for _, name := range appWide {
		if rest == name {
			return Option{Name: name}, true
		}
	}
	for _, name := range perImage {
		if alias, found := strings.CutSuffix(rest, "."+name); found && alias != "" {
			return Option{Alias: alias, Name: name}, true
		}
	}
	return Option{Name: rest}, false
}

// keyAlias is how an alias appears in annotation keys.
func keyAlias(alias string) string { return strings.ReplaceAll(alias, "/", "_") }
