package ina219

import (
	"errors"
	"hearth/hal/drivers/drivertest"
	"math"
	"testing"

	"hearth/hal"
	"hearth/hal/drivers"
	"hearth/units"

	"periph.io/x/conn/v3/i2c/i2ctest"
)

const addr = 0x41

func w(bs ...byte) i2ctest.IO { return i2ctest.IO{Addr: addr, W: bs} }

func rd(reg byte, bs ...byte) i2ctest.IO { return i2ctest.IO{Addr: addr, W: []byte{reg}, R: bs} }

// clock is a fake controller clock: each call is one second later.
type clock struct{ t units.Time }

func (c *clock) now() units.Time { c.t = c.t.Add(units.Second); return c.t }

// sec is n seconds on the fake clock.
func sec(n int) units.Time { return units.Time(0).Add(units.Duration(n) * units.Second) }

var feed = Config{ShuntOhm: 0.01, MaxCurrentA: 8}

// For 8 A through 10 mΩ: 80 mV, gain /2; config 0x2DDF = BRNG 32 V |
// PG /2 | BADC, SADC 12 bit ×8 | continuous. Calibration trunc(0.04096 /
// (8/32768 · 0.01)) = 16777, bit 0 void: 16776 = 0x4188.
var newOps = []i2ctest.IO{
	w(0x00, 0x2D, 0xDF),
	w(0x05, 0x41, 0x88),
	rd(0x05, 0x41, 0x88),
	rd(0x00, 0x2D, 0xDF),
}

// A real 12.0 V, 5.00 A reading: bus 12.0 V / 4 mV = 3000, <<3 with CNVR:
// 0x5DC2. Shunt 50 mV / 10 µV = 5000; current = 5000·16776/4096 = 20478;
// power = 20478·3000/5000 = 12286 = 0x2FFE, ×20·0.04096/(16776·0.01) W.
var (
	busGood  = rd(0x02, 0x5D, 0xC2)
	power60W = rd(0x03, 0x2F, 0xFE)
	calGood  = rd(0x05, 0x41, 0x88)
)

func newMeter(t *testing.T, c *clock, more ...i2ctest.IO) (*Meter, *drivertest.FaultBus, func(...int)) {
	t.Helper()
	b := drivertest.NewBus(append(append([]i2ctest.IO(nil), newOps...), more...))
	m, err := New(b, addr, feed, c.now)
	if err != nil {
		t.Fatal(err)
	}
	fail := func(i ...int) {
		for _, n := range i {
			b.Fail[len(newOps)+n] = true
		}
	}
	return m, b, fail
}

func check(t *testing.T, what string, got hal.Sample[units.Watt], st hal.Status, watts float64, at units.Time) {
	t.Helper()
	if got.Status != st || math.Abs(float64(got.Value)-watts) > 0.01 || got.At != at {
		t.Errorf("%s: %+v; want %v W, %v, at %v", what, got, watts, st, at)
	}
}

// TestSettings: the shunt range is the smallest that holds the full-scale
// current's voltage; the calibration and power LSB follow the datasheet.
func TestSettings(t *testing.T) {
	config, cal, lsb, err := feed.settings()
	if err != nil || config != 0x2DDF || cal != 0x4188 || math.Abs(lsb-20*0.04096/(16776*0.01)) > 1e-15 {
		t.Errorf("8 A, 10 mΩ: %#x, %#x, %v, %v", config, cal, lsb, err)
	}
	if config, cal, _, err := (Config{0.1, 3.2}).settings(); err != nil || config != 0x3DDF || cal != 4194 {
		t.Errorf("3.2 A, 100 mΩ: %#x, %d, %v; want 0x3ddf, 4194 (320 mV, gain /8)", config, cal, err)
	}
	if config, cal, _, err := (Config{0.01, 4}).settings(); err != nil || config != 0x25DF || cal != 33554&^1 {
		t.Errorf("4 A, 10 mΩ: %#x, %d, %v; want 0x25df, 33554 (40 mV, gain /1)", config, cal, err)
	}
	for _, c := range []Config{{0.01, 40}, {0.01, 1}, {0, 8}, {0.01, 0}, {-1, 8}, {math.NaN(), 8}} {
		if _, _, _, err := c.settings(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// TestNew: New's transactions byte for byte; no sample before the first
// read.
func TestNew(t *testing.T) {
	m, b, _ := newMeter(t, &clock{})
	drivertest.Done(t, b)
	if m.last.Status != hal.StatusMissing {
		t.Errorf("before any read: %+v", m.last)
	}
}

// TestNewRefused: addresses outside 0x40..0x4F, a missing clock and a
// shunt the chip cannot calibrate, before any transaction.
func TestNewRefused(t *testing.T) {
	c := &clock{}
	for _, a := range []uint16{0x3F, 0x50} {
		b := drivertest.NewBus(nil)
		if _, err := New(b, a, feed, c.now); err == nil {
			t.Errorf("New(%#x) accepted", a)
		}
		drivertest.Done(t, b)
	}
	b := drivertest.NewBus(nil)
	if _, err := New(b, addr, feed, nil); err == nil {
		t.Error("no clock accepted")
	}
	if _, err := New(b, addr, Config{}, c.now); err == nil {
		t.Error("zero Config accepted")
	}
	drivertest.Done(t, b)
}

// TestNewAbsent: no acknowledge on the first write wraps ErrAbsent.
func TestNewAbsent(t *testing.T) {
	b := drivertest.NewBus(newOps[:1], 0)
	_, err := New(b, addr, feed, (&clock{}).now)
	if !errors.Is(err, drivers.ErrAbsent) || !errors.Is(err, drivertest.ErrNACK) {
		t.Errorf("err = %v, want ErrAbsent wrapping the bus error", err)
	}
	drivertest.Done(t, b)
}

// TestNewWrongChip: a calibration that reads back 0 wraps ErrWrongChip.
func TestNewWrongChip(t *testing.T) {
	ops := append([]i2ctest.IO(nil), newOps[:2]...)
	b := drivertest.NewBus(append(ops, rd(0x05, 0, 0)))
	_, err := New(b, addr, feed, (&clock{}).now)
	if !errors.Is(err, drivers.ErrWrongChip) {
		t.Errorf("err = %v, want ErrWrongChip", err)
	}
	drivertest.Done(t, b)
}

// TestGoodRead: 12.0 V and 5.00 A read as 12286 power counts, 59.99 W
// (60 W less the shunt's 0.06 % truncations), OK, stamped by the clock.
func TestGoodRead(t *testing.T) {
	c := &clock{}
	m, b, _ := newMeter(t, c, busGood, power60W, calGood)
	check(t, "good", m.Feed(), hal.StatusOK, 12286*m.PowerLSB(), sec(1))
	if s := m.last; math.Abs(float64(s.Value)-60) > 0.06 {
		t.Errorf("%v W, want 60 W within 0.1 %%", s.Value)
	}
	drivertest.Done(t, b)
}

// TestChipReset: after a reset the calibration reads 0 and the power 0:
// StatusFault with the old 60 W, the configuration and calibration written
// again; the next conversion reads good again.
func TestChipReset(t *testing.T) {
	c := &clock{}
	m, b, _ := newMeter(t, c,
		busGood, power60W, calGood,
		busGood, rd(0x03, 0, 0), rd(0x05, 0, 0), // reset: power 0, calibration 0
		w(0x00, 0x2D, 0xDF), w(0x05, 0x41, 0x88),
		rd(0x02, 0x5D, 0xC0), // CNVR clear: the rewrite restarted the conversion
		busGood, power60W, calGood,
	)
	good := m.Feed()
	check(t, "before", good, hal.StatusOK, float64(good.Value), sec(1))
	check(t, "reset", m.Feed(), hal.StatusFault, float64(good.Value), sec(2))
	check(t, "no conversion yet", m.Feed(), hal.StatusFault, float64(good.Value), sec(2))
	check(t, "after", m.Feed(), hal.StatusOK, float64(good.Value), sec(3)) // the unchanged sample read no clock
	drivertest.Done(t, b)
}

// TestOverflow: OVF set: StatusRange, the power register not read, the
// calibration still checked, the old Value kept.
func TestOverflow(t *testing.T) {
	c := &clock{}
	m, b, _ := newMeter(t, c, rd(0x02, 0x5D, 0xC3), calGood)
	check(t, "overflow", m.Feed(), hal.StatusRange, 0, sec(1))
	drivertest.Done(t, b)
}

// TestBusError: a failed transaction at each step is StatusBus with the
// old Value and a new At.
func TestBusError(t *testing.T) {
	c := &clock{}
	m, b, fail := newMeter(t, c,
		busGood, power60W, calGood,
		busGood,
		busGood, power60W,
		busGood, power60W, calGood,
	)
	fail(3, 5, 8)
	good := m.Feed()
	for i, what := range []string{"bus voltage", "power", "calibration"} {
		check(t, what, m.Feed(), hal.StatusBus, float64(good.Value), sec(i+2))
	}
	drivertest.Done(t, b)
}
