package policy

import (
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Group is a release train: apps that move through some environments
// together, in one pull request per environment that edits every member's
// overlays in one commit.
type Group struct {
	// Name is how people and branches refer to the group; it is never the
	// name of an app, so that /promote <name> means one thing.
	Name string
	// Apps are the members, in file order.
	Apps []string
	// Envs are the environments the members move into together, in
	// promotion order. The first environment is never one: it takes tags
	// from the registry, one image at a time.
	Envs []string
	// Line and Col are where the group is defined.
	Line, Col int
	// members holds where each member is written, for the check Discover
	// makes of members that only the layout can tell.
	members []*yaml.Node
}

// Has reports whether the group moves together into env.
func (g Group) Has(env string) bool { return slices.Contains(g.Envs, env) }

// Group returns the named group.
func (p *Policy) Group(name string) (Group, bool) {
	for _, g := range p.Groups {
		if g.Name == name {
			return g, true
		}
	}
	return Group{}, false
}

// GroupOf returns the group app moves with into env, if any; validation
// ensures there is at most one.
func (p *Policy) GroupOf(app, env string) (Group, bool) {
	for _, g := range p.Groups {
		if g.Has(env) && slices.Contains(g.Apps, app) {
			return g, true
		}
	}
	return Group{}, false
}

// groups decodes the groups: mapping. Environments and apps are decoded
// already, and the discover field is known.
func (d *decoder) groups(v pair, p *Policy) {
	n := d.deref(v.val)
	if n == nil || isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "groups: want a mapping of group name to group, got %s", describe(n))
		return
	}
	// taken[env][app] is the group that already moves app into env.
	taken := map[string]map[string]*Group{}
	for _, gp := range d.pairs(n, "groups") {
		g, ok := d.group(gp, p)
		if !ok {
			continue
		}
		for i, app := range g.Apps {
			for _, env := range g.Envs {
				if taken[env] == nil {
					taken[env] = map[string]*Group{}
				}
				if other := taken[env][app]; other != nil {
					d.errorf(g.members[i], "app %q is in group %q for %s already (line %d); an app moves with one group in each environment", app, other.Name, env, other.Line)
					ok = false
					continue
				}
				taken[env][app] = &g
			}
		}
		if ok {
			p.Groups = append(p.Groups, g)
		}
	}
}

// group decodes one group, reporting every problem.
func (d *decoder) group(gp pair, p *Policy) (Group, bool) {
	name := gp.key.Value
	if !d.name(pair{gp.key, gp.key}, "group", name) {
		return Group{}, false
	}
	g := Group{Name: name, Line: gp.key.Line, Col: gp.key.Column}
	ok := true
	if a, isApp := p.App(name); isApp {
		d.errorf(gp.key, "group %q has the name of app %q (line %d); commands name either, so give the group another name", name, name, a.Line)
		ok = false
	}
	m := d.mapping(gp.val, fmt.Sprintf("group %q", name), "group")
	if m == nil {
		return g, false
	}
	ok = d.groupApps(gp, m, p, &g) && ok
	ok = d.groupEnvs(gp, m, p, &g) && ok
	return g, ok
}

func (d *decoder) groupApps(gp pair, m map[string]pair, p *Policy, g *Group) bool {
	v, has := m["apps"]
	if !has {
		d.errorf(gp.key, "group %q: apps is missing; list the apps that move together", g.Name)
		return false
	}
	list, ok := d.list(v, false)
	if !ok {
		return false
	}
	items := d.deref(v.val).Content
	seen := map[string]int{}
	for i, app := range list {
		n := items[i]
		if first, dup := seen[app]; dup {
			d.errorf(n, "group %q lists app %q twice (first at line %d)", g.Name, app, first)
			ok = false
			continue
		}
		seen[app] = n.Line
		if _, known := p.App(app); !known && !p.Discovery {
			d.errorf(n, "group %q: unknown app %q%s", g.Name, app, didYouMean(app, appNames(p)))
			ok = false
			continue
		}
		g.Apps = append(g.Apps, app)
		g.members = append(g.members, n)
	}
	if ok && len(g.Apps) < 2 {
		d.errorf(d.deref(v.val), "group %q: a group needs at least two apps; an app alone is promoted without one", g.Name)
		return false
	}
	return ok
}

func (d *decoder) groupEnvs(gp pair, m map[string]pair, p *Policy, g *Group) bool {
	v, has := m["envs"]
	if !has {
		// Every environment the members are promoted into.
		for _, e := range p.Environments[min(1, len(p.Environments)):] {
			g.Envs = append(g.Envs, e.Name)
		}
		if len(g.Envs) == 0 {
			d.errorf(gp.key, "group %q: the policy has one environment, which takes tags from the registry one image at a time; a group needs an environment after it", g.Name)
			return false
		}
		return true
	}
	list, ok := d.list(v, false)
	if !ok {
		return false
	}
	items := d.deref(v.val).Content
	if len(list) == 0 {
		d.errorf(d.deref(v.val), "group %q: envs is empty; leave it out for every environment after the first", g.Name)
		return false
	}
	names := make([]string, len(p.Environments))
	for i, e := range p.Environments {
		names[i] = e.Name
	}
	for i, env := range list {
		n := items[i]
		switch idx := p.EnvIndex(env); {
		case idx < 0:
			d.errorf(n, "group %q: environment %q is not in the pipeline (%s)%s", g.Name, env, strings.Join(names, ", "), didYouMean(env, names))
			ok = false
		case idx == 0:
			d.errorf(n, "group %q: %s is the first environment: it takes tags from the registry one image at a time, so a group cannot move into it together", g.Name, env)
			ok = false
		case slices.Contains(g.Envs, env):
			d.errorf(n, "group %q lists environment %q twice", g.Name, env)
			ok = false
		default:
			g.Envs = append(g.Envs, env)
		}
	}
	// Keep promotion order whatever order the file lists them in.
	slices.SortFunc(g.Envs, func(a, b string) int { return p.EnvIndex(a) - p.EnvIndex(b) })
	return ok
}

func appNames(p *Policy) []string {
	names := make([]string, len(p.Apps))
	for i, a := range p.Apps {
		names[i] = a.Name
	}
	return names
}

// checkGroups reports the group members Discover did not find, and groups
// named like a discovered app. Listed apps were checked by Parse.
func (p *Policy) checkGroups(errs *ErrorList) {
	for _, g := range p.Groups {
		if a, ok := p.App(g.Name); ok && a.Discovered {
			*errs = append(*errs, &Error{File: p.File, Line: g.Line, Col: g.Col, Msg: fmt.Sprintf("group %q has the name of an app found from the layout; commands name either, so give the group another name", g.Name)})
		}
		for i, app := range g.Apps {
			if _, ok := p.App(app); ok {
				continue
			}
			n := g.members[i]
			*errs = append(*errs, &Error{File: p.File, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf("group %q: unknown app %q: the policy lists no such app and the layout has no overlays of it%s", g.Name, app, didYouMean(app, appNames(p)))})
		}
	}
}
