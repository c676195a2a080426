package argoimport

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// fields are the filters an annotation may set, in output order.
var fields = []string{"constraint", "allowTags", "ignoreTags"}

// candidate is one image's filter value in one environment.
type candidate struct {
	image string
	value string
	s     *setting
}

// app merges the settings of one app's environments. A filter every
// environment of the policy sets alike goes on the image; any other
// becomes an override of the environments that set it, so that the
// translation never narrows an environment Argo CD Image Updater did not.
func (t *Translation) app(name string, envs map[string][]*setting) App {
	var order []string
	for _, e := range t.Layout.Environments {
		if envs[e.Name] != nil {
			order = append(order, e.Name)
		}
	}
	byImage, names := t.imagesByName(envs, order)
	out := App{Name: name}
	over := map[string]map[string][]candidate{} // env -> field -> candidates
	for _, key := range names {
		per := byImage[key]
		img := Image{Name: firstSpec(per, order).spec.Name, Strategy: t.strategy(per, order)}
		for _, env := range order {
			if s := per[env]; s != nil {
				img.From = append(img.From, s.app.Name+": "+specString(s.spec))
			}
		}
		for _, f := range fields {
			values := map[string]string{}
			for env, s := range per {
				values[env] = filterValue(s, f)
			}
			if v := values[order[0]]; v != "" && len(per) == len(t.Layout.Environments) && allEqual(values, v) {
				setFilter(&img.Constraint, &img.AllowTags, &img.IgnoreTags, f, v)
				continue
			}
			for env, v := range values {
				if v == "" {
					continue
				}
				if over[env] == nil {
					over[env] = map[string][]candidate{}
				}
				over[env][f] = append(over[env][f], candidate{image: key, value: v, s: per[env]})
			}
		}
		out.Images = append(out.Images, img)
	}
	sort.Slice(out.Images, func(i, j int) bool { return out.Images[i].Name < out.Images[j].Name })
	out.Overrides = t.overrides(name, order, over, len(names))
	if len(order) < len(t.Layout.Environments) {
		var missing []string
		for _, e := range t.Layout.Environments {
			if envs[e.Name] == nil {
				missing = append(missing, e.Name)
			}
		}
		first := envs[order[0]][0].app
		t.Notes = append(t.Notes, appNote(first, Info, "%s has no annotated Application in %s: Stagehand promotes it there too, with the image rule only",
			name, strings.Join(missing, ", ")))
	}
	return out
}

// imagesByName groups an app's settings by normalised image name, and
// returns the names in order of first appearance.
func (t *Translation) imagesByName(envs map[string][]*setting, order []string) (map[string]map[string]*setting, []string) {
	byImage := map[string]map[string]*setting{}
	var names []string
	for _, env := range order {
		for _, s := range envs[env] {
			key := policy.NormalizeImage(s.spec.Name)
			if byImage[key] == nil {
				byImage[key] = map[string]*setting{}
				names = append(names, key)
			}
			if byImage[key][env] != nil {
				t.Notes = append(t.Notes, noteAt(s, "image", NotTranslated, "%s is listed twice; the first entry is used", s.spec.Name))
				continue
			}
			byImage[key][env] = s
		}
	}
	return byImage, names
}

// strategy returns the strategy most environments use, the earliest
// environment's on a tie, and reports the others: Stagehand orders an
// image's tags one way in every environment.
func (t *Translation) strategy(per map[string]*setting, order []string) tags.Strategy {
	count := map[tags.Strategy]int{}
	best := tags.Strategy("")
	for _, env := range order {
		if s := per[env]; s != nil {
			count[s.strategy]++
			if best == "" || count[s.strategy] > count[best] {
				best = s.strategy
			}
		}
	}
	for _, env := range order {
		if s := per[env]; s != nil && s.strategy != best {
			t.Notes = append(t.Notes, noteAt(s, "strategy", NotTranslated,
				"Stagehand has one strategy per image, and the other environments' Applications use %s for %s", best, s.spec.Name))
		}
	}
	return best
}

// overrides turns the per-environment candidates into overrides. An
// override narrows every image of the app, so it is made only when every
// image wants the same filter in that environment.
func (t *Translation) overrides(app string, order []string, over map[string]map[string][]candidate, images int) []Override {
	var out []Override
	for _, env := range order {
		o := Override{Env: env}
		for _, f := range fields {
			cs := over[env][f]
			if len(cs) == 0 {
				continue
			}
			if len(cs) != images || slices.ContainsFunc(cs, func(c candidate) bool { return c.value != cs[0].value }) {
				for _, c := range cs {
					t.Notes = append(t.Notes, noteAt(c.s, f, NotTranslated, "a per-environment override applies to every image of %s, "+
						"and its images do not all want this %s in %s; set it by hand on an environment channel or split the app", app, f, env))
				}
				continue
			}
			setFilter(&o.Constraint, &o.AllowTags, &o.IgnoreTags, f, cs[0].value)
			for _, c := range cs {
				from := strings.TrimPrefix(c.s.src[f].Key, Prefix) + " on " + c.s.app.Name
				if !slices.Contains(o.From, from) {
					o.From = append(o.From, from)
				}
			}
		}
		if len(o.From) > 0 {
			out = append(out, o)
		}
	}
	return out
}

// filterValue is a setting's filter f as one comparable string.
func filterValue(s *setting, f string) string {
	switch f {
	case "constraint":
		return s.constraint
	case "allowTags":
		return s.allowTags
	default:
		return strings.Join(s.ignoreTags, "\n")
	}
}

func setFilter(constraint, allow *string, ignore *[]string, f, v string) {
	switch f {
	case "constraint":
		*constraint = v
	case "allowTags":
		*allow = v
	default:
		*ignore = strings.Split(v, "\n")
	}
}

func allEqual(values map[string]string, v string) bool {
	for _, x := range values {
		if x != v {
			return false
		}
	}
	return true
}

func firstSpec(per map[string]*setting, order []string) *setting {
	for _, env := range order {
		if per[env] != nil {
			return per[env]
		}
	}
	return nil
}

// noteAt notes the annotation a setting's field came from, or its
// image-list entry when the field was not set by an annotation.
func noteAt(s *setting, field string, kind Kind, format string, args ...any) Note {
	a, ok := s.src[field]
	if !ok {
		a = s.src["image"]
	}
	return Note{File: s.app.File, Line: a.Line, Application: s.app.Name, Key: a.Key, Value: a.Value,
		Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

func specString(s ImageSpec) string {
	out := s.Name
	if s.Alias != "" {
		out = s.Alias + "=" + out
	}
	if s.Constraint != "" {
		out += ":" + s.Constraint
	}
	if s.Digest != "" {
		out += "@" + s.Digest
	}
	return out
}

// inferEnvs makes an environment of each directory the Applications
// deploy, ordered by the usual names (development, test, staging,
// production) and then by name. The order is a guess; the output says so.
func inferEnvs(p placed) []Env {
	seen := map[string]bool{}
	for _, envs := range p {
		for env := range envs {
			seen[env] = true
		}
	}
	names := sortedKeys(seen)
	sort.SliceStable(names, func(i, j int) bool { return stage(names[i]) < stage(names[j]) })
	out := make([]Env, len(names))
	for i, n := range names {
		out[i] = Env{Name: n, Dir: n}
	}
	return out
}

// stage ranks an environment name by the words it holds.
func stage(name string) int {
	n := strings.ToLower(name)
	for i, words := range [][]string{
		{"dev", "local", "sandbox"},
		{"test", "qa", "int", "uat"},
		{"stag", "stg", "preprod", "pre-prod"},
		{"prod", "prd", "live"},
	} {
		for _, w := range words {
			if strings.Contains(n, w) {
				return i
			}
		}
	}
	return 1
}
