package checks

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// state is what Queries and Evaluate both derive from the input.
type state struct {
	trees
	// unusable says why the base policy cannot judge the pull request
	// ("" when it can).
	unusable string
	// rawBase is the base policy as parsed, before discovery.
	rawBase *policy.Policy
	touches []touch
	changes [][]imageChange // per touch
	secrets map[string][]Secret
}

func prepare(in *Input) (*state, error) {
	st := &state{trees: trees{base: in.Base, head: in.Head}}
	since := in.MergeBase
	if since == nil {
		since = in.Base
	}
	changed := slices.Sorted(slices.Values(in.Changed))
	if in.Changed == nil {
		var err error
		if changed, err = ChangedFiles(since, in.Head); err != nil {
			return nil, err
		}
	}
	st.changed = changed
	st.policyChanged = slices.Contains(changed, policy.FileName)
	var err error
	if st.secrets, err = secretsIn(since, in.Head, changed); err != nil {
		return nil, err
	}
	data, err := fs.ReadFile(in.Base, policy.FileName)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		st.unusable = fmt.Sprintf("the base branch has no `%s`, so Stagehand has no rules to check", policy.FileName)
		return st, nil
	case err != nil:
		return nil, fmt.Errorf("read %s on the base: %w", policy.FileName, err)
	}
	if st.rawBase, err = policy.Parse(policy.FileName, data); err != nil {
		st.unusable = fmt.Sprintf("the base branch's `%s` is invalid, so Stagehand cannot check against it: %v", policy.FileName, err)
		return st, nil
	}
	// Discovery errors leave the apps found so far; the build rule reports
	// the overlays that do not parse.
	st.onBase, _ = policy.Parse(policy.FileName, data)
	_ = st.onBase.Discover(in.Base)
	st.onHead, _ = policy.Parse(policy.FileName, data)
	_ = st.onHead.Discover(in.Head)
	if st.touches, err = st.trees.touches(); err != nil {
		return nil, err
	}
	for _, tc := range st.touches {
		ch, err := st.imageChanges(tc)
		if err != nil {
			return nil, err
		}
		st.changes = append(st.changes, ch)
	}
	return st, nil
}

// secretsIn finds the plain-text Secrets each changed file of head adds or
// changes. A file that does not parse is left to the build rule.
func secretsIn(base, head fs.FS, changed []string) (map[string][]Secret, error) {
	out := map[string][]Secret{}
	for _, name := range changed {
		if !isYAML(name) {
			continue
		}
		after, err := fs.ReadFile(head, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s on the head: %w", name, err)
		}
		found, _ := PlainSecrets(after)
		if len(found) == 0 {
			continue
		}
		if before, err := fs.ReadFile(base, name); err == nil {
			old, _ := PlainSecrets(before)
			found = newSecrets(old, found)
		}
		if len(found) > 0 {
			out[name] = found
		}
	}
	return out, nil
}

// Queries returns the history the shell must look up before Evaluate:
// for each version entering an environment after the first, when it
// entered the previous one.
func Queries(in Input) ([]Query, error) {
	st, err := prepare(&in)
	if err != nil || st.unusable != "" {
		return nil, err
	}
	var out []Query
	for i, tc := range st.touches {
		for _, ic := range st.changes[i] {
			c := change{touch: tc, imageChange: ic}
			if q, ok := orderQuery(c); ok && !slices.Contains(out, q) {
				out = append(out, q)
			}
			if q, ok := rollbackQuery(c); ok && in.PR.ByRollback && !slices.Contains(out, q) {
				out = append(out, q)
			}
		}
	}
	return out, nil
}

// Evaluate returns the checks of the pull request: one per environment it
// touches, in promotion order, and the general stagehand check when it
// touches none, changes the policy file or adds a plain-text Secret outside
// every overlay. A tree that cannot be read (any error but fs.ErrNotExist)
// is an error, never a verdict; the shell posts Unevaluated instead.
func Evaluate(in Input) (Report, error) {
	st, err := prepare(&in)
	if err != nil {
		return Report{}, err
	}
	var rep Report
	if st.unusable == "" {
		for _, env := range st.onBase.Environments {
			v, ok, err := st.envVerdict(&in, env.Name)
			if err != nil {
				return Report{}, err
			}
			if ok {
				rep.Verdicts = append(rep.Verdicts, v)
			} else {
				rep.Untouched = append(rep.Untouched, untouched(env.Name))
			}
		}
	}
	if v, ok := st.generalVerdict(&in, len(rep.Verdicts) > 0); ok {
		rep.Verdicts = append(rep.Verdicts, v)
	}
	return rep, nil
}

// untouched is the neutral check of an environment the pull request does
// not change. Branch protection waits for a required check that is never
// reported, so without it a required stagehand/prod would block every
// pull request that leaves prod alone, Stagehand's own dev promotions
// included; a neutral conclusion satisfies it.
func untouched(env string) Verdict {
	v := Verdict{Name: CheckName(env), Env: env, Status: Completed, Conclusion: Neutral,
		Title: "No change to " + env, Notes: []string{"This pull request changes none of " + env + "'s overlays."}}
	v.Summary = Markdown(v)
	return v
}

func (st *state) envVerdict(in *Input, env string) (Verdict, bool, error) {
	v := Verdict{Name: CheckName(env), Env: env}
	found := false
	for i, tc := range st.touches {
		if tc.env != env {
			continue
		}
		found = true
		rows, notes, said, err := st.rows(in, tc, st.changes[i])
		if err != nil {
			return v, false, fmt.Errorf("%s: %w", v.Name, err)
		}
		v.Rows = append(v.Rows, rows...)
		v.Annotations = append(v.Annotations, notes...)
		for _, n := range said {
			if !slices.Contains(v.Notes, n) {
				v.Notes = append(v.Notes, n)
			}
		}
	}
	if !found {
		return v, false, nil
	}
	conclude(&v)
	v.Summary = Markdown(v)
	return v, true, nil
}

// rows evaluates every rule for one touch: a row per changed image, or
// one row when only other files of the overlays change. It returns the
// annotations and the notes for the summary (who made it a rollback).
func (st *state) rows(in *Input, tc touch, changes []imageChange) ([]Row, []Annotation, []string, error) {
	build, notes := buildRule(tc, st.head)
	if tc.source != nil {
		build, notes = sourceRule(tc, st.head, in.Charts)
	}
	sec, secNotes := secretRule(tc.files, st.secrets)
	notes = append(notes, secNotes...)
	hold := holdRule(tc.app, tc.env, in)
	if len(changes) == 0 {
		c := change{touch: tc}
		_, _, freeze := gateRules(c, in, in.History)
		none := "no image change"
		row := Row{App: tc.app, Env: tc.env, Results: []Result{build,
			skip(Result{Rule: RuleTags}, none), skip(Result{Rule: RuleOrder}, none), skip(Result{Rule: RuleDowngrade}, none),
			skip(Result{Rule: RuleSoak}, none), skip(Result{Rule: RuleHealth}, none), freeze, hold, sec}}
		return []Row{row}, notes, nil, nil
	}
	var rows []Row
	var said []string
	for _, ic := range changes {
		c := change{touch: tc, imageChange: ic}
		var note string
		c.rollback, note = rollbackOf(c, in)
		if note != "" {
			said = append(said, note)
		}
		var prevRuns promote.Version
		if prev := tc.pol.Prev(tc.env); prev != "" {
			var err error
			if prevRuns, err = current(st.onBase, st.base, tc.app, ic.image, prev); promote.Unreadable(err) {
				return nil, nil, nil, err
			}
		}
		soak, health, freeze := gateRules(c, in, in.History)
		order := orderRule(c, prevRuns, in.History)
		if order.State == Fail {
			// A version that never ran there has no soak to measure and
			// no health to read; the order rule says so once.
			for _, r := range []*Result{&soak, &health} {
				if r.State == Fail {
					*r = skip(*r, "the version has not run in "+tc.pol.Prev(tc.env))
				}
			}
		}
		results := []Result{build, signatureRule(tagRule(c), c, in), order, downgradeRule(c), soak, health, freeze, hold, sec}
		for _, r := range results[1:4] {
			if r.State == Fail && ic.file != "" {
				notes = append(notes, Annotation{Path: ic.file, Line: ic.line, Level: LevelFailure,
					Title: fmt.Sprintf("%s: %s", CheckName(tc.env), r.Rule), Message: r.Reason})
			}
		}
		rows = append(rows, Row{App: tc.app, Env: tc.env, Image: ic.image, From: ic.from, To: ic.to, Results: results})
	}
	return rows, notes, said, nil
}

// secretRule is rule 8 for a set of changed files.
func secretRule(files []string, found map[string][]Secret) (Result, []Annotation) {
	r := Result{Rule: RuleSecrets}
	var notes []Annotation
	var where []string
	for _, f := range files {
		for _, s := range found[f] {
			notes = append(notes, secretNote(f, s))
			where = append(where, fmt.Sprintf("`%s:%d`", f, s.Line))
		}
	}
	if len(where) == 0 {
		return pass(r, "no plain-text Secret"), nil
	}
	return fail(r, fmt.Sprintf("plain-text Secret material at %s; use a SealedSecret, SOPS or an ExternalSecret", joinList(where))), notes
}

func secretNote(file string, s Secret) Annotation {
	what := "Secret"
	if s.Name != "" {
		what += " " + s.Name
	}
	return Annotation{Path: file, Line: s.Line, Level: LevelFailure, Title: "plain-text Secret",
		Message: fmt.Sprintf("%s holds %s in plain text; encrypt it (SealedSecret, SOPS) or reference it (ExternalSecret)", what, s.Field)}
}

// conclude sets the status, conclusion, due time and title from the rows.
func conclude(v *Verdict) {
	var failed, waiting []Rule
	for _, row := range v.Rows {
		for _, r := range row.Results {
			switch r.State {
			case Fail:
				if !slices.Contains(failed, r.Rule) {
					failed = append(failed, r.Rule)
				}
			case Wait:
				if !slices.Contains(waiting, r.Rule) {
					waiting = append(waiting, r.Rule)
				}
				if r.Until.After(v.Due) {
					v.Due = r.Until
				}
			}
		}
	}
	switch {
	case len(failed) > 0:
		// A failure is final until something changes; waiting rules then
		// no longer matter.
		v.Status, v.Conclusion, v.Due = Completed, Failure, time.Time{}
		v.Title = "Failed: " + rulesList(failed)
	case len(waiting) > 0:
		v.Status = InProgress
		v.Title = "Waiting: " + rulesList(waiting)
	default:
		v.Status, v.Conclusion = Completed, Success
		v.Title = "All rules pass"
	}
}

func rulesList(rs []Rule) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return joinList(s)
}

// headPolicy is rule 9: the head's policy file validates, and what it
// changes.
func headPolicy(in *Input, before *policy.Policy, beforeUsable bool) (*PolicyDiff, []Annotation) {
	data, err := fs.ReadFile(in.Head, policy.FileName)
	if errors.Is(err, fs.ErrNotExist) {
		return &PolicyDiff{Valid: true, Effects: []string{"policy removed: Stagehand stops promoting in this repository"}}, nil
	}
	if err != nil {
		return &PolicyDiff{Problems: []string{err.Error()}}, nil
	}
	after, err := policy.Parse(policy.FileName, data)
	if err != nil {
		return policyProblems(err)
	}
	if !beforeUsable {
		before = nil
	}
	return &PolicyDiff{Valid: true, Effects: Effects(before, after)}, nil
}

func policyProblems(err error) (*PolicyDiff, []Annotation) {
	d := &PolicyDiff{}
	var list policy.ErrorList
	if !errors.As(err, &list) {
		d.Problems = []string{err.Error()}
		return d, []Annotation{{Path: policy.FileName, Line: 1, Level: LevelFailure, Title: "invalid policy", Message: err.Error()}}
	}
	var notes []Annotation
	for _, e := range list {
		d.Problems = append(d.Problems, e.Error())
		notes = append(notes, Annotation{Path: policy.FileName, Line: max(e.Line, 1), Col: e.Col, Level: LevelFailure, Title: "invalid policy", Message: e.Msg})
	}
	return d, notes
}
