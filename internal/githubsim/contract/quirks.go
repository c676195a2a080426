package contract

import "github.com/getkin/kin-openapi/openapi3"

// relaxOneOf validates every oneOf of the operations as anyOf. GitHub's
// description writes oneOf where its alternatives overlap: a 409 body is
// oneOf basic-error or repository-rule-violation-error, and any
// {"message": ...} matches both; a commit author is oneOf simple-user or
// empty-object. Taken literally, GitHub's own answers would fail.
func relaxOneOf(routes []*route) {
	seen := map[*openapi3.Schema]bool{}
	var visit func(ref *openapi3.SchemaRef)
	visit = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if len(s.OneOf) > 0 && len(s.AnyOf) == 0 {
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
