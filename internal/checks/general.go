package checks

import (
	"fmt"
	"slices"
)

// generalVerdict is the stagehand check: rule 9 when the policy file
// changes, rule 8 for files outside every overlay, and a neutral verdict
// for a pull request that touches no environment. anyEnv says whether
// environment checks exist; without a reason of its own the general check
// is then left out.
func (st *state) generalVerdict(in *Input, anyEnv bool) (Verdict, bool) {
	v := Verdict{Name: GeneralCheck, Status: Completed}
	var outside []string
	for f := range st.secrets {
		if !st.underAnyOverlay[f] {
			outside = append(outside, f)
		}
	}
	slices.Sort(outside)
	if !st.policyChanged && len(outside) == 0 && anyEnv {
		return v, false
	}
	if st.unusable != "" {
		v.Notes = append(v.Notes, st.unusable+".")
	} else if !anyEnv {
		v.Notes = append(v.Notes, "This pull request changes no environment's overlays.")
	}
	var failed []string
	if st.policyChanged {
		var notes []Annotation
		v.Policy, notes = headPolicy(in, st.rawBase, st.unusable == "")
		v.Annotations = append(v.Annotations, notes...)
		if !v.Policy.Valid {
			failed = append(failed, string(RulePolicy))
		}
	}
	if len(outside) > 0 {
		sec, notes := secretRule(outside, st.secrets)
		v.Annotations = append(v.Annotations, notes...)
		v.Notes = append(v.Notes, "✗ **secrets**: "+sec.Reason+".")
		failed = append(failed, string(RuleSecrets))
	}
	switch {
	case len(failed) > 0:
		v.Conclusion, v.Title = Failure, "Failed: "+joinList(failed)
	case st.policyChanged:
		v.Conclusion, v.Title = Success, "Policy change validates"
	default:
		v.Conclusion, v.Title = Neutral, "No environment changed"
	}
	v.Summary = Markdown(v)
	return v, true
}

// joinList joins words as a sentence does: "a", "a and b", "a, b and c".
func joinList(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, w := range s[1 : len(s)-1] {
		out += ", " + w
	}
	return fmt.Sprintf("%s and %s", out, s[len(s)-1])
}
