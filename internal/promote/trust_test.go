package promote

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stagehand-gitops/stagehand/internal/golden"
)

// verifiedRepo is the demo repository whose dev requires a cosign key.
func verifiedRepo(t *testing.T) fs.FS {
	t.Helper()
	tree := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS("../../testdata/demo-repo"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(filepath.Join("../../testdata/demo-repo", p))
		tree[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	pol := string(tree[".stagehand.yaml"].Data)
	pol = strings.Replace(pol, "    autoMerge: true", "    autoMerge: true\n    verify: {key: keys/cosign.pub}", 1)
	tree[".stagehand.yaml"] = &fstest.MapFile{Data: []byte(pol)}
	tree["keys/cosign.pub"] = &fstest.MapFile{Data: []byte("-----BEGIN PUBLIC KEY-----\n")}
	return tree
}

func TestPlanPushVerify(t *testing.T) {
	pol, tree := load(t, verifiedRepo(t))
	const img = "registry.demo.local/acme/order-service"
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name  string
		push  Push
		trust Trusts
		skip  string // "" when proposed
	}{
		{"verified", Push{Image: img, Tag: "v1.4.0", Digest: digest}, Trusts{digest: {Verified: true, Detail: "signed by the key in keys/cosign.pub"}}, ""},
		{"unsigned", Push{Image: img, Tag: "v1.4.0", Digest: digest}, Trusts{digest: {Detail: "no cosign signature for " + digest}},
			"v1.4.0: not signed with keys/cosign.pub: no cosign signature for " + digest},
		{"not checked", Push{Image: img, Tag: "v1.4.0", Digest: digest}, nil,
			"v1.4.0: dev requires images signed with keys/cosign.pub, and the signature of " + digest + " was not checked"},
		{"no digest", Push{Image: img, Tag: "v1.4.0"}, Trusts{digest: {Verified: true}},
			"v1.4.0: dev requires images signed with keys/cosign.pub, and the digest of v1.4.0 is unknown, so its signature cannot be checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := PlanPush(pol, tree, Request{Push: tt.push, Trust: tt.trust})
			if err != nil {
				t.Fatal(err)
			}
			if tt.skip == "" {
				if len(plan.Proposals) != 1 {
					t.Fatalf("plan = %+v, want one proposal", plan)
				}
				golden.CheckString(t, filepath.Join("testdata", "body-dev-verified.md"), plan.Proposals[0].Body)
				return
			}
			if len(plan.Proposals) != 0 || len(plan.Skips) != 1 || plan.Skips[0].Reason != tt.skip {
				t.Errorf("plan = %+v\nwant the skip %q", plan, tt.skip)
			}
		})
	}
}

func TestPlanPromotionVerify(t *testing.T) {
	tree := verifiedRepo(t).(fstest.MapFS)
	pol := string(tree[".stagehand.yaml"].Data)
	pol = strings.Replace(pol, "    soak: 2s", "    soak: 2s\n    verify: {key: keys/cosign.pub}", 1)
	tree[".stagehand.yaml"] = &fstest.MapFile{Data: []byte(pol)}
	const dev = "apps/order-service/overlays/dev/kustomization.yaml"
	tree[dev] = &fstest.MapFile{Data: []byte(strings.Replace(string(tree[dev].Data), "v1.3.2", "v1.4.0", 1))}
	p, tree2 := load(t, tree)
	cur, err := Current(p, tree2, "order-service", "registry.demo.local/acme/order-service", "dev")
	if err != nil {
		t.Fatal(err)
	}
	const digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	pr := Promotion{App: "order-service", Image: "registry.demo.local/acme/order-service", Env: "staging", Digests: map[string]string{cur.Version.Tag: digest}}
	if _, skip, err := PlanPromotion(p, tree2, pr); err != nil || skip == nil || !strings.Contains(skip.Reason, "was not checked") {
		t.Errorf("unchecked promotion: skip %+v, %v", skip, err)
	}
	pr.Trust = Trusts{digest: {Detail: "tag sha256-1111.sig: signature does not verify with the key in keys/cosign.pub"}}
	if _, skip, err := PlanPromotion(p, tree2, pr); err != nil || skip == nil || !strings.Contains(skip.Reason, "not signed with keys/cosign.pub: tag sha256-1111.sig") {
		t.Errorf("unsigned promotion: skip %+v, %v", skip, err)
	}
	pr.Trust = Trusts{digest: {Verified: true, Detail: "signed by the key in keys/cosign.pub"}}
	if prop, skip, err := PlanPromotion(p, tree2, pr); err != nil || skip != nil || !strings.Contains(prop.Body, "Signature: verified (signed with keys/cosign.pub): signed by the key in keys/cosign.pub") {
		t.Errorf("verified promotion: %+v, skip %+v, %v", prop.Body, skip, err)
	}
}
