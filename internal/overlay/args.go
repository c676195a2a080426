package overlay

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/pkg/util"
)

// keep is the argument value that keeps an entry's current field, as in
// `kustomize edit set image app=*:v2`.
const keep = "*"

// errArgFormat repeats kustomize's own list of accepted forms.
var errArgFormat = errors.New(`use one of the following forms:
- <image>=<newimage>:<newtag>
- <image>=<newimage>@<digest>
- <image>=<newimage>:<newtag>@<digest>
- <image>=<newimage>
- <image>:<newtag>
- <image>:<newtag>@<digest>
- <image>@<digest>`)

// ParseImageArg reads one argument of `kustomize edit set image`,
// NAME[=NEWNAME][:TAG][@DIGEST], into the Edit that command makes: the
// entry for NAME is replaced as a whole, so every field the argument does
// not give is removed (newName, newTag, digest and tagSuffix alike), except
// a field given as `*`, which keeps its current value.
func ParseImageArg(arg string) (Edit, error) {
	key, value, hasKey := strings.Cut(arg, "=")
	if !hasKey {
		key, value = "", arg
	}
	name, tag, digest := util.SplitImageName(value)
	if name == arg {
		return Edit{}, fmt.Errorf("image argument %q: %w: %w", arg, ErrInvalidEdit, errArgFormat)
	}
	e := Edit{Name: name, NewName: Value(""), TagSuffix: Value("")}
	if key != "" {
		e.Name, e.NewName = key, keepOr(name)
	}
	e.NewTag, e.Digest = keepOr(tag), keepOr(digest)
	if e.Name == "" {
		return Edit{}, fmt.Errorf("image argument %q: empty image name: %w: %w", arg, ErrInvalidEdit, errArgFormat)
	}
	if err := e.check(); err != nil {
		return Edit{}, fmt.Errorf("image argument %q: %w", arg, err)
	}
	return e, nil
}

func keepOr(v string) *string {
	if v == keep {
		return nil
	}
	return Value(v)
}

// ParseImageArgs reads the arguments of one `kustomize edit set image`
// call. As there, a later argument for the same name wins. The edits come
// back sorted by name, the order in which kustomize lists entries it adds.
func ParseImageArgs(args []string) ([]Edit, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("no image specified: %w", ErrInvalidEdit)
	}
	byName := map[string]Edit{}
	for _, a := range args {
		e, err := ParseImageArg(a)
		if err != nil {
			return nil, err
		}
		byName[e.Name] = e
	}
	edits := make([]Edit, 0, len(byName))
	for _, e := range byName {
		edits = append(edits, e)
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].Name < edits[j].Name })
	return edits, nil
}

// SetImages applies edits one after the other; changed reports whether any
// of them changed the file.
func SetImages(data []byte, edits []Edit) (out []byte, changed bool, err error) {
	out = data
	for _, e := range edits {
		next, ch, err := SetImage(out, e)
		if err != nil {
			return nil, false, err
		}
		out, changed = next, changed || ch
	}
	return out, changed, nil
}
