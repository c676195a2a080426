// Package checks decides the verdict of Stagehand's branch-protection
// checks: given the base and head trees of a pull request, the policy of
// the base branch, facts about the pull request and its history, and the
// time, it returns one check per environment the pull request touches,
// named stagehand/<env>, with a conclusion, a markdown summary and
// annotations at file:line.
//
// It is part of the pure core: no network, no clock, no globals. The shell
// (the bot, or the offline `stagehand check` command) gathers the facts:
// the trees, the pull request's labels and holds, and the history, which
// Gather asks for through a function the shell provides (Queries, Paths
// and Entered are its steps); then Evaluate returns the Report.
package checks

import (
	"encoding/json"
	"time"

	"github.com/stagehand-gitops/stagehand/internal/promote"
)

// Names of the checks Stagehand posts.
const (
	// CheckPrefix starts the name of every environment's check.
	CheckPrefix = "stagehand/"
	// GeneralCheck is the one check of a pull request that touches no
	// environment.
	GeneralCheck = "stagehand"
)

// CheckName is the name of env's check: stagehand/<env>.
func CheckName(env string) string { return CheckPrefix + env }

// Labels a pull request may carry that change the verdict.
const (
	// LabelRollback marks a rollback: exempt from the promotion order, the
	// soak and the health gate, and allowed to downgrade, but only when a
	// listed promoter of the environment added it.
	LabelRollback = "rollback"
	// LabelEmergency overrides a freeze window, but only when a listed
	// promoter of the environment added it.
	LabelEmergency = "stagehand/emergency"
	// LabelHold marks a pull request of a held app or environment; /hold
	// adds it and /unhold removes it.
	LabelHold = "stagehand:hold"
)

// Rule identifies one rule of the check; it is the column name of the
// summary table and a stable code for tools.
type Rule string

// The rules, in the order of the summary's columns.
const (
	RuleBuild     Rule = "build"     // 1: the overlay parses and kustomize build succeeds
	RuleTags      Rule = "tags"      // 2: the image satisfies the environment's tag rule
	RuleOrder     Rule = "order"     // 3: the version ran in the previous environment
	RuleDowngrade Rule = "downgrade" // 4: no downgrade unless rolling back
	RuleSoak      Rule = "soak"      // 5: the previous environment's soak has elapsed
	RuleFreeze    Rule = "freeze"    // 6: not inside a freeze window
	RuleHold      Rule = "hold"      // 7: the app and environment are not held
	RuleSecrets   Rule = "secrets"   // 8: no plain-text Secret added or changed
	RulePolicy    Rule = "policy"    // 9: a changed policy validates
	RuleHealth    Rule = "health"    // 10: with requireHealthy, the previous environment reports the version healthy
)

// Rules lists the per-row rules in column order. RulePolicy is reported
// on its own, not per row.
var Rules = []Rule{RuleBuild, RuleTags, RuleOrder, RuleDowngrade, RuleSoak, RuleHealth, RuleFreeze, RuleHold, RuleSecrets}

// State is the outcome of one rule for one row.
type State string

// The states of a rule.
const (
	Pass State = "pass" // ✓
	Fail State = "fail" // ✗
	Wait State = "wait" // ⏳: time-based, met at Result.Until
	Skip State = "skip" // –: does not apply (first environment, rollback, no image change)
)

// Symbol is how the summary table shows the state.
func (s State) Symbol() string {
	switch s {
	case Pass:
		return "✓"
	case Fail:
		return "✗"
	case Wait:
		return "⏳"
	}
	return "–"
}

// Result is one rule's outcome for one row, with the reason.
type Result struct {
	Rule   Rule      `json:"rule"`
	State  State     `json:"state"`
	Reason string    `json:"reason"`
	Until  time.Time `json:"until,omitzero"`
}

// Row is one image of one app changing in one environment, or one
// overlay that changes without an image change (Image empty).
type Row struct {
	App     string          `json:"app"`
	Env     string          `json:"env"`
	Image   string          `json:"image,omitempty"`
	From    promote.Version `json:"from"`
	To      promote.Version `json:"to"`
	Results []Result        `json:"results"`
}

// MarshalJSON writes the versions as people read them ("v1.2.0",
// "v1.2.0@sha256:…", "none").
func (r Row) MarshalJSON() ([]byte, error) {
	type plain Row
	return json.Marshal(struct {
		plain
		From string `json:"from"`
		To   string `json:"to"`
	}{plain(r), r.From.String(), r.To.String()})
}

// Result returns the row's result for rule r.
func (r Row) Result(rule Rule) Result {
	for _, res := range r.Results {
		if res.Rule == rule {
			return res
		}
	}
	return Result{Rule: rule, State: Skip}
}

// Status is a check run's status.
type Status string

// The statuses Stagehand sets.
const (
	InProgress Status = "in_progress"
	Completed  Status = "completed"
)

// Conclusion is a completed check run's conclusion.
type Conclusion string

// The conclusions Stagehand sets.
const (
	Success Conclusion = "success"
	Failure Conclusion = "failure"
	Neutral Conclusion = "neutral"
)

// Level is an annotation's level, as GitHub names them.
type Level string

// The annotation levels.
const (
	LevelFailure Level = "failure"
	LevelWarning Level = "warning"
	LevelNotice  Level = "notice"
)

// Annotation points at a line of a file in the head tree.
type Annotation struct {
	Path    string `json:"path"`
	Line    int    `json:"line"`
	Col     int    `json:"col,omitempty"`
	Level   Level  `json:"level"`
	Title   string `json:"title"`
	Message string `json:"message"`
}

// Verdict is one check run: its name, state and output.
type Verdict struct {
	Name string `json:"name"`
	// Env is the environment, or "" for the general check.
	Env    string `json:"env,omitempty"`
	Status Status `json:"status"`
	// Conclusion is set when Status is Completed.
	Conclusion Conclusion `json:"conclusion,omitempty"`
	// Due is when a check in progress should be evaluated again: the
	// latest time a waiting rule is met.
	Due   time.Time `json:"due,omitzero"`
	Title string    `json:"title"`
	// Notes are sentences shown above the table (why the general check
	// was posted, secrets outside every overlay).
	Notes       []string     `json:"notes,omitempty"`
	Summary     string       `json:"summary"`
	Rows        []Row        `json:"rows,omitempty"`
	Policy      *PolicyDiff  `json:"policy,omitempty"`
	Annotations []Annotation `json:"annotations,omitempty"`
}

// Failed reports whether the verdict blocks a merge.
func (v Verdict) Failed() bool { return v.Conclusion == Failure }

// Report is every check of one pull request, environments in promotion
// order, the general check last.
type Report struct {
	Verdicts []Verdict `json:"checks"`
	// Untouched holds a neutral check for every environment the pull
	// request does not change, so that a required stagehand/<env> check
	// never leaves such a pull request waiting. They decide nothing;
	// Failed and Pending ignore them.
	Untouched []Verdict `json:"untouched,omitempty"`
}

// Failed reports whether any check failed.
func (r Report) Failed() bool {
	for _, v := range r.Verdicts {
		if v.Failed() {
			return true
		}
	}
	return false
}

// Pending reports whether any check is still in progress.
func (r Report) Pending() bool {
	for _, v := range r.Verdicts {
		if v.Status == InProgress {
			return true
		}
	}
	return false
}
