package forge

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-github/v62/github"
)

func TestPublishCheckBatchesAnnotations(t *testing.T) {
	tests := []struct {
		annotations int
		title       string
		ops         map[string]int
	}{
		{0, "Policy", map[string]int{"checks/create": 1}},
		{50, "Policy", map[string]int{"checks/create": 1}},
		{120, "Policy", map[string]int{"checks/create": 1, "checks/update": 2}},
		{3, "", map[string]int{"checks/create": 1}}, // the run's name stands in for the title
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.annotations, tt.title), func(t *testing.T) {
			e := newEnv(t, envOptions{})
			ctx := context.Background()
			var anns []*github.CheckRunAnnotation
			for i := range tt.annotations {
				anns = append(anns, &github.CheckRunAnnotation{
					Path: github.String(devOverlay), StartLine: github.Int(i + 1), EndLine: github.Int(i + 1),
					AnnotationLevel: github.String("warning"), Message: github.String(fmt.Sprintf("finding %d", i)),
				})
			}
			id, err := e.forge.PublishCheck(ctx, testRepo, CheckRun{
				Name: "stagehand/policy", HeadSHA: e.head, Status: "completed", Conclusion: "neutral",
				Title: tt.title, Summary: strings.Repeat("s", MaxCheckText+100), Annotations: anns,
			})
			if err != nil {
				t.Fatal(err)
			}
			assertOps(t, e.calls(), tt.ops)
			gh := e.forge.Client()
			got, _, err := gh.Checks.ListCheckRunAnnotations(ctx, testRepo.Owner, testRepo.Name, id, &github.ListOptions{PerPage: 100})
			if err != nil {
				t.Fatal(err)
			}
			total := len(got)
			if total == 100 {
				more, _, err := gh.Checks.ListCheckRunAnnotations(ctx, testRepo.Owner, testRepo.Name, id, &github.ListOptions{PerPage: 100, Page: 2})
				if err != nil {
					t.Fatal(err)
				}
				total += len(more)
			}
			if total != tt.annotations {
				t.Fatalf("%d annotations stored, want %d", total, tt.annotations)
			}
			run, _, err := gh.Checks.GetCheckRun(ctx, testRepo.Owner, testRepo.Name, id)
			if err != nil {
				t.Fatal(err)
			}
			if n := utf8.RuneCountInString(run.GetOutput().GetSummary()); n > MaxCheckText || run.GetConclusion() != "neutral" {
				t.Fatalf("summary of %d characters, conclusion %q", n, run.GetConclusion())
			}
			want := tt.title
			if want == "" {
				want = "stagehand/policy"
			}
			if run.GetOutput().GetTitle() != want {
				t.Fatalf("title %q, want %q", run.GetOutput().GetTitle(), want)
			}
		})
	}
}
