package contract

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// relaxOneOf validates every oneOf of the operations as anyOf. GitHub's
// description writes oneOf where its alternatives overlap: a 409 body is
// oneOf basic-error or repository-rule-violation-error, and any
// {"message": ...} matches both; a commit author is oneOf simple-user or
// empty-object. Taken literally, GitHub's own answers would fail.
// A oneOf of a single schema becomes allOf, which means the same.
func relaxOneOf(routes []*route) {
	seen := map[*openapi3.Schema]bool{}
	var visit func(ref *openapi3.SchemaRef)
	visit = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		switch {
		case len(s.OneOf) == 1 && len(s.AllOf) == 0:
			// One alternative is a plain requirement; allOf reports why
			// a value fails it, where anyOf would only say that it does.
			s.AllOf, s.OneOf = s.OneOf, nil
		case len(s.OneOf) > 0 && len(s.AnyOf) == 0:
			s.AnyOf, s.OneOf = s.OneOf, nil
		}
		for _, refs := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf} {
			for _, r := range refs {
				visit(r)
			}
		}
		for _, r := range s.Properties {
			visit(r)
		}
		visit(s.Not)
		visit(s.Items)
		visit(s.AdditionalProperties.Schema)
	}
	content := func(c openapi3.Content) {
		for _, mt := range c {
			if mt != nil {
				visit(mt.Schema)
			}
		}
	}
	params := func(ps openapi3.Parameters) {
		for _, p := range ps {
			if p != nil && p.Value != nil {
				visit(p.Value.Schema)
				content(p.Value.Content)
			}
		}
	}
	for _, r := range routes {
		op := r.kin.Operation
		params(r.kin.PathItem.Parameters)
		params(op.Parameters)
		if op.RequestBody != nil && op.RequestBody.Value != nil {
			content(op.RequestBody.Value.Content)
		}
		for _, resp := range op.Responses.Map() {
			if resp == nil || resp.Value == nil {
				continue
			}
			content(resp.Value.Content)
			for _, h := range resp.Value.Headers {
				if h != nil && h.Value != nil {
					visit(h.Value.Schema)
				}
			}
		}
	}
}

// proseBodies are request bodies GitHub documents only in an operation's
// prose, which go-github sends: "You can also pass an array of labels
// directly" (AddLabelsToIssue and ReplaceLabelsForIssue send a bare array),
// and set-labels also takes a single label as a string or an empty array.
var proseBodies = map[string][]*openapi3.Schema{
	"issues/add-labels": {
		openapi3.NewArraySchema().WithMinItems(1).WithItems(openapi3.NewStringSchema()),
	},
	"issues/set-labels": {
		openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema()),
		openapi3.NewStringSchema(),
	},
}

// addProseBodies makes each operation of proseBodies take its described
// JSON body or one of the prose alternatives.
func addProseBodies(routes []*route) {
	for _, r := range routes {
		alts := proseBodies[r.op.ID]
		body := r.kin.Operation.RequestBody
		if len(alts) == 0 || body == nil || body.Value == nil {
			continue
		}
		mt := body.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil {
			continue
		}
		either := &openapi3.Schema{AnyOf: openapi3.SchemaRefs{mt.Schema}}
		for _, alt := range alts {
			either.AnyOf = append(either.AnyOf, openapi3.NewSchemaRef("", alt))
		}
		mt.Schema = openapi3.NewSchemaRef("", either)
	}
}

// alternatives explains an anyOf or allOf failure, which kin-openapi
// reports without saying why each schema failed: "; basic-error: /message: value must
// be a string; 1: value must be an array".
func alternatives(refs openapi3.SchemaRefs, value any) string {
	var b strings.Builder
	for i, ref := range refs {
		if ref == nil || ref.Value == nil {
			continue
		}
		err := ref.Value.VisitJSON(value, openapi3.MultiErrors(), openapi3.DisableSchemaErrorDetails())
		if err == nil {
			continue
		}
		name := strconv.Itoa(i)
		if ref.Ref != "" {
			name = ref.Ref[strings.LastIndex(ref.Ref, "/")+1:]
		}
		fmt.Fprintf(&b, "; %s: %s", name, firstReasons(err, 3))
	}
	return b.String()
}

// firstReasons lists up to n schema violations of err as "pointer reason".
// An allOf failure is replaced by the failures of its parts, which are the
// actual reasons.
func firstReasons(err error, n int) string {
	var reasons []string
	var walk func(prefix []string, err error)
	walk = func(prefix []string, err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, inner := range e {
				walk(prefix, inner)
			}
		case *openapi3.SchemaError:
			at := append(append([]string(nil), prefix...), e.JSONPointer()...)
			if e.SchemaField == "allOf" && e.Schema != nil {
				for _, part := range e.Schema.AllOf {
					if part != nil && part.Value != nil {
						if err := part.Value.VisitJSON(e.Value, openapi3.MultiErrors(), openapi3.DisableSchemaErrorDetails()); err != nil {
							walk(at, err)
						}
					}
				}
				return
			}
			r := schemaReason(e)
			if p := pointer(at); p != "" {
				r = p + " " + r
			}
			reasons = append(reasons, r)
		default:
			reasons = append(reasons, err.Error())
		}
	}
	walk(nil, err)
	sort.Strings(reasons)
	if len(reasons) > n {
		reasons = append(reasons[:n], fmt.Sprintf("and %d more", len(reasons)-n))
	}
	return strings.Join(reasons, ", ")
}
