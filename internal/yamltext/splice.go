package yamltext

import (
	"fmt"
	"sort"
)

// Splice replaces the bytes [Start, End) of a text with Text.
type Splice struct {
	Start, End int
	Text       string
}

// Apply returns data with the splices made. Splices may come in any order;
// overlapping ones are refused, since no byte may be claimed by two edits.
func Apply(data []byte, splices []Splice) ([]byte, error) {
	sorted := append([]Splice(nil), splices...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		return a.End < b.End
	})
	out := make([]byte, 0, len(data)+64)
	pos := 0
	for _, s := range sorted {
		if s.Start < pos || s.End < s.Start || s.End > len(data) {
			return nil, fmt.Errorf("overlapping changes at byte %d: %w", s.Start, ErrUnsupported)
		}
		out = append(out, data[pos:s.Start]...)
		out = append(out, s.Text...)
		pos = s.End
	}
	return append(out, data[pos:]...), nil
}
