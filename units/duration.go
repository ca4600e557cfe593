package units

import (
	"errors"
	"strconv"
)

// durationUnits are the suffixes ParseDuration knows, longest first where
// one is a prefix of another ("ms" before "m").
var durationUnits = []struct {
	suffix string
	d      Duration
}{{"ns", Nanosecond}, {"us", 1e3 * Nanosecond}, {"µs", 1e3 * Nanosecond}, {"ms", Millisecond},
	{"s", Second}, {"m", Minute}, {"h", Hour}}

// ParseDuration parses a duration as people write one: "750ms", "150h",
// "2h30m", "1.5s", "-5s". A bare integer is nanoseconds (how configuration
// files written before durations had a text form hold them). It is the one
// parser for every duration Hearth reads, and imports no package time.
func ParseDuration(s string) (Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return Duration(n), nil
	}
	orig, neg := s, false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	if s == "" {
		return 0, errors.New("units: empty duration")
	}
	var total float64
	for s != "" {
		i := 0
		for i < len(s) && (s[i] == '.' || (s[i] >= '0' && s[i] <= '9')) {
			i++
		}
		v, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, errors.New("units: bad duration " + strconv.Quote(orig))
		}
		s = s[i:]
		u, ok := Duration(0), false
		for _, du := range durationUnits {
			if len(s) >= len(du.suffix) && s[:len(du.suffix)] == du.suffix &&
				(len(s) == len(du.suffix) || s[len(du.suffix)] < 'a' || s[len(du.suffix)] > 'z') {
				u, ok, s = du.d, true, s[len(du.suffix):]
				break
			}
		}
		if !ok {
			return 0, errors.New("units: bad or missing unit in duration " + strconv.Quote(orig))
		}
		total += v * float64(u)
	}
	if total > 9.2e18 {
		return 0, errors.New("units: duration out of range: " + strconv.Quote(orig))
	}
	if neg {
		total = -total
	}
	return Duration(total), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseDuration, so a
// configuration file writes "750ms" or "150h".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
