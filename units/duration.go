package units

import (
	"errors"
	"strconv"
)

// durationUnits are the units ParseDuration knows, as time.ParseDuration
// knows them (µs in both spellings of the micro sign).
var durationUnits = map[string]uint64{
	"ns": uint64(Nanosecond), "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": uint64(Millisecond),
	"s": uint64(Second), "m": uint64(Minute), "h": uint64(Hour),
}

// ParseDuration parses a duration as people write one: "750ms", "150h",
// "2h30m", "1.5s", "-5s". A bare integer is nanoseconds (how configuration
// files written before durations had a text form hold them). It is the one
// parser for every duration Hearth reads, and imports no package time.
//
// Every string time.ParseDuration accepts it accepts, giving the same
// nanoseconds: it is the same integer arithmetic, so a file written for
// one reads to the same figures with the other.
func ParseDuration(s string) (Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return Duration(n), nil
	}
	orig, neg := s, false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	if s == "" {
		return 0, errors.New("units: empty duration " + strconv.Quote(orig))
	}
	var d uint64
	for s != "" {
		v, rest, err := durationTerm(s)
		if err != nil {
			return 0, errors.New("units: " + err.Error() + " in duration " + strconv.Quote(orig))
		}
		if d += v; d > 1<<63 {
			return 0, errors.New("units: duration out of range: " + strconv.Quote(orig))
		}
		s = rest
	}
	if neg {
		return -Duration(d), nil
	}
	if d > 1<<63-1 {
		return 0, errors.New("units: duration out of range: " + strconv.Quote(orig))
	}
	return Duration(d), nil
}

// durationTerm consumes one number and its unit ("2h", "1.5s") from s and
// returns its nanoseconds.
func durationTerm(s string) (uint64, string, error) {
	i := 0
	var v, f uint64
	scale := 1.0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if v > (1<<63)/10 {
			return 0, "", errors.New("out of range")
		}
		v = v*10 + uint64(s[i]-'0')
	}
	pre := i > 0
	post := false
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			post = true
			if f <= (1<<63-1)/10 { // further digits add no precision
				f, scale = f*10+uint64(s[i]-'0'), scale*10
			}
		}
	}
	if !pre && !post {
		return 0, "", errors.New("a number is missing")
	}
	j := i
	for j < len(s) && s[j] != '.' && (s[j] < '0' || s[j] > '9') {
		j++
	}
	unit, ok := durationUnits[s[i:j]]
	if !ok {
		return 0, "", errors.New("bad or missing unit " + strconv.Quote(s[i:j]))
	}
	if v > (1<<63)/unit {
		return 0, "", errors.New("out of range")
	}
	v *= unit
	if f > 0 {
		// float64 is nanosecond accurate here: f*unit/scale is at most an hour.
		v += uint64(float64(f) * (float64(unit) / scale))
	}
	if v > 1<<63 {
		return 0, "", errors.New("out of range")
	}
	return v, s[j:], nil
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

// MarshalText implements encoding.TextMarshaler with String: what a
// configuration file is written with reads back through ParseDuration to
// the same nanoseconds.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String renders d as a person writes it, the parts that are zero left
// out: "150h", "1h30m", "2m30s", "1.5s", "750ms", "100us", "0s". A span of a
// second or more is hours, minutes and (decimal) seconds; a shorter one is
// in the largest unit of ms, us and ns it has a whole one of. ParseDuration
// reads every string it writes back to d exactly.
func (d Duration) String() string {
	if d == 0 {
		return "0s"
	}
	var b []byte
	u := uint64(d)
	if d < 0 {
		b, u = append(b, '-'), -u // -u is |d| as uint64, even for the most negative d
	}
	if u < uint64(Second) {
		switch {
		case u >= uint64(Millisecond):
			return string(appendFrac(b, u, uint64(Millisecond), "ms"))
		case u >= 1e3:
			return string(appendFrac(b, u, 1e3, "us"))
		}
		return string(append(strconv.AppendUint(b, u, 10), "ns"...))
	}
	if h := u / uint64(Hour); h > 0 {
		b = append(strconv.AppendUint(b, h, 10), 'h')
	}
	if m := u % uint64(Hour) / uint64(Minute); m > 0 {
		b = append(strconv.AppendUint(b, m, 10), 'm')
	}
	if s := u % uint64(Minute); s > 0 {
		b = appendFrac(b, s, uint64(Second), "s")
	}
	return string(b)
}

// appendFrac appends v/unit as a decimal, trailing zeros dropped, and the
// unit's name.
func appendFrac(b []byte, v, unit uint64, name string) []byte {
	b = strconv.AppendUint(b, v/unit, 10)
	if f := v % unit; f > 0 {
		digits := []byte(strconv.FormatUint(f+unit, 10))[1:] // zero-padded to the unit's width
		for digits[len(digits)-1] == '0' {
			digits = digits[:len(digits)-1]
		}
		b = append(append(b, '.'), digits...)
	}
	return append(b, name...)
}
