package units

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

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

// String writes the readable form, and ParseDuration reads it back exactly.
func TestDurationString(t *testing.T) {
	for _, c := range []struct {
		d    Duration
		want string
	}{
		{150 * Hour, "150h"}, {750 * Millisecond, "750ms"}, {Hour + 30*Minute, "1h30m"},
		{1500 * Millisecond, "1.5s"}, {90 * Second, "1m30s"}, {2*Hour + 5*Second, "2h5s"},
		{0, "0s"}, {-5 * Second, "-5s"}, {100e3, "100us"}, {1500, "1.5us"}, {7, "7ns"},
		{1500e3, "1.5ms"}, {6*24*Hour + 3*Hour, "147h"}, {Minute + 1, "1m0.000000001s"},
		{Duration(math.MaxInt64), "2562047h47m16.854775807s"}, {Duration(math.MinInt64), "-2562047h47m16.854775808s"},
	} {
		if got := c.d.String(); got != c.want {
			t.Errorf("Duration(%d).String() = %q, want %q", int64(c.d), got, c.want)
		}
		if back, err := ParseDuration(c.d.String()); err != nil || back != c.d {
			t.Errorf("ParseDuration(%q) = %d, %v; want %d", c.d.String(), back, err, int64(c.d))
		}
		if b, _ := c.d.MarshalText(); string(b) != c.want {
			t.Errorf("MarshalText = %q, want %q", b, c.want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		d := Duration(rng.Int64N(1<<62) >> rng.IntN(62))
		if rng.IntN(2) == 0 {
			d = -d
		}
		if back, err := ParseDuration(d.String()); err != nil || back != d {
			t.Fatalf("%d: String %q reads back as %d, %v", int64(d), d.String(), back, err)
		}
	}
}

// ParseDuration gives what time.ParseDuration gives, to the nanosecond, on
// every string time.ParseDuration accepts: the bench's scenario files
// read to the same figures as when package time parsed them.
func TestParseDurationAsTime(t *testing.T) {
	cases := []string{"1h", "3h", "1h10m", "1h0m12s", "167h", "5ms", "2h30m", "0.1s", "0.3s", "1.1h", ".5s", "5.s",
		"1.000000001s", "0.333333333333h", "2562047h47m16.854775807s", "-2562047h47m16.854775808s", "1µs", "1μs", "+3m"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		cases = append(cases, time.Duration(rng.Int64N(1<<50)>>rng.IntN(50)).String(),
			strconv.FormatFloat(rng.Float64()*1000, 'f', rng.IntN(12), 64)+[]string{"ns", "us", "ms", "s", "m", "h"}[rng.IntN(6)])
	}
	for _, s := range cases {
		want, err := time.ParseDuration(s)
		if err != nil {
			continue
		}
		if got, err := ParseDuration(s); err != nil || int64(got) != int64(want) {
			t.Fatalf("ParseDuration(%q) = %d, %v; time.ParseDuration gives %d", s, int64(got), err, int64(want))
		}
	}
}
