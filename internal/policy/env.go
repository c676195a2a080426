package policy

import (
	"fmt"
	"slices"

	"github.com/stagehand-gitops/stagehand/internal/tags"
)

// applyTo replaces env's fields with the override's set ones. The channel
// fields (Constraint, AllowTags, IgnoreTags) are left alone: an override's
// channel narrows the environment's, it does not replace it (see Rule).
func (o EnvOverride) applyTo(env *Environment) {
	if o.Dir != nil {
		env.Dir = *o.Dir
	}
	if o.Promotion != nil {
		env.Promotion = *o.Promotion
	}
	if o.AutoMerge != nil {
		env.AutoMerge = *o.AutoMerge
	}
	if o.Prerelease != nil {
		env.Prerelease = *o.Prerelease
	}
	if o.Soak != nil {
		env.Soak = *o.Soak
	}
	if o.RequireHealthy != nil {
		env.RequireHealthy = *o.RequireHealthy
	}
	if o.Promoters != nil {
		env.Promoters = slices.Clone(o.Promoters)
	}
	if o.Freeze != nil {
		env.Freeze = slices.Clone(o.Freeze)
	}
	if o.Carry != nil {
		env.Carry = *o.Carry
	}
}

// EnvIndex returns the position of the named environment in promotion
// order, or -1.
func (p *Policy) EnvIndex(name string) int {
	for i, e := range p.Environments {
		if e.Name == name {
			return i
		}
	}
	return -1
}

// Next returns the name of the environment after env, or "" for the last
// one or an unknown one.
func (p *Policy) Next(env string) string {
	i := p.EnvIndex(env)
	if i < 0 || i+1 >= len(p.Environments) {
		return ""
	}
	return p.Environments[i+1].Name
}

// Prev returns the name of the environment before env, or "" for the first
// one or an unknown one.
func (p *Policy) Prev(env string) string {
	if i := p.EnvIndex(env); i > 0 {
		return p.Environments[i-1].Name
	}
	return ""
}

// App returns the named app.
func (p *Policy) App(name string) (App, bool) {
	for _, a := range p.Apps {
		if a.Name == name {
			return a, true
		}
	}
	return App{}, false
}

// Image returns the app's image with this name (compared after
// NormalizeImage, so docker.io/library/nginx finds nginx).
func (a App) Image(name string) (Image, bool) {
	want := NormalizeImage(name)
	for _, img := range a.Images {
		if NormalizeImage(img.Name) == want {
			return img, true
		}
	}
	return Image{}, false
}

// Env returns the environment as the app sees it: the environment's fields
// with the app's override applied. An unknown app gets the environment
// as defined; an unknown environment reports false. The returned
// Constraint, AllowTags and IgnoreTags are the environment's own channel;
// Rule adds the override's channel on top.
func (p *Policy) Env(app, env string) (Environment, bool) {
	i := p.EnvIndex(env)
	if i < 0 {
		return Environment{}, false
	}
	e := p.Environments[i]
	e.Promoters = slices.Clone(e.Promoters)
	e.Freeze = slices.Clone(e.Freeze)
	e.IgnoreTags = slices.Clone(e.IgnoreTags)
	if a, ok := p.App(app); ok {
		if o, ok := a.Environments[env]; ok {
			o.applyTo(&e)
		}
	}
	return e, true
}

// Rule returns the tag rule for one image of one app in one environment:
// the image's strategy and extract, and up to three filters, all of which a
// tag must pass: the image rule, the environment's channel and the app's
// override for the environment. It reports false when the app, the image
// or the environment is unknown.
func (p *Policy) Rule(app, image, env string) (tags.Rule, bool) {
	a, ok := p.App(app)
	if !ok {
		return tags.Rule{}, false
	}
	img, ok := a.Image(image)
	if !ok {
		return tags.Rule{}, false
	}
	i := p.EnvIndex(env)
	if i < 0 {
		return tags.Rule{}, false
	}
	e := p.Environments[i]
	r := tags.Rule{Strategy: img.Strategy, Extract: img.Extract}
	add := func(source, constraint, allow string, ignore []string) {
		if constraint == "" && allow == "" && len(ignore) == 0 {
			return
		}
		r.Filters = append(r.Filters, tags.Filter{Source: source, Constraint: constraint, AllowTags: allow, IgnoreTags: slices.Clone(ignore)})
	}
	add("image rule", img.Constraint, img.AllowTags, img.IgnoreTags)
	add(fmt.Sprintf("%s's channel", e.Name), e.Constraint, e.AllowTags, e.IgnoreTags)
	if o, ok := a.Environments[env]; ok {
		add(fmt.Sprintf("%s's %s override", a.Name, e.Name), o.Constraint, o.AllowTags, o.IgnoreTags)
	}
	return r, true
}
