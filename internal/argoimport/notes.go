package argoimport

import (
	"cmp"
	"fmt"
	"slices"
)

// Kind says whether a note is about something left out or is for
// information only.
type Kind string

// The kinds of notes.
const (
	// NotTranslated: the annotation (or part of it) has no effect on the
	// policy; Reason says why and what to do instead.
	NotTranslated Kind = "not translated"
	// Info: translated, with something the reader should check.
	Info Kind = "note"
)

// Note is one line of the import report.
type Note struct {
	File        string
	Line        int
	Application string
	// Key is the annotation's full key; empty for a note about the
	// Application as a whole.
	Key    string
	Value  string
	Kind   Kind
	Reason string
}

// String formats the note as file:line: application: key=value: kind: reason.
func (n Note) String() string {
	what := n.Application
	if n.Key != "" {
		what += ": " + comment(n.Key) + "=" + comment(n.Value)
	}
	return fmt.Sprintf("%s:%d: %s: %s: %s", n.File, n.Line, what, n.Kind, n.Reason)
}

// sortNotes orders notes by file, line, key and reason, so the report is
// the same from run to run.
func sortNotes(notes []Note) {
	slices.SortStableFunc(notes, func(a, b Note) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Key, b.Key), cmp.Compare(a.Reason, b.Reason))
	})
}

// Why each annotation without a Stagehand equivalent is left out.
var reasons = map[string]string{
	"platforms": "Stagehand has no platform filter: it pins the image index digest, " +
		"which is platform-neutral, and each node pulls the image of its own platform",
	"force-update": "Stagehand updates an image wherever an overlay's images: entry names it " +
		"(by name or newName); list the image there and nothing needs forcing",
	"pull-secret": "Stagehand reads registry credentials from one Docker config.json " +
		"(serve --registry-config), not per image",
	"registry-prefix": "Stagehand has no registry prefix; the image name in the policy is the full name",
	"helm.image-name": "Stagehand edits the images: entries of Kustomize overlays, not Helm parameters",
	"helm.image-tag":  "Stagehand edits the images: entries of Kustomize overlays, not Helm parameters",
	"helm.image-spec": "Stagehand edits the images: entries of Kustomize overlays, not Helm parameters",
	"write-back-method": "Stagehand always writes to git, as a pull request on the config " +
		"repository it is installed on",
	"write-back-target": "Stagehand edits the images: entries of each overlay's kustomization file in place",
	"git-branch":        "Stagehand opens its pull requests against the repository's default branch",
	"git-repository":    "Stagehand edits the repository the policy lives in",
}
