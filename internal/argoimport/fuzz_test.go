package argoimport

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParseImageList checks that the image-list parser never panics, that
// every entry it returns has a name, and that an entry written back reads
// the same.
func FuzzParseImageList(f *testing.F) {
	for _, s := range []string{
		"order=registry.company.com/order-service",
		"nginx:~1.26", "nginx:>=1.26 <1.28", "a=x/a, b=x/b:1.x,",
		"app=localhost:5000/team/app:^1.2", "envoy=ghcr.io/acme/envoy@sha256:abc",
		"argoproj/argocd=quay.io/argoproj/argocd", "=", "a==b", ":", "@", ",,,", "a=b:c@d",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		specs, _ := ParseImageList(value)
		for _, s := range specs {
			if s.Name == "" {
				t.Fatalf("entry without a name: %+v", s)
			}
			again, err := ParseImageList(specString(s))
			if err != nil || len(again) != 1 || !reflect.DeepEqual(again[0], s) {
				t.Fatalf("%+v written as %q reads back as %+v, %v", s, specString(s), again, err)
			}
		}
	})
}

// FuzzTranslate checks that whatever the annotations hold, the import
// never panics and the policy it prints always validates.
func FuzzTranslate(f *testing.F) {
	f.Add("order=registry.company.com/order-service", "semver", `regexp:^v\d+\.\d+\.\d+$`, "*-debug, latest", "linux/amd64")
	f.Add("a=x/a:~1.2, b=x/b", "latest", "any", "[", "")
	f.Add("nginx:>=1.26 <1.28", "name", "regexp:(", "", "x")
	f.Add("d=x/d@sha256:00", "digest", "glob:*", "*", "")
	f.Fuzz(func(t *testing.T, list, strategy, allow, ignore, other string) {
		apps := []Application{
			application("prod", "apps/order-service/overlays/production",
				"image-list", list, "order.update-strategy", strategy, "order.allow-tags", allow,
				"ignore-tags", ignore, "a.platforms", other, other, allow),
			application("dev", "apps/order-service/overlays/development",
				"image-list", list, "update-strategy", strategy, "a.allow-tags", allow),
		}
		for _, layout := range []Layout{textbook, DefaultLayout()} {
			tr, err := Translate(apps, layout)
			if errors.Is(err, ErrNothingTranslated) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Render(tr, nil); err != nil {
				t.Fatalf("annotations %q: %v", list, err)
			}
		}
	})
}

// FuzzReadApplications checks that reading manifests never panics.
func FuzzReadApplications(f *testing.F) {
	f.Add([]byte("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: a\n  annotations:\n" +
		"    argocd-image-updater.argoproj.io/image-list: x=x/x\nspec:\n  source:\n    path: apps/a/overlays/dev\n"))
	f.Add([]byte("kind: ConfigMap\n---\n---\nkind: Application\napiVersion: argoproj.io/v1\nmetadata: {name: [x]}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		apps, _ := ReadApplications("fuzz.yaml", data)
		for _, a := range apps {
			if a.Name == "" {
				t.Fatalf("Application without a name: %+v", a)
			}
		}
	})
}
