package policy

import (
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// policy decodes the top level. Keys are decoded in dependency order, not
// file order: apps refer to environments and inherit defaults.
func (d *decoder) policy(root *yaml.Node) *Policy {
	m := d.mapping(root, "the policy", "policy")
	p := &Policy{File: d.file, Overlays: []string{DefaultOverlays}, Defaults: ImageRule{Strategy: tags.SemVer}}
	d.version(root, m, p)
	if v, ok := m["overlays"]; ok {
		if list, ok := d.list(v, true); ok {
			p.Overlays = list
			d.templates(v, list)
		}
	}
	d.environments(root, m, p)
	if v, ok := m["defaults"]; ok {
		d.rule(d.mapping(v.val, "defaults", "defaults"), &p.Defaults)
	}
	if v, ok := m["layout"]; ok {
		d.layout(v, p)
	}
	if v, ok := m["apps"]; ok {
		d.apps(v, p)
	}
	p.Discovery = len(p.Apps) == 0
	if v, ok := m["discover"]; ok {
		if b, ok := d.boolean(v); ok {
			p.Discovery = b
		}
	}
	if v, ok := m["exclude"]; ok {
		if list, ok := d.list(v, false); ok {
			d.globs(v, list)
			p.Exclude = list
		}
	}
	if v, ok := m["groups"]; ok {
		d.groups(v, p)
	}
	d.crossCheck(p)
	if !p.Discovery {
		for _, k := range d.imageless {
			d.errorf(k, "app %q lists no images; set image: or images:, or turn on discover: true", k.Value)
		}
	}
	return p
}

func (d *decoder) version(root *yaml.Node, m map[string]pair, p *Policy) {
	v, ok := m["version"]
	if !ok {
		d.errorf(root, "version: missing; set version: 1")
		return
	}
	s, ok := d.str(v)
	if !ok {
		return
	}
	if n, err := strconv.Atoi(s); err != nil || n != 1 || d.deref(v.val).Tag != "!!int" {
		d.errorf(d.deref(v.val), "version: unsupported version %s; the only version is 1", describe(d.deref(v.val)))
		return
	}
	p.Version = 1
}

func (d *decoder) environments(root *yaml.Node, m map[string]pair, p *Policy) {
	v, ok := m["environments"]
	if !ok {
		d.errorf(root, "environments: missing; list at least one environment, in promotion order")
		return
	}
	list := d.items(v)
	if len(list) == 0 {
		if n := d.deref(v.val); n != nil {
			d.errorf(n, "environments: the list is empty; list at least one environment, in promotion order")
		}
		return
	}
	seen := map[string]int{}
	dirs := map[string]string{} // dir -> environment name
	for _, n := range list {
		n = d.deref(n)
		if n == nil {
			return
		}
		env, ok := d.environment(n)
		if !ok {
			continue
		}
		if first, dup := seen[env.Name]; dup {
			d.errorf(n, "duplicate environment %q (first defined at line %d)", env.Name, first)
			continue
		}
		if other, dup := dirs[env.Dir]; dup {
			d.errorf(n, "environment %q has dir %q, as %q does; each environment needs overlays of its own", env.Name, env.Dir, other)
			continue
		}
		seen[env.Name], dirs[env.Dir] = env.Line, env.Name
		p.Environments = append(p.Environments, env)
	}
}

func (d *decoder) environment(n *yaml.Node) (Environment, bool) {
	m := d.mapping(n, "environment", "environment")
	env := Environment{Promotion: Auto, Carry: CarryArtifact, Line: n.Line}
	v, ok := m["name"]
	if !ok {
		if m != nil {
			d.errorf(n, "environment: name is missing")
		}
		return env, false
	}
	name, ok := d.str(v)
	if !ok {
		return env, false
	}
	if !d.name(v, "environment", name) {
		return env, false
	}
	env.Name, env.Dir = name, name
	var o EnvOverride
	d.envFields(m, &o)
	o.applyTo(&env)
	env.Constraint, env.AllowTags, env.IgnoreTags = o.Constraint, o.AllowTags, o.IgnoreTags
	if v, ok := m["verify"]; ok {
		env.Verify = d.verifyBlock(v)
	}
	return env, true
}

// envFields decodes every environment field except name into an override,
// so environments and per-app overrides share one decoder.
func (d *decoder) envFields(m map[string]pair, o *EnvOverride) {
	if v, ok := m["dir"]; ok {
		if s, ok := d.str(v); ok && d.dir(v, s) {
			o.Dir = &s
		}
	}
	if v, ok := m["promotion"]; ok {
		if s, ok := d.str(v); ok {
			if s != string(Auto) && s != string(Manual) {
				d.errorf(d.deref(v.val), "promotion: unknown value %q; want auto or manual", s)
			} else {
				pr := Promotion(s)
				o.Promotion = &pr
			}
		}
	}
	if v, ok := m["carry"]; ok {
		if s, ok := d.str(v); ok {
			if s != string(CarryArtifact) && s != string(CarryVersion) {
				d.errorf(d.deref(v.val), "carry: unknown value %q; want artifact or version", s)
			} else {
				c := Carry(s)
				o.Carry = &c
			}
		}
	}
	o.AutoMerge = d.optBool(m, "autoMerge")
	o.Prerelease = d.optBool(m, "prerelease")
	o.RequireHealthy = d.optBool(m, "requireHealthy")
	if v, ok := m["soak"]; ok {
		if dur, ok := d.duration(v); ok {
			o.Soak = &dur
		}
	}
	if v, ok := m["promoters"]; ok {
		if list, ok := d.list(v, false); ok {
			o.Promoters = list
		}
	}
	if v, ok := m["freeze"]; ok {
		o.Freeze = []FreezeWindow{}
		for _, n := range d.items(v) {
			if w, ok := d.freeze(n); ok {
				o.Freeze = append(o.Freeze, w)
			}
		}
	}
	var r ImageRule
	d.filter(m, &r)
	o.Constraint, o.AllowTags, o.IgnoreTags = r.Constraint, r.AllowTags, r.IgnoreTags
}

func (d *decoder) optBool(m map[string]pair, key string) *bool {
	v, ok := m[key]
	if !ok {
		return nil
	}
	b, ok := d.boolean(v)
	if !ok {
		return nil
	}
	return &b
}

// rule decodes an image rule's fields into r, which holds the inherited
// values. Fields that are set replace them.
func (d *decoder) rule(m map[string]pair, r *ImageRule) {
	if v, ok := m["strategy"]; ok {
		if s, ok := d.str(v); ok && d.strategy(v, s) {
			r.Strategy = tags.Strategy(s)
		}
	}
	if v, ok := m["extract"]; ok {
		if s, ok := d.str(v); ok && d.extract(v, s) {
			r.Extract = s
		}
	}
	if v, ok := m["pinDigest"]; ok {
		if b, ok := d.boolean(v); ok {
			r.PinDigest = b
		}
	}
	if v, ok := m["verify"]; ok {
		r.Verify = d.verifyBlock(v)
	}
	if v, ok := m["poll"]; ok {
		if dur, ok := d.duration(v); ok {
			r.Poll = dur
		}
	}
	d.filter(m, r)
}

// filter decodes constraint, allowTags and ignoreTags.
func (d *decoder) filter(m map[string]pair, r *ImageRule) {
	if v, ok := m["constraint"]; ok {
		if s, ok := d.str(v); ok && d.constraint(v, s) {
			r.Constraint = s
		}
	}
	if v, ok := m["allowTags"]; ok {
		if s, ok := d.str(v); ok && d.regexp(v, s) {
			r.AllowTags = s
		}
	}
	if v, ok := m["ignoreTags"]; ok {
		if list, ok := d.list(v, false); ok && d.globs(v, list) {
			r.IgnoreTags = list
		}
	}
}

func (d *decoder) freeze(n *yaml.Node) (FreezeWindow, bool) {
	n = d.deref(n)
	if n == nil {
		return FreezeWindow{}, false
	}
	m := d.mapping(n, "freeze window", "freeze")
	if m == nil {
		return FreezeWindow{}, false
	}
	w := FreezeWindow{Line: n.Line}
	ok := true
	str := func(key string) string {
		v, has := m[key]
		if !has {
			return ""
		}
		s, good := d.str(v)
		ok = ok && good
		return s
	}
	from, to, cronSpec, tz := str("from"), str("to"), str("cron"), str("timezone")
	if v, has := m["duration"]; has {
		dur, good := d.duration(v)
		w.Duration, ok = dur, ok && good
	}
	if !ok {
		return w, false
	}
	return d.window(n, m, w, from, to, cronSpec, tz)
}
