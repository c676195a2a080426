package event

import (
	"slices"
	"strconv"

	"github.com/tidwall/gjson"
)

// unscoped lists the handled events whose payload is not about one
// repository: Decode leaves their Repo empty, so they are keyed by
// installation even when the payload carries a repository.
var unscoped = []string{Installation, InstallationRepositories}

// Route returns the queue key of a webhook body of the named event without
// decoding it: it reads the repository's full name and the installation ID
// from where Decode reads them, skipping the rest of the body, so that the
// intake can queue a delivery in microseconds and leave Decode to the
// worker. For a body that Decode accepts it returns Decode's Delivery.Key;
// for any other body it returns some key, and Decode's error is what the
// worker reports.
func Route(name string, body []byte) string {
	if !slices.Contains(unscoped, name) {
		if repo := gjson.GetBytes(body, "repository.full_name"); repo.Type == gjson.String && repo.Str != "" {
			return repo.Str
		}
	}
	return "installation/" + strconv.FormatInt(gjson.GetBytes(body, "installation.id").Int(), 10)
}
