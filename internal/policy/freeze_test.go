package policy

import (
	"testing"
	"time"
)

func window(t *testing.T, spec string) FreezeWindow {
	t.Helper()
	p := mustParse(t, "version: 1\nenvironments:\n  - name: prod\n    freeze:\n      - "+spec+"\n")
	return p.Environments[0].Freeze[0]
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestFreezeActive(t *testing.T) {
	yearEnd := `{from: "2026-12-20T00:00:00Z", to: "2027-01-04T00:00:00Z"}`
	weekend := `{cron: "0 16 * * FRI", duration: 64h, timezone: Europe/Berlin}`
	workweek := `{cron: "0 9 * * MON-FRI", duration: 24h}`
	tests := []struct {
		name, window, at string
		active           bool
		until            string
	}{
		{"before an absolute window", yearEnd, "2026-12-19T23:59:59Z", false, ""},
		{"at its start", yearEnd, "2026-12-20T00:00:00Z", true, "2027-01-04T00:00:00Z"},
		{"inside, in another zone", yearEnd, "2026-12-31T23:00:00-05:00", true, "2027-01-04T00:00:00Z"},
		{"at its end", yearEnd, "2027-01-04T00:00:00Z", false, ""},
		{"just before the weekend (16:00 Berlin is 15:00Z in winter)", weekend, "2026-11-27T14:59:59Z", false, ""},
		{"weekend start", weekend, "2026-11-27T15:00:00Z", true, "2026-11-30T07:00:00Z"},
		{"weekend middle", weekend, "2026-11-29T12:00:00Z", true, "2026-11-30T07:00:00Z"},
		{"weekend end", weekend, "2026-11-30T07:00:00Z", false, ""},
		{"Wednesday", weekend, "2026-11-25T12:00:00Z", false, ""},
		// 16:00 Berlin is 14:00Z in summer; the duration is elapsed time.
		{"summer weekend", weekend, "2026-06-05T14:00:00Z", true, "2026-06-08T06:00:00Z"},
		// The week's windows touch, so the freeze lasts until Saturday 09:00.
		{"chained windows", workweek, "2026-11-24T12:00:00Z", true, "2026-11-28T09:00:00Z"},
		{"after the chain", workweek, "2026-11-28T10:00:00Z", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := window(t, tt.window)
			active, until := w.Active(ts(tt.at))
			if active != tt.active {
				t.Fatalf("Active(%s) = %v, want %v", tt.at, active, tt.active)
			}
			if tt.active && !until.Equal(ts(tt.until)) {
				t.Errorf("until = %s, want %s", until.UTC().Format(time.RFC3339), tt.until)
			}
			if !tt.active && !until.IsZero() {
				t.Errorf("inactive window reports until %s", until)
			}
		})
	}
}

func TestFreezeActiveEndlessChainTerminates(t *testing.T) {
	w := window(t, `{cron: "* * * * *", duration: 2m}`)
	active, until := w.Active(ts("2026-11-24T12:00:30Z"))
	if !active || !until.After(ts("2026-11-24T12:30:00Z")) {
		t.Errorf("Active = %v until %s, want active until well after the start", active, until)
	}
}
