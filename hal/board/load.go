package board

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"hearth/hal/drivers/ads1115"

	"hearth/units"
)

// Error is one thing wrong in a board file: the key, and the line it is on
// (0 when the key is missing from the file).
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.File, e.Key, e.Msg)
}

// Defaults fills what a board file may leave out.
func Defaults() File {
	t := ads1115.Transducer4Bar() // 0.5-4.5 V for 0-4 bar, wiring faults past 0.25 and 4.75 V
	return File{
		OneWire: OneWireBus{Master: "ds2482", Address: 0x18, StrongPullup: true, Resolution: 12, W1Master: 1},
		PWM:     Chip{Address: 0x60, FrequencyHz: 1000},
		Relays:  Chip{Address: 0x20},
		ADC:     Chip{Address: 0x48},
		Press: Pressure{MinV: t.MinV, MaxV: t.MaxV, MinBar: t.MinBar, MaxBar: t.MaxBar,
			FaultLowV: t.FaultLowV, FaultHighV: t.FaultHighV},
	}
}

// Load reads and validates a board file. Every error is reported, each
// naming its key and line.
func Load(path string) (*File, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src)
}

// Parse is Load on a file's bytes; name is used in errors.
func Parse(name string, src []byte) (*File, error) {
	f := Defaults()
	md, err := toml.Decode(string(src), &f)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: name, Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &checker{name: name, lines: keyLines(src), md: md}
	for _, k := range md.Undecoded() {
		c.bad(k.String(), "unknown key")
	}
	f.fillDefaults()
	f.check(c)
	if len(c.errs) == 0 {
		return &f, nil
	}
	sort.SliceStable(c.errs, func(i, j int) bool { return lineOf(c.errs[i]) < lineOf(c.errs[j]) })
	return nil, errors.Join(c.errs...)
}

func lineOf(err error) int {
	if e, ok := err.(*Error); ok && e.Line > 0 {
		return e.Line
	}
	return 1 << 30
}

// fillDefaults sets each entry's defaults that a map or array of tables
// cannot carry from Defaults.
func (f *File) fillDefaults() {
	for k, fl := range f.Flow {
		if fl.PulsesPerLitre == 0 {
			fl.PulsesPerLitre = 330
		}
		if fl.Timeout == 0 {
			fl.Timeout = 2 * units.Second
		}
		if fl.MaxLPM == 0 {
			fl.MaxLPM = 40
		}
		f.Flow[k] = fl
	}
	for k, t := range f.Temp {
		if t.Sensor == "pt1000" && t.Wires == 0 {
			t.Wires = 3
		}
		if t.Sensor == "pt1000" && t.RefOhm == 0 {
			t.RefOhm = 4300
		}
		f.Temp[k] = t
	}
	for i := range f.Module {
		m := &f.Module[i]
		if m.ShuntOhm == 0 {
			m.ShuntOhm = 0.01
		}
		if m.MaxCurrentA == 0 {
			m.MaxCurrentA = 8
		}
	}
}

// checker collects errors, each with its key's line.
type checker struct {
	name  string
	lines map[string]int
	md    toml.MetaData
	errs  []error
}

func (c *checker) bad(key, format string, args ...any) {
	c.errs = append(c.errs, &Error{File: c.name, Line: c.lines[key], Key: key, Msg: fmt.Sprintf(format, args...)})
}

// need reports a missing key and whether it is there.
func (c *checker) need(key string) bool {
	if c.md.IsDefined(strings.Split(key, ".")...) {
		return true
	}
	c.bad(key, "missing")
	return false
}

// rangeInt checks lo <= v <= hi.
func (c *checker) rangeInt(key string, v, lo, hi int) {
	if v < lo || v > hi {
		c.bad(key, "%d (%#x) out of %#x..%#x", v, v, lo, hi)
	}
}

// rangeF checks lo <= v <= hi.
func (c *checker) rangeF(key string, v, lo, hi float64) {
	if !(v >= lo && v <= hi) {
		c.bad(key, "%g out of %g..%g", v, lo, hi)
	}
}

// unique remembers what uses a resource (a pin, a channel, an address) and
// reports a second user.
type unique map[string]string

func (u unique) take(c *checker, what, key string) {
	if prev, ok := u[what]; ok {
		c.bad(key, "%s already used by %s", what, prev)
		return
	}
	u[what] = key
}

var romRE = regexp.MustCompile(`^28-[0-9a-fA-F]{12}$`)
