package checks

import (
	"fmt"
	"slices"
	"testing"
	"testing/fstest"
)

func TestPlainSecrets(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // "line name field"
	}{
		{"stringData", plainSecretYAML, []string{"5 db stringData"}},
		{"data", "kind: Secret\nmetadata: {name: tls}\ndata:\n  tls.key: c2VjcmV0\n", []string{"3 tls data"}},
		{"both", "kind: Secret\nmetadata: {name: x}\ndata: {a: YQ==}\nstringData: {b: c}\n", []string{"3 x data", "4 x stringData"}},
		{"empty data", "kind: Secret\nmetadata: {name: x}\ndata: {}\n", nil},
		{"null data", "kind: Secret\nmetadata: {name: x}\ndata:\n", nil},
		{"type only", "kind: Secret\nmetadata: {name: x}\ntype: kubernetes.io/service-account-token\n", nil},
		{"sops", "kind: Secret\nmetadata: {name: x}\nstringData:\n  password: ENC[AES256_GCM,data:abc]\nsops:\n  version: 3.9.0\n", nil},
		{"sealed", "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: x}\nspec:\n  encryptedData: {password: AgB=}\n", nil},
		{"external", "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: x}\nspec:\n  data:\n    - secretKey: password\n", nil},
		{"second document", "kind: ConfigMap\ndata: {a: b}\n---\nkind: Secret\nmetadata: {name: y}\ndata: {a: YQ==}\n", []string{"6 y data"}},
		{"configmap", "kind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n", nil},
		{"generator literals", "secretGenerator:\n  - name: creds\n    literals:\n      - password=hunter2\n", []string{"3 creds secretGenerator literals"}},
		{"generator files", "secretGenerator:\n  - name: creds\n    files: [creds.enc.yaml]\n", nil},
		{"json", `{"kind": "Secret", "metadata": {"name": "j"}, "stringData": {"a": "b"}}`, []string{"1 j stringData"}},
		{"alias", "x: &d {a: b}\nkind: Secret\nmetadata: {name: a}\ndata: *d\n", []string{"4 a data"}},
		{"list document", "- kind: Secret\n", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found, err := PlainSecrets([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range found {
				got = append(got, fmt.Sprintf("%d %s %s", s.Line, s.Name, s.Field))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("PlainSecrets = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPlainSecretsBadYAML(t *testing.T) {
	found, err := PlainSecrets([]byte(plainSecretYAML + "---\nkind: [\n"))
	if err == nil {
		t.Fatal("no error for a document that does not parse")
	}
	if len(found) != 1 {
		t.Errorf("found %d secrets before the bad document, want 1", len(found))
	}
}

// TestNewSecrets: a Secret that the base already holds is not reported
// when another part of its file changes; a changed value is.
func TestNewSecrets(t *testing.T) {
	base, _ := PlainSecrets([]byte(plainSecretYAML))
	moved, _ := PlainSecrets([]byte("# moved down\n" + plainSecretYAML))
	changed, _ := PlainSecrets([]byte(plainSecretYAML[:len(plainSecretYAML)-len("hunter2\n")] + "hunter3\n"))
	if got := newSecrets(base, moved); len(got) != 0 {
		t.Errorf("unchanged secret reported: %+v", got)
	}
	if got := newSecrets(base, changed); len(got) != 1 {
		t.Errorf("changed secret: got %d findings, want 1", len(got))
	}
}

func FuzzPlainSecrets(f *testing.F) {
	for _, s := range []string{
		plainSecretYAML,
		"kind: Secret\ndata: {a: b}\nsops: {}\n",
		"secretGenerator:\n  - literals: [a=b]\n",
		"a: &a [*a, *a]\nkind: Secret\ndata: *a\n",
		"---\n---\nkind: Secret\n",
		"{",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		found, _ := PlainSecrets(data)
		for _, s := range found {
			if s.Line < 1 {
				t.Errorf("finding without a line: %+v", s)
			}
			if s.Field != "data" && s.Field != "stringData" && s.Field != "secretGenerator literals" {
				t.Errorf("unknown field %q", s.Field)
			}
		}
	})
}

// FuzzEvaluateOverlay feeds arbitrary bytes as the head's prod overlay:
// whatever they hold, Evaluate returns a verdict for prod, never an error,
// and a failing build rule is annotated.
func FuzzEvaluateOverlay(f *testing.F) {
	for _, s := range []string{
		"resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/web\n    newTag: v1.2.0\n",
		"images:\n  - name: ghcr.io/acme/web\n    digest: sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
		"images: [\n",
		"kind: Secret\nstringData: {a: b}\n",
		"resources:\n  - https://example.com/x.yaml\n  - github.com/acme/x//k8s?ref=v1\n",
		"\xff",
	} {
		f.Add([]byte(s))
	}
	base := artifactBase()
	f.Fuzz(func(t *testing.T, data []byte) {
		head := clone(base)
		head[overlayFile("production")] = &fstest.MapFile{Data: data}
		rep, err := Evaluate(Input{Base: base, Head: head, Now: now, History: artifactHistory()})
		if err != nil {
			t.Fatalf("Evaluate: %v", err)
		}
		if string(data) == string(base[overlayFile("production")].Data) {
			return
		}
		if len(rep.Verdicts) != 1 || rep.Verdicts[0].Name != "stagehand/prod" {
			t.Fatalf("checks = %v, want stagehand/prod", states(rep))
		}
		v := rep.Verdicts[0]
		if v.Rows[0].Result(RuleBuild).State == Fail && len(v.Annotations) == 0 {
			t.Errorf("build fails without an annotation")
		}
	})
}
