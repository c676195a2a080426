package registry

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// fuzzParser seeds the fuzzer with every payload of testdata/<dir> and checks
// that the parser never panics, that every failure is a PayloadError, and
// that every event it returns is a valid reference.
func fuzzParser(f *testing.F, dir string) {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed payloads for %s: %v", dir, err)
	}
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body, "", "")
	}
	f.Add([]byte(`{"specversion":"1.0","type":"x"}`), "application/cloudevents+json", "")
	f.Add([]byte(`{"repositoryName":"r","imageTag":"t"}`), "", "com.amazon.ecr.image.push")
	parse := parserFor(f, dir)
	f.Fuzz(func(t *testing.T, body []byte, contentType, ceType string) {
		header := http.Header{}
		if contentType != "" {
			header.Set("Content-Type", contentType)
		}
		if ceType != "" {
			header.Set("Ce-Specversion", "1.0")
			header.Set("Ce-Type", ceType)
			header.Set("Ce-Source", "urn:aws:ecr:eu-west-1:123456789012:repository/r")
		}
		events, err := parse(header, body)
		if err != nil {
			var pe *PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a PayloadError", err)
			}
			return
		}
		for _, ev := range events {
			if err := ev.check(); err != nil {
				t.Fatalf("invalid event %+v: %v", ev, err)
			}
		}
	})
}

func FuzzParseDockerHub(f *testing.F)    { fuzzParser(f, "dockerhub") }
func FuzzParseQuay(f *testing.F)         { fuzzParser(f, "quay") }
func FuzzParseHarbor(f *testing.F)       { fuzzParser(f, "harbor") }
func FuzzParseDistribution(f *testing.F) { fuzzParser(f, "distribution") }
func FuzzParseACR(f *testing.F)          { fuzzParser(f, "acr") }
func FuzzParseGAR(f *testing.F)          { fuzzParser(f, "gar") }
func FuzzParseCloudEvents(f *testing.F)  { fuzzParser(f, "cloudevents") }
func FuzzParseGeneric(f *testing.F)      { fuzzParser(f, "generic") }
func FuzzParseGitHubPackage(f *testing.F) {
	fuzzParser(f, "github")
}

func FuzzParseSecretSpecs(f *testing.F) {
	for _, seed := range []string{"dockerhub=abc", "quay=a,harbor=b", "=x", "gar=", "nope=1", " acr = t1 , acr=t2 ", "a=b=c"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		got, err := ParseSecretSpecs("token", []string{spec})
		if err != nil {
			return
		}
		for source, secrets := range got {
			if _, ok := LookupSource(source); !ok {
				t.Fatalf("accepted unknown source %q", source)
			}
			for _, s := range secrets {
				if s == "" {
					t.Fatalf("accepted an empty secret for %s", source)
				}
			}
		}
	})
}
