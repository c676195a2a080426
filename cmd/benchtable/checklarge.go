package main

import (
	"fmt"
	"path/filepath"
)

// checkApps is the size of the repository largeCheck runs on.
const checkApps = 300

// largeCheck times `stagehand check` as a whole process on a repository of
// checkApps apps found from the layout (a base and three overlays each),
// whose last commit bumps one app in dev: what a pull request's check costs
// where the small case cannot show it (the apps are discovered from the
// base, the head and their history, every overlay of each).
func largeCheck(s *setup) ([]row, error) {
	repo := filepath.Join(s.work, "check-large")
	if err := writeLargeRepo(repo); err != nil {
		return nil, err
	}
	p := proc{argv: []string{s.stagehand, "check", "--dir", repo, "--base", "HEAD~1", "--head", "HEAD", "--now", "2026-01-01T00:00:00Z"}}
	runs := max(s.runs/4, 3) // each run reads the whole repository
	var ss []sample
	for i := -1; i < runs; i++ {
		smp, _, err := p.run()
		if err != nil {
			return nil, err
		}
		if i >= 0 {
			ss = append(ss, smp)
		}
	}
	wall, rss := medians(ss)
	return []row{{
		benchmark: fmt.Sprintf("`stagehand check` on %d apps (whole process)", checkApps),
		stagehand: fmt.Sprintf("%s, %s RSS", ms(wall), mib(rss)),
		peer:      "none (kustomize has no check)",
		notes:     fmt.Sprintf("median of %d runs; %d overlays, the last commit bumps one app in dev", runs, 3*checkApps),
	}}, nil
}

func writeLargeRepo(repo string) error {
	files := map[string]string{".stagehand.yaml": "version: 1\nenvironments:\n  - name: dev\n    promotion: auto\n" +
		"  - name: staging\n    promotion: auto\n  - name: prod\n    promotion: manual\ndefaults:\n  strategy: semver\n"}
	for i := range checkApps {
		app := fmt.Sprintf("app%03d", i)
		files["apps/"+app+"/base/kustomization.yaml"] = "resources:\n  - deployment.yaml\n"
		files["apps/"+app+"/base/deployment.yaml"] = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + app +
			"\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: registry.example.com/acme/" + app + "\n"
		for _, env := range []string{"dev", "staging", "prod"} {
			files["apps/"+app+"/overlays/"+env+"/kustomization.yaml"] = "resources:\n  - ../../base\nimages:\n" +
				"  - name: registry.example.com/acme/" + app + "\n    newTag: v1.3.2\n"
		}
	}
	for name, content := range files {
		if err := writeFiles(filepath.Join(repo, filepath.Dir(name)), map[string]string{filepath.Base(name): content}); err != nil {
			return err
		}
	}
	if err := gitSteps(repo, [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", "seed"}}); err != nil {
		return err
	}
	return bump(repo, filepath.Join(repo, "apps/app007/overlays/dev/kustomization.yaml"), "Promote app007 to dev")
}
