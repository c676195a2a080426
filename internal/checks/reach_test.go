package checks

import (
	"testing"
	"testing/fstest"
)

// FuzzReachedBase: whatever the shared base's kustomization becomes, a
// pull request that changes it and its Deployment is judged without an
// error in every environment, since the overlays read both on the base
// branch.
func FuzzReachedBase(f *testing.F) {
	for _, s := range []string{
		"resources:\n  - deployment.yaml\n",
		"resources: [deployment.yaml, ../../../etc, /abs, https://example.com/x]\n",
		"patches:\n  - path: deployment.yaml\nconfigMapGenerator:\n  - name: c\n    files: [k=deployment.yaml]\n",
		"resources:\n  - .\n  - ../base\n",
		"resources: deployment.yaml\n",
		"[\n",
		"\xff",
	} {
		f.Add([]byte(s))
	}
	base := artifactBase()
	f.Fuzz(func(t *testing.T, data []byte) {
		head := clone(base)
		head[baseDir+"/kustomization.yaml"] = &fstest.MapFile{Data: data}
		head[baseDir+"/deployment.yaml"] = &fstest.MapFile{Data: []byte(baseDeployment + "  # changed\n")}
		rep, err := Evaluate(Input{Base: base, Head: head, Now: now, History: artifactHistory()})
		if err != nil {
			t.Fatalf("Evaluate: %v", err)
		}
		got := states(rep)
		if len(rep.Verdicts) != 3 || rep.Verdicts[0].Name != "stagehand/dev" || rep.Verdicts[2].Name != "stagehand/prod" {
			t.Fatalf("checks = %v, want stagehand/dev, staging and prod", got)
		}
	})
}
