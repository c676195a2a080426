package policy

import "testing"

func TestSuggest(t *testing.T) {
	known := fields["environment"]
	tests := []struct{ in, want string }{
		{"promotoin", "promotion"},
		{"autoMarge", "autoMerge"},
		{"requirehealthy", "requireHealthy"},
		{"promoter", "promoters"},
		{"sok", "soak"},
		{"colour", ""},
		{"x", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := suggest(tt.in, known); got != tt.want {
				t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"promotoin", "promotion", 1},
		{"ab", "ba", 1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.b, func(t *testing.T) {
			if got := editDistance(tt.a, tt.b); got != tt.want {
				t.Errorf("editDistance = %d, want %d", got, tt.want)
			}
			if got := editDistance(tt.b, tt.a); got != tt.want {
				t.Errorf("editDistance reversed = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{File: "a.yaml", Line: 3, Col: 7, Msg: "m"}, "a.yaml:3:7: m"},
		{Error{File: "a.yaml", Line: 3, Msg: "m"}, "a.yaml:3: m"},
		{Error{File: "a.yaml", Msg: "m"}, "a.yaml: m"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if ErrorList(nil).Err() != nil {
		t.Error("an empty ErrorList is an error")
	}
}
