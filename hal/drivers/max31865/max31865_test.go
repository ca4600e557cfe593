package max31865

import (
	"errors"
	"math"
	"testing"

	"periph.io/x/conn/v3/conntest"
	"periph.io/x/conn/v3/spi/spitest"

	"hearth/hal"
	"hearth/hal/drivers"
	"hearth/units"
)

// pt1000 is the HeatHub's wiring: a 3-wire PT1000 on a 4.3 kΩ reference,
// 50 Hz mains. Its configuration byte is 0xD1 (bias, auto, 3-wire, 50 Hz),
// its thresholds 0xFD6E (code 32439, 99 % of full scale) and 0x05F4 (code
// 762, 100 Ω).
var pt1000 = Config{RefOhm: 4300, R0Ohm: 1000, Wires: 3, Mains50Hz: true}

// clock is a fake controller clock.
type clock struct{ t units.Time }

func (c *clock) now() units.Time { return c.t }

func (c *clock) advance(d units.Duration) { c.t = c.t.Add(d) }

// The transactions, spelled out byte for byte for pt1000.
var (
	// New: conversions off (0xD1 &^ 0x40), then on with the fault clear
	// bit (0xD1 | 0x02), then the thresholds from 0x03.
	opsConfigure = []conntest.IO{
		{W: []byte{0x80, 0x91}},
		{W: []byte{0x80, 0xD3}},
		{W: []byte{0x83, 0xFD, 0x6E, 0x05, 0xF4}},
	}
	// The fault clear: the configuration with D1 set.
	opClear = conntest.IO{W: []byte{0x80, 0xD3}}
)

// opRead is the 9-byte read of registers 0x00..0x07 returning the RTD
// register rtd (code<<1 | fault bit) and the fault status f, the
// configuration and thresholds as written for pt1000.
func opRead(rtd uint16, f byte) conntest.IO {
	return conntest.IO{
		W: []byte{0x00, 0, 0, 0, 0, 0, 0, 0, 0},
		R: []byte{0x00, 0xD1, byte(rtd >> 8), byte(rtd), 0xFD, 0x6E, 0x05, 0xF4, f},
	}
}

// rtdFor is the RTD register for ohm on a reference ref, fault bit clear.
func rtdFor(ohm, ref float64) uint16 {
	return uint16(math.Round(ohm/ref*32768)) << 1
}

// newDev makes a Dev over a playback of New's transactions for cfg followed
// by ops, its clock past SettleTime.
func newDev(t *testing.T, cfg Config, ops ...conntest.IO) (*Dev, *spitest.Playback, *clock) {
	t.Helper()
	clk := &clock{t: units.Time(1000 * units.Second)}
	th := thresholds(cfg)
	all := []conntest.IO{
		{W: []byte{0x80, configByte(cfg) &^ cfgAuto}},
		{W: []byte{0x80, configByte(cfg) | cfgFaultClear}},
		{W: append([]byte{0x83}, th[:]...)},
		{W: make([]byte, 9), R: append([]byte{0x00, configByte(cfg)}, 0, 0, th[0], th[1], th[2], th[3], 0)},
	}
	p := &spitest.Playback{Playback: conntest.Playback{Ops: append(all, ops...)}}
	d, err := New(p, cfg, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	clk.advance(SettleTime)
	return d, p, clk
}

func closed(t *testing.T, p *spitest.Playback) {
	t.Helper()
	if err := p.Close(); err != nil {
		t.Error(err)
	}
}

// TestNewBytes: New's transactions for the HeatHub's probe, byte for byte.
func TestNewBytes(t *testing.T) {
	ops := append(append([]conntest.IO{}, opsConfigure...), opRead(0, 0))
	p := &spitest.Playback{Playback: conntest.Playback{Ops: ops}}
	if _, err := New(p, pt1000, (&clock{}).now); err != nil {
		t.Fatal(err)
	}
	closed(t, p)
	for _, c := range []struct {
		cfg  Config
		want byte
	}{
		{Config{4300, 1000, 2, false}, 0xC0},
		{Config{4300, 1000, 4, true}, 0xC1},
		{Config{430, 100, 3, false}, 0xD0},
	} {
		if got := configByte(c.cfg); got != c.want {
			t.Errorf("configByte(%+v) = %#02x, want %#02x", c.cfg, got, c.want)
		}
	}
}

// TestGoodReads: 1000 Ω is 0 °C and 1097.35 Ω is 25 °C, within 0.01 K, on
// a 4096 Ω reference (0.125 Ω a code, so 1000 Ω is code 8000 exactly); and
// 25 °C on the 4.3 kΩ board within half a code (0.017 K).
func TestGoodReads(t *testing.T) {
	ref4096 := Config{RefOhm: 4096, R0Ohm: 1000, Wires: 4, Mains50Hz: true}
	d, p, clk := newDev(t, ref4096,
		conntest.IO{W: make([]byte, 9), R: []byte{0, 0xC1, 0x3E, 0x80, 0xFD, 0x6E, 0x06, 0x40, 0}}, // 8000<<1 = 0x3E80
		conntest.IO{W: make([]byte, 9), R: []byte{0, 0xC1, 0x44, 0x96, 0xFD, 0x6E, 0x06, 0x40, 0}}, // 8779<<1 = 0x4496
	)
	for _, want := range []units.Celsius{0, 25} {
		s := d.Temperature()
		if s.Status != hal.StatusOK || math.Abs(float64(s.Value-want)) > 0.01 || s.At != clk.t {
			t.Errorf("read %v at %v, want %v °C ±0.01 at %v", s, s.At, want, clk.t)
		}
	}
	closed(t, p)

	d, p, _ = newDev(t, pt1000, opRead(rtdFor(1097.35, 4300), 0))
	if s := d.Temperature(); s.Status != hal.StatusOK || math.Abs(float64(s.Value-25)) > 0.0171 {
		t.Errorf("1097.35 Ω on 4.3 kΩ: %+v, want 25 °C ±0.017", s)
	}
	closed(t, p)
}

// TestSettle: before SettleTime has passed since the configuration was
// written, and for the RTD register's power-on 0, samples are StatusPowerOn.
func TestSettle(t *testing.T) {
	clk := &clock{t: units.Time(5 * units.Second)}
	ops := append(append([]conntest.IO{}, opsConfigure...), opRead(0, 0),
		opRead(rtdFor(1000, 4300), 0), opRead(0, 0))
	p := &spitest.Playback{Playback: conntest.Playback{Ops: ops}}
	d, err := New(p, pt1000, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	clk.advance(SettleTime - 1)
	if s := d.Temperature(); s.Status != hal.StatusPowerOn {
		t.Errorf("before settling: %+v, want power_on", s)
	}
	clk.advance(1)
	if s := d.Temperature(); s.Status != hal.StatusPowerOn {
		t.Errorf("code 0: %+v, want power_on", s)
	}
	closed(t, p)
}

// TestFaults: each fault status bit maps to its status, the fault is
// cleared (0x80, 0xD3 written) and the value is the last good one; the
// read after the clear recovers.
func TestFaults(t *testing.T) {
	good := rtdFor(1097.35, 4300)
	for _, c := range []struct {
		name string
		rtd  uint16
		f    byte
		want hal.Status
	}{
		{"open RTD (high threshold)", 0xFFFF, 0x80, hal.StatusOpen},
		{"shorted RTD (low threshold)", 0x0001, 0x40, hal.StatusShort},
		{"REFIN- > 0.85 VBIAS", good | 1, 0x20, hal.StatusOpen},
		{"REFIN- < 0.85 VBIAS, FORCE- open", good | 1, 0x10, hal.StatusOpen},
		{"RTDIN- < 0.85 VBIAS, FORCE- open", good | 1, 0x08, hal.StatusOpen},
		{"over/under-voltage", good | 1, 0x04, hal.StatusFault},
		{"over/under-voltage without the RTD fault bit", good, 0x04, hal.StatusFault},
		{"fault bit, empty status", good | 1, 0x00, hal.StatusFault},
		{"open and over-voltage: the highest bit", 0xFFFF, 0x84, hal.StatusOpen},
	} {
		d, p, clk := newDev(t, pt1000, opRead(good, 0), opRead(c.rtd, c.f), opClear, opRead(good, 0))
		first := d.Temperature()
		clk.advance(units.Second)
		s := d.Temperature()
		if s.Status != c.want || s.Value != first.Value || s.At != clk.t {
			t.Errorf("%s: %+v, want %v with the last value %v at %v", c.name, s, c.want, first.Value, clk.t)
		}
		if s := d.Temperature(); s.Status != hal.StatusOK {
			t.Errorf("%s: after the clear %+v, want ok", c.name, s)
		}
		closed(t, p)
	}
}

// TestRange: resistances between the thresholds but outside -200..850 °C
// are StatusRange, not temperatures.
func TestRange(t *testing.T) {
	for _, ohm := range []float64{150, 4000} { // about -210 °C and 880 °C
		d, p, _ := newDev(t, pt1000, opRead(rtdFor(ohm, 4300), 0))
		if s := d.Temperature(); s.Status != hal.StatusRange || s.Value != 0 {
			t.Errorf("%v Ω: %+v, want range with no value", ohm, s)
		}
		closed(t, p)
	}
}

// TestBusError: a failed transaction is StatusBus with the last good value
// and the new time.
func TestBusError(t *testing.T) {
	d, p, clk := newDev(t, pt1000, opRead(rtdFor(1097.35, 4300), 0))
	p.DontPanic = true // the playback's end is the bus failing
	good := d.Temperature()
	clk.advance(units.Second)
	s := d.Temperature()
	if s.Status != hal.StatusBus || s.Value != good.Value || s.At != clk.t {
		t.Errorf("bus error: %+v, want bus, %v at %v", s, good.Value, clk.t)
	}
}

// TestChipGone: all 0xFF or all 0x00 (MISO floating or held) is StatusBus,
// and nothing is written.
func TestChipGone(t *testing.T) {
	for _, b := range []byte{0x00, 0xFF} {
		r := []byte{b, b, b, b, b, b, b, b, b}
		d, p, _ := newDev(t, pt1000, conntest.IO{W: make([]byte, 9), R: r})
		if s := d.Temperature(); s.Status != hal.StatusBus {
			t.Errorf("all %#02x: %+v, want bus", b, s)
		}
		closed(t, p)
	}
}

// TestChipReset: a read of the power-on registers (configuration 0x00,
// thresholds 0xFFFF/0x0000) rewrites the configuration and thresholds and is
// StatusFault; the chip is StatusPowerOn while it settles, then recovers.
func TestChipReset(t *testing.T) {
	good := rtdFor(1097.35, 4300)
	reset := conntest.IO{W: make([]byte, 9), R: []byte{0, 0x00, 0, 0, 0xFF, 0xFF, 0x00, 0x00, 0}}
	ops := append([]conntest.IO{opRead(good, 0), reset}, opsConfigure...)
	ops = append(ops, opRead(good, 0), opRead(good, 0))
	d, p, clk := newDev(t, pt1000, ops...)
	first := d.Temperature()
	clk.advance(units.Second)
	if s := d.Temperature(); s.Status != hal.StatusFault || s.Value != first.Value {
		t.Errorf("reset: %+v, want fault with %v", s, first.Value)
	}
	clk.advance(SettleTime / 2)
	if s := d.Temperature(); s.Status != hal.StatusPowerOn {
		t.Errorf("settling after the reset: %+v, want power_on", s)
	}
	clk.advance(SettleTime / 2)
	if s := d.Temperature(); s.Status != hal.StatusOK {
		t.Errorf("after settling: %+v, want ok", s)
	}
	closed(t, p)
}

// TestNewAbsent: New wraps ErrAbsent when the configuration reads back 0xFF
// or 0x00, ErrWrongChip for any other mismatch.
func TestNewAbsent(t *testing.T) {
	for _, c := range []struct {
		r    []byte
		want error
	}{
		{[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, drivers.ErrAbsent},
		{[]byte{0, 0, 0, 0, 0, 0, 0, 0, 0}, drivers.ErrAbsent},
		{[]byte{0, 0x00, 0, 0, 0xFF, 0xFF, 0, 0, 0}, drivers.ErrAbsent},
		{[]byte{0, 0xD3, 0, 0, 0xFD, 0x6E, 0x05, 0xF4, 0}, drivers.ErrWrongChip},
		{[]byte{0, 0xD1, 0, 0, 0xFF, 0xFF, 0x05, 0xF4, 0}, drivers.ErrWrongChip},
	} {
		ops := append(append([]conntest.IO{}, opsConfigure...), conntest.IO{W: make([]byte, 9), R: c.r})
		p := &spitest.Playback{Playback: conntest.Playback{Ops: ops}}
		if _, err := New(p, pt1000, (&clock{}).now); !errors.Is(err, c.want) {
			t.Errorf("read back % x: %v, want %v", c.r, err, c.want)
		}
	}
}

// TestConfigRefused: New refuses a configuration it cannot measure with,
// before touching the bus.
func TestConfigRefused(t *testing.T) {
	for _, cfg := range []Config{
		{RefOhm: 4300, R0Ohm: 1000, Wires: 5},
		{RefOhm: 4300, R0Ohm: 1000, Wires: 1},
		{RefOhm: 900, R0Ohm: 1000, Wires: 2},
		{RefOhm: 4300, R0Ohm: 0, Wires: 2},
		{RefOhm: math.NaN(), R0Ohm: 1000, Wires: 2},
		{RefOhm: math.Inf(1), R0Ohm: 1000, Wires: 2},
	} {
		p := &spitest.Playback{}
		if _, err := New(p, cfg, (&clock{}).now); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
		if p.Initialized {
			t.Errorf("New(%+v) connected", cfg)
		}
	}
}

// TestCVD: the curve against IEC 60751's table for a PT100 (scaled), and its
// inverse against the curve over the whole range.
func TestCVD(t *testing.T) {
	for _, c := range []struct{ t, ohm float64 }{
		{-200, 185.20}, {-100, 602.56}, {0, 1000}, {25, 1097.35}, {100, 1385.06}, {850, 3904.81},
	} {
		if r := resistance(c.t, 1000); math.Abs(r-c.ohm) > 0.01 {
			t.Errorf("R(%v °C) = %.3f Ω, want %.2f", c.t, r, c.ohm)
		}
	}
	for x := -200.0; x <= 850; x += 0.25 {
		if got := temperature(resistance(x, 1000), 1000); math.Abs(got-x) > 1e-9 {
			t.Errorf("T(R(%v)) = %v", x, got)
		}
	}
	if !math.IsNaN(temperature(-1, 1000)) || !math.IsNaN(temperature(8000, 1000)) {
		t.Error("a resistance no temperature gives is not NaN")
	}
}
