package daemon

import (
	"testing"
	"time"

	"hearth/units"
)

// The week's time the daemon stamps is local time since Monday 00:00.
func TestWeekTime(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	for _, c := range []struct {
		at   time.Time
		want units.Duration
	}{
		{time.Date(2026, 11, 30, 0, 0, 0, 0, loc), 0}, // a Monday
		{time.Date(2026, 12, 2, 3, 0, 0, 0, loc), 2*24*units.Hour + 3*units.Hour},
		{time.Date(2026, 12, 6, 23, 59, 59, 5e8, loc), 7*24*units.Hour - 500*units.Millisecond}, // Sunday
	} {
		if got := weekTime(c.at); got != c.want {
			t.Errorf("weekTime(%v) = %v, want %v", c.at, got, c.want)
		}
	}
}
