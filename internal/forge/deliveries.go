package forge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-github/v62/github"
)

// FailedDeliveries lists the App's webhook deliveries whose every attempt
// failed (status not OK, or an HTTP status of 400 or more), for the
// deliveries first sent since the given time, and returns the latest
// attempt of each (by GUID). GitHub does not redeliver by itself, and its
// list is the only record of what was asked: a redelivery appears there as
// a new delivery with redelivery set and the same GUID. So a delivery whose
// redelivery failed too is listed again, and asked for again on a later
// pass, until one attempt succeeds or its first attempt falls out of the
// window; a GUID with a successful attempt is never listed. app must
// authenticate as the App (JWT).
func FailedDeliveries(ctx context.Context, app *github.Client, since time.Time) ([]*github.HookDelivery, error) {
	latest := map[string]*github.HookDelivery{}
	succeeded := map[string]bool{}
	first := map[string]bool{} // the first attempt is inside the window
	var order []string
	opts := &github.ListCursorOptions{PerPage: 100}
	for {
		page, resp, err := app.Apps.ListHookDeliveries(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list webhook deliveries: %w", err)
		}
		older := false
		for _, d := range page {
			if d.DeliveredAt != nil && d.DeliveredAt.Before(since) {
				older = true // newest first: the rest are older still
				continue
			}
			guid := d.GetGUID()
			if !d.GetRedelivery() {
				first[guid] = true
			}
			if !failed(d) {
				succeeded[guid] = true
				continue
			}
			if prev, ok := latest[guid]; !ok || prev.GetID() < d.GetID() {
				if !ok {
					order = append(order, guid)
				}
				latest[guid] = d
			}
		}
		if older || resp.Cursor == "" || len(page) == 0 {
			break
		}
		opts.Cursor = resp.Cursor
	}
	var out []*github.HookDelivery
	for _, guid := range order {
		// Only redeliveries in the window: the delivery itself is older,
		// and its retries stop with it.
		if !succeeded[guid] && first[guid] {
			out = append(out, latest[guid])
		}
	}
	return out, nil
}

func failed(d *github.HookDelivery) bool {
	return d.GetStatus() != "OK" || d.GetStatusCode() >= 400
}

// Redeliver asks GitHub to send a delivery again.
func Redeliver(ctx context.Context, app *github.Client, id int64) error {
	_, _, err := app.Apps.RedeliverHookDelivery(ctx, id)
	var accepted *github.AcceptedError
	if err != nil && !errors.As(err, &accepted) { // GitHub answers 202 Accepted
		return fmt.Errorf("redeliver webhook delivery %d: %w", id, err)
	}
	return nil
}

// RedeliverFailed redelivers every failed delivery since the given time
// and returns how many it asked for.
func RedeliverFailed(ctx context.Context, app *github.Client, since time.Time) (int, error) {
	ds, err := FailedDeliveries(ctx, app, since)
	if err != nil {
		return 0, err
	}
	for i, d := range ds {
		if err := Redeliver(ctx, app, d.GetID()); err != nil {
			return i, err
		}
	}
	return len(ds), nil
}
