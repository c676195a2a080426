package policy

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

const schemaFile = "../../policies/schema.json"

// schemaProps returns the property names of each object the schema
// describes, keyed like the decoder's fields table.
func schemaProps(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{"policy": keys(s.Properties)}
	for name, def := range s.Defs {
		if def.Properties != nil {
			out[name] = keys(def.Properties)
		}
	}
	return out
}

func keys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSchemaListsEveryField keeps policies/schema.json and the decoder in
// step: every key the decoder accepts is in the schema, and the schema
// lists nothing the decoder would reject.
func TestSchemaListsEveryField(t *testing.T) {
	schema := schemaProps(t)
	for kind, accepted := range fields {
		t.Run(kind, func(t *testing.T) {
			want := append([]string(nil), accepted...)
			sort.Strings(want)
			got, ok := schema[kind]
			if !ok {
				t.Fatalf("schema has no $defs/%s", kind)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("schema lists %v\ndecoder accepts %v", got, want)
			}
		})
	}
	for kind := range schema {
		if _, ok := fields[kind]; !ok {
			t.Errorf("schema describes object %q the decoder does not know", kind)
		}
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	return s
}

func validateSchema(t *testing.T, s *jsonschema.Schema, yamlDoc []byte) error {
	t.Helper()
	js, err := yaml.YAMLToJSON(yamlDoc)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(v)
}

// TestSchemaAcceptsExamples checks that editors using the schema agree
// with the parser on the example policies.
func TestSchemaAcceptsExamples(t *testing.T) {
	s := compileSchema(t)
	files, _ := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateSchema(t, s, data); err != nil {
				t.Errorf("schema rejects %s: %v", f, err)
			}
		})
	}
}

// TestSchemaRejectsWhatParseRejects checks structural mistakes the schema
// can express.
func TestSchemaRejectsWhatParseRejects(t *testing.T) {
	s := compileSchema(t)
	tests := []struct{ name, in string }{
		{"unknown field", head + "colour: blue\n"},
		{"version 2", "version: 2\nenvironments: [{name: dev}]\n"},
		{"empty environments", "version: 1\nenvironments: []\n"},
		{"unknown strategy", head + "defaults: {strategy: latest}\n"},
		{"unknown promotion", "version: 1\nenvironments: [{name: dev, promotion: automatic}]\n"},
		{"unknown carry", "version: 1\nenvironments: [{name: dev, carry: tag}]\n"},
		{"overlays without app", "version: 1\noverlays: x/{env}\nenvironments: [{name: dev}]\n"},
		{"bad duration", "version: 1\nenvironments: [{name: dev, soak: 30 minutes}]\n"},
		{"cron without duration", "version: 1\nenvironments: [{name: dev, freeze: [{cron: '@daily'}]}]\n"},
		{"image and images", head + "apps: {web: {image: a, images: [b]}}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse("p.yaml", []byte(tt.in)); err == nil {
				t.Fatal("Parse accepts it")
			}
			if err := validateSchema(t, s, []byte(tt.in)); err == nil {
				t.Error("schema accepts it")
			}
		})
	}
}

// TestSchemaAcceptsAnchors checks extension keys and merge keys, which the
// parser accepts, against the schema.
func TestSchemaAcceptsAnchors(t *testing.T) {
	in := "version: 1\nx-gates: &gates {soak: 1h}\nenvironments:\n  - <<: *gates\n    name: dev\n"
	if _, err := Parse("p.yaml", []byte(in)); err != nil {
		t.Fatal(err)
	}
	if err := validateSchema(t, compileSchema(t), []byte(in)); err != nil {
		t.Errorf("schema rejects anchors: %v", err)
	}
}
