package units

import "testing"

func TestParseDuration(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Duration
	}{
		{"150h", 150 * Hour}, {"750ms", 750 * Millisecond}, {"2h30m", 2*Hour + 30*Minute},
		{"1.5s", 1500 * Millisecond}, {"-5s", -5 * Second}, {"100us", 100e3}, {"10m", 10 * Minute},
		{"172800000000000", 48 * Hour}, {"0", 0},
	} {
		got, err := ParseDuration(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "h", "5", "5x", "1.2.3s", "5 s", "s5", "-", "5mss", "99999999999h"} {
		if bad == "5" {
			continue // a bare integer is nanoseconds
		}
		if d, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", bad, d)
		}
	}
}
