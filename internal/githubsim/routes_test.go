package githubsim

import (
	"regexp"
	"testing"

	"github.com/stagehand-gitops/stagehand/internal/githubsim/contract"
)

// TestRoutesMatchContract checks that the simulator serves exactly the
// operations of the trimmed API description, each under GitHub's method and
// path: the description holds nothing the simulator does not serve, and the
// simulator serves nothing the validator cannot check.
func TestRoutesMatchContract(t *testing.T) {
	sim, err := NewHandler(Options{T: t, AppKey: testKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	param := regexp.MustCompile(`\{[^}]*\}`)
	shape := func(method, path string) string { return method + " " + param.ReplaceAllString(path, "{}") }
	described := map[string]string{} // operation id → shape
	for _, op := range contract.Operations {
		described[op.ID] = shape(op.Method, op.Path)
	}
	served := map[string]bool{}
	for _, rt := range sim.table() {
		served[rt.op] = true
		want, ok := described[rt.op]
		switch {
		case !ok:
			t.Errorf("%s %s (%s) is served but not in the description; add it to contract.Operations and run make openapi", rt.method, rt.pattern, rt.op)
		case shape(rt.method, rt.pattern) != want:
			t.Errorf("%s is served as %s, GitHub's is %s", rt.op, shape(rt.method, rt.pattern), want)
		}
	}
	for _, op := range contract.Operations {
		if !served[op.ID] {
			t.Errorf("%s %s (%s) is in the description but not served", op.Method, op.Path, op.ID)
		}
	}
}
