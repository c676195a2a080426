package forge

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-github/v62/github"
)

func TestValidateBranch(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"stagehand/dev/order-service", true},
		{"stagehand/prod/app_v1.2", true},
		{"", false},
		{"a..b", false},
		{"a b", false},
		{"a:b", false},
		{"/a", false},
		{"a/", false},
		{"a//b", false},
		{"a.lock", false},
		{"a/.hidden", false},
		{"a@{b", false},
		{"@", false},
		{"-a", false},
		{"a.", false},
		{"a~1", false},
		{"a\x7f", false},
		{strings.Repeat("a", 249), true},
		{strings.Repeat("a", 250), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateBranch(tt.name)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateBranch(%q) = %v, want ok=%v", tt.name, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBranchName) {
				t.Fatalf("error %v does not wrap ErrBranchName", err)
			}
		})
	}
}

func TestSanitizeBranch(t *testing.T) {
	tests := []struct{ in, want string }{
		{"stagehand/dev/order-service", "stagehand/dev/order-service"},
		{"stagehand/dev/my app:v1", "stagehand/dev/my-app-v1"},
		{"stagehand//dev/../x", "stagehand/dev/x"},
		{"stagehand/dev/app.lock", "stagehand/dev/app"},
		{"a./b--c", "a./b--c"},
		{"..", "stagehand"},
		{"a@{1}", "a-1}"},
		{strings.Repeat("é", 200), strings.Repeat("é", 124)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := SanitizeBranch(tt.in)
			if got != tt.want {
				t.Fatalf("SanitizeBranch(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err := ValidateBranch(got); err != nil {
				t.Fatalf("sanitized %q is invalid: %v", got, err)
			}
		})
	}
}

func FuzzSanitizeBranch(f *testing.F) {
	for _, s := range []string{"stagehand/dev/app", "a..b/c.lock", "  ", "@{", "x/./y", strings.Repeat("ab/", 120), "é\x00\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SanitizeBranch(s)
		if err := ValidateBranch(got); err != nil {
			t.Fatalf("SanitizeBranch(%q) = %q: %v", s, got, err)
		}
		if ValidateBranch(s) == nil && utf8.ValidString(s) && got != s {
			t.Fatalf("SanitizeBranch changed valid name %q to %q", s, got)
		}
	})
}

func TestTruncate(t *testing.T) {
	marker := Marker("promotion")
	long := strings.Repeat("x", MaxCommentBody+10)
	tests := []struct {
		name      string
		fn        func(string) string
		in        string
		limit     int
		truncated bool
		suffix    string
	}{
		{"short comment unchanged", TruncateComment, "hello", MaxCommentBody, false, "hello"},
		{"comment at limit unchanged", TruncateComment, long[:MaxCommentBody], MaxCommentBody, false, "x"},
		{"long comment cut with note", TruncateComment, long, MaxCommentBody, true, truncationNote},
		{"marker kept", TruncateComment, long + "\n" + marker, MaxCommentBody, true, marker},
		{"multibyte counted as characters", TruncateComment, strings.Repeat("é", MaxCommentBody+1), MaxCommentBody, true, truncationNote},
		{"check text", TruncateCheckText, long, MaxCheckText, true, truncationNote},
		{"title", TruncateTitle, strings.Repeat("t", 300), MaxTitle, true, "…"},
		{"title newline flattened", TruncateTitle, "a\nb", MaxTitle, false, "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.fn(tt.in)
			if n := utf8.RuneCountInString(got); n > tt.limit {
				t.Fatalf("length %d > %d", n, tt.limit)
			}
			if (got != tt.in) != tt.truncated && tt.name != "title newline flattened" {
				t.Fatalf("truncated = %v, want %v", got != tt.in, tt.truncated)
			}
			if !strings.HasSuffix(got, tt.suffix) {
				t.Fatalf("does not end with %q: …%q", tt.suffix, got[max(0, len(got)-80):])
			}
			if tt.truncated && tt.suffix != "…" && !strings.Contains(got, "truncated") {
				t.Fatal("no note says the text was cut")
			}
		})
	}
}

func TestBatchAnnotations(t *testing.T) {
	for _, tt := range []struct{ n, batches, last int }{{0, 1, 0}, {1, 1, 1}, {50, 1, 50}, {51, 2, 1}, {120, 3, 20}} {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			got := batchAnnotations(make([]*github.CheckRunAnnotation, tt.n))
			if len(got) != tt.batches || len(got[len(got)-1]) != tt.last {
				t.Fatalf("%d annotations: %d batches, last %d; want %d, %d", tt.n, len(got), len(got[len(got)-1]), tt.batches, tt.last)
			}
		})
	}
}
