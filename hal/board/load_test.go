package board

import (
	"errors"
	"os"
	"strings"
	"testing"
)

const example = "../../docs/examples/board.toml"

func TestExampleLoads(t *testing.T) {
	f, err := Load(example)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Module) != 8 || f.Temp["oil_in_b"].Sensor != "pt1000" || f.Flow["oil"].Timeout.Seconds() != 2 {
		t.Fatalf("loaded %+v", f)
	}
}

// mutate loads the example with one line replaced (old must occur once)
// and returns the errors.
func mutate(t *testing.T, old, new string) []*Error {
	t.Helper()
	src, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(src), old) != 1 {
		t.Fatalf("%q occurs %d times", old, strings.Count(string(src), old))
	}
	_, err = Parse("board.toml", []byte(strings.Replace(string(src), old, new, 1)))
	if err == nil {
		t.Fatalf("%q -> %q: loaded", old, new)
	}
	var out []*Error
	for _, e := range unwrap(err) {
		var be *Error
		if !errors.As(e, &be) {
			t.Fatalf("not a board error: %v", e)
		}
		out = append(out, be)
	}
	return out
}

func unwrap(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestErrorsNameKeyAndLine drives the file past each rule it checks.
func TestErrorsNameKeyAndLine(t *testing.T) {
	cases := []struct {
		old, new, key, msg string
		line               string // text of the line the error names; "" for a missing key
	}{
		{"address = 0x18", "address = 0x20", "onewire.address", "out of 0x18..0x1f", "address = 0x20"},
		{"line = 27", "line = 17", "flow.water.line", "GPIO line 17 already used by flow.oil.line", "line = 17\npulses_per_litre = 330.0\ntimeout = \"2s\"\nmax_lpm = 60"},
		{"rom = \"28-0000071a2b05\"", "rom = \"28-71a2b05\"", "temp.tank_bottom.rom", "want the kernel's form", "28-71a2b05"},
		{"frequency_hz = 1000 ", "frequency_hz = 2000 ", "pwm.frequency_hz", "out of 100..1526", "frequency_hz = 2000"},
		{"frequency_hz = 1000 ", "frequency_hz = 50 ", "pwm.frequency_hz", "out of 100..1526", "frequency_hz = 50"},
		{"timeout = \"2s\"\nmax_lpm = 40.0", "timeout = \"2 s\"\nmax_lpm = 40.0", "", "", ""},
		{"pin = 9 ", "pin = 3 ", "module.3.relay", "MCP23017 pin 3 already used by alarm.pin", "relay = 3"},
		{"[temp.tank_top]\nsensor = \"ds18b20\"\nrom = \"28-0000071a2b04\"\ncolour = \"green\"\n", "", "temp.tank_top", "missing: a trip hangs on this probe", ""},
		{"wires = 3\ncolour = \"blue/white\"", "wirs = 3\ncolour = \"blue/white\"", "temp.oil_out.wirs", "unknown key", "wirs = 3"},
		{"fault_low_v = 0.25", "fault_low_v = 0.6", "pressure", "fault_low_v (0.6) < min_v (0.5)", "[pressure]"},
		{"feed_address = 0x47", "feed_address = 0x50", "module.7.feed_address", "out of 0x40..0x4f", "feed_address = 0x50"},
		{"line = 26", "line = 5", "leak.line", "GPIO line 5 is i2c 3 (dtoverlay=i2c3: SCL)", "line = 5"},
		{"pwm = 4", "pwm = 1", "fan.pwm", "PCA9685 channel 1 already used by pump.water.pwm", "pwm = 1\ninvert = true"},
		{"invert = false             # a non-inverting stage: chip low = 0 % at the pump", "invert = true", "pump.oil.invert", "the stage must make that 0 % at the pump", "invert = true\nfeedback_line = 22"},
		{"invert = true              # actuator set to reverse action: 0 V = all to the dump, as its spring", "invert = false", "valve.dump.invert", "all the water to the dump", "invert = false\nadc = 1"},
	}
	for _, c := range cases {
		errs := mutate(t, c.old, c.new)
		if c.key == "" { // a syntax error: its line, from the parser
			if len(errs) != 1 || errs[0].Line == 0 {
				t.Errorf("%q: %v", c.new, errs)
			}
			continue
		}
		found := false
		for _, e := range errs {
			if e.Key == c.key && strings.Contains(e.Msg, c.msg) {
				found = true
				if c.line != "" && e.Line != lineOfNew(t, c.old, c.new, c.line) {
					t.Errorf("%s: line %d", e, e.Line)
				}
				if c.line == "" && e.Line != 0 {
					t.Errorf("%s: a missing key has no line", e)
				}
			}
		}
		if !found {
			t.Errorf("%q -> %q: want %s: %s, got %v", c.old, c.new, c.key, c.msg, errs)
		}
	}
}

// lineOfNew is the line of text in the mutated file.
func lineOfNew(t *testing.T, old, new, text string) int {
	src, _ := os.ReadFile(example)
	s := strings.Replace(string(src), old, new, 1)
	i := strings.Index(s, text)
	if i < 0 {
		t.Fatalf("%q not in the mutated file", text)
	}
	return strings.Count(s[:i], "\n") + 1
}
