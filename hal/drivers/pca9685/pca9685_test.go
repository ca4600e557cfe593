package pca9685

import (
	"errors"
	"hearth/hal/drivers/drivertest"
	"math"
	"testing"

	"hearth/hal/drivers"
	"hearth/units"

	"periph.io/x/conn/v3/i2c/i2ctest"
)

const addr = 0x40

func w(bs ...byte) i2ctest.IO { return i2ctest.IO{Addr: addr, W: bs} }

func rd(reg byte, bs ...byte) i2ctest.IO { return i2ctest.IO{Addr: addr, W: []byte{reg}, R: bs} }

// leds returns the 64 channel register bytes: every channel fully off
// (OFF_H bit 4, the chip's power-on value) but those in set.
func leds(set map[int][4]byte) []byte {
	b := make([]byte, 0, 64)
	for ch := 0; ch < 16; ch++ {
		r, ok := set[ch]
		if !ok {
			r = [4]byte{0, 0, 0, 0x10}
		}
		b = append(b, r[:]...)
	}
	return b
}

// setupOps is what set-up writes for a 1 kHz prescale (0x05) and channels.
func setupOps(ch []byte) []i2ctest.IO {
	return []i2ctest.IO{
		w(0x00, 0x30), // MODE1: AI | SLEEP, ALLCALL off
		w(0x01, 0x04), // MODE2: OUTDRV (totem pole)
		w(0xFE, 0x05), // PRE_SCALE
		w(append([]byte{0x06}, ch...)...),
		w(0x00, 0x20), // MODE1: AI, awake
		w(0x00, 0xA0), // MODE1: RESTART
	}
}

// verifyOps is the read-back of a healthy chip at 1 kHz holding ch.
func verifyOps(ch []byte) []i2ctest.IO {
	return []i2ctest.IO{rd(0x00, 0x20), rd(0x01, 0x04), rd(0xFE, 0x05), rd(0x06, ch...)}
}

func newOps() []i2ctest.IO {
	ops := []i2ctest.IO{rd(0x00, 0x11)} // MODE1 at power-on: SLEEP | ALLCALL
	ops = append(ops, setupOps(leds(nil))...)
	return append(ops, verifyOps(leds(nil))...)
}

// newDev builds a Dev on newOps followed by more.
func newDev(t *testing.T, more ...i2ctest.IO) (*Dev, *drivertest.FaultBus) {
	t.Helper()
	b := drivertest.NewBus(append(newOps(), more...))
	d, err := New(b, addr, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return d, b
}

// TestNew: New's transactions byte for byte, the 1 kHz prescale 0x05 and
// the actual frequency 25 MHz/(4096·6) = 1017.25 Hz.
func TestNew(t *testing.T) {
	d, b := newDev(t)
	drivertest.Done(t, b)
	if f := d.Frequency(); math.Abs(f-1017.2526) > 0.001 {
		t.Errorf("Frequency = %v, want 1017.25", f)
	}
}

// TestPrescale: the prescale formula against the datasheet's 200 Hz
// power-on value 0x1E, the chip's limits, and frequencies the prescale
// steps miss by more than 5 % (1400 Hz would run at 1526 Hz).
func TestPrescale(t *testing.T) {
	for _, c := range []struct {
		f  float64
		p  byte
		ok bool
	}{
		{1000, 0x05, true}, {200, 0x1E, true}, {50, 121, true}, {24, 253, true}, {1526, 3, true},
		{1400, 0, false}, {1700, 0, false}, {20, 0, false}, {0, 0, false}, {-5, 0, false}, {math.NaN(), 0, false}, {math.Inf(1), 0, false},
	} {
		if p, ok := Prescale(c.f); p != c.p || ok != c.ok {
			t.Errorf("Prescale(%v) = %#x, %v; want %#x, %v", c.f, p, ok, c.p, c.ok)
		}
	}
}

// TestNewRefused: bad addresses and frequencies are refused before any
// transaction (the empty playback would fail one).
func TestNewRefused(t *testing.T) {
	for _, c := range []struct {
		a uint16
		f float64
	}{{0x70, 1000}, {0x3F, 1000}, {0x80, 1000}, {0x40, 2000}, {0x40, math.NaN()}} {
		b := drivertest.NewBus(nil)
		if _, err := New(b, c.a, c.f); err == nil {
			t.Errorf("New(%#x, %v) accepted", c.a, c.f)
		}
		drivertest.Done(t, b)
	}
}

// TestNewAbsent: no acknowledge on the first read wraps ErrAbsent.
func TestNewAbsent(t *testing.T) {
	b := drivertest.NewBus([]i2ctest.IO{rd(0x00, 0)}, 0)
	_, err := New(b, addr, 1000)
	if !errors.Is(err, drivers.ErrAbsent) || !errors.Is(err, drivertest.ErrNACK) {
		t.Errorf("err = %v, want ErrAbsent wrapping the bus error", err)
	}
	drivertest.Done(t, b)
}

// TestNewWrongPrescale: a PRE_SCALE that reads back 0x1E (the power-on
// 200 Hz) where 0x05 was written is refused as the wrong chip.
func TestNewWrongPrescale(t *testing.T) {
	ops := []i2ctest.IO{rd(0x00, 0x11)}
	ops = append(ops, setupOps(leds(nil))...)
	ops = append(ops, rd(0x00, 0x20), rd(0x01, 0x04), rd(0xFE, 0x1E))
	b := drivertest.NewBus(ops)
	_, err := New(b, addr, 1000)
	if !errors.Is(err, drivers.ErrWrongChip) {
		t.Errorf("err = %v, want ErrWrongChip", err)
	}
	drivertest.Done(t, b)
}

// TestNewBusError: a bus error during set-up is returned, neither absent
// nor wrong chip.
func TestNewBusError(t *testing.T) {
	b := drivertest.NewBus([]i2ctest.IO{rd(0x00, 0x11), w(0x00, 0x30)}, 1)
	_, err := New(b, addr, 1000)
	if !errors.Is(err, drivertest.ErrNACK) || errors.Is(err, drivers.ErrAbsent) || errors.Is(err, drivers.ErrWrongChip) {
		t.Errorf("err = %v, want the bus error only", err)
	}
	drivertest.Done(t, b)
}

// TestProfileADuty: each speed lands in its VDMA 24224 profile-A band,
// never in the hysteresis band, and the linear band is 84 % − 74 %·speed.
func TestProfileADuty(t *testing.T) {
	for _, c := range []struct {
		speed, duty units.Ratio
	}{
		{1, 0.05}, {2, 0.05}, {units.Ratio(math.NaN()), 0.05}, {units.Ratio(math.Inf(1)), 0.05},
		{0.999, 0.84 - 0.74*0.999}, {0.5, 0.47}, {MinSpeed, 0.84 - 0.74*MinSpeed},
		{0.049, 0.88}, {1e-9, 0.88},
		{0, 0.98}, {-1, 0.98}, {units.Ratio(math.Inf(-1)), 0.98},
	} {
		got := ProfileADuty(c.speed)
		if math.Abs(float64(got-c.duty)) > 1e-12 {
			t.Errorf("ProfileADuty(%v) = %v, want %v", c.speed, got, c.duty)
		}
		if got > 0.91 && got <= 0.95 {
			t.Errorf("ProfileADuty(%v) = %v in the hysteresis band", c.speed, got)
		}
	}
	prev := ProfileADuty(0)
	for s := units.Ratio(0.001); s <= 1; s += 0.001 { // speed up, duty down: never slower for more
		if d := ProfileADuty(s); d > prev+1e-12 {
			t.Fatalf("ProfileADuty(%v) = %v > %v: not monotone", s, d, prev)
		}
		prev = ProfileADuty(s)
	}
}

// TestPumpBands: the LED0/LED3 registers written for each profile-A band,
// straight (channel 0) and through an inverting stage (channel 3, 1 − duty).
func TestPumpBands(t *testing.T) {
	d, b := newDev(t,
		w(0x06, 0, 0, 0xCD, 0x00), // speed 1: 5 %, 205/4096: maximum speed
		w(0x06, 0, 0, 0x85, 0x07), // speed 0.5: 47 %, 1925/4096: linear band
		w(0x06, 0, 0, 0x14, 0x0E), // speed 0.01: 88 %, 3604/4096: minimum band
		w(0x06, 0, 0, 0xAE, 0x0F), // speed 0: 98 %, 4014/4096: standby
		w(0x12, 0, 0, 0x33, 0x0F), // inverted speed 1: chip 95 %, 3891/4096
		w(0x12, 0, 0, 0x52, 0x00), // inverted speed 0: chip 2 %, 82/4096
		w(0x12, 0, 0, 0x7B, 0x08), // inverted speed 0.5: chip 53 %, 2171/4096
	)
	p, inv := d.Pump(0, false), d.Pump(3, true)
	for _, s := range []units.Ratio{1, 0.5, 0.01, 0} {
		if err := p.SetSpeed(s); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []units.Ratio{1, 0, 0.5} {
		if err := inv.SetSpeed(s); err != nil {
			t.Fatal(err)
		}
	}
	drivertest.Done(t, b)
}

// TestLinear: 0 and 1 use the full-off and full-on bits, a ratio between
// has 12 bits, out-of-range ratios clamp, NaN is refused unwritten, and
// invert runs the chip at 1 − ratio.
func TestLinear(t *testing.T) {
	d, b := newDev(t,
		w(0x0A, 0, 0, 0, 0x10), // ch 1, 0: full off
		w(0x0A, 0, 0x10, 0, 0), // ch 1, 1: full on
		w(0x0A, 0, 0, 0, 0x04), // ch 1, 0.25: 1024/4096
		w(0x0A, 0, 0x10, 0, 0), // ch 1, 1.5 clamps to 1
		w(0x0A, 0, 0, 0, 0x10), // ch 1, -0.1 clamps to 0
		w(0x42, 0, 0x10, 0, 0), // ch 15 inverted, 0: full on
		w(0x42, 0, 0, 0, 0x0C), // ch 15 inverted, 0.25: 3072/4096
	)
	l, inv := d.Linear(1, false), d.Linear(15, true)
	for _, r := range []units.Ratio{0, 1, 0.25, 1.5, -0.1} {
		if err := l.SetRatio(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.SetRatio(units.Ratio(math.NaN())); !errors.Is(err, ErrNaN) {
		t.Errorf("NaN: err = %v, want ErrNaN", err)
	}
	for _, r := range []units.Ratio{0, 0.25} {
		if err := inv.SetRatio(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Linear(16, false).SetRatio(0.5); err == nil {
		t.Error("channel 16 accepted")
	}
	if err := d.Pump(-1, false).SetSpeed(0.5); err == nil {
		t.Error("channel -1 accepted")
	}
	drivertest.Done(t, b)
}

// TestBusErrorThenRefresh: a channel write that fails returns the bus
// error; Refresh then finds the channel not holding its command and
// rewrites the channels (without sleeping the chip, the set-up being
// intact).
func TestBusErrorThenRefresh(t *testing.T) {
	want := leds(map[int][4]byte{0: {0, 0, 0x85, 0x07}})
	ops := append(newOps(), w(0x06, 0, 0, 0x85, 0x07))
	ops = append(ops, rd(0x00, 0x20), rd(0x01, 0x04), rd(0xFE, 0x05), rd(0x06, leds(nil)...))
	ops = append(ops, w(append([]byte{0x06}, want...)...))
	ops = append(ops, verifyOps(want)...)
	b := drivertest.NewBus(ops, len(newOps()))
	d, err := New(b, addr, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Pump(0, false).SetSpeed(0.5); !errors.Is(err, drivertest.ErrNACK) {
		t.Errorf("SetSpeed: err = %v, want the bus error", err)
	}
	if restored, err := d.Refresh(); !restored || err != nil {
		t.Errorf("Refresh = %v, %v; want true, nil", restored, err)
	}
	drivertest.Done(t, b)
}

// TestRefreshHealthy: a chip that reads back as written is only read.
func TestRefreshHealthy(t *testing.T) {
	d, b := newDev(t, verifyOps(leds(nil))...)
	if restored, err := d.Refresh(); restored || err != nil {
		t.Errorf("Refresh = %v, %v; want false, nil", restored, err)
	}
	drivertest.Done(t, b)
}

// TestRefreshBusError: a bus error during the read-back is returned and
// nothing is rewritten.
func TestRefreshBusError(t *testing.T) {
	b := drivertest.NewBus(append(newOps(), rd(0x00, 0)), len(newOps()))
	d, err := New(b, addr, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if restored, err := d.Refresh(); restored || !errors.Is(err, drivertest.ErrNACK) {
		t.Errorf("Refresh = %v, %v; want false, the bus error", restored, err)
	}
	drivertest.Done(t, b)
}

// TestRefreshReset: a chip reset (MODE1 0x11: asleep, ALLCALL; every
// output off) is found, the chip set up again with the pump's last command
// (47 % on channel 0) and read back.
func TestRefreshReset(t *testing.T) {
	want := leds(map[int][4]byte{0: {0, 0, 0x85, 0x07}})
	ops := append([]i2ctest.IO{w(0x06, 0, 0, 0x85, 0x07), rd(0x00, 0x11)}, setupOps(want)...)
	d, b := newDev(t, append(ops, verifyOps(want)...)...)
	if err := d.Pump(0, false).SetSpeed(0.5); err != nil {
		t.Fatal(err)
	}
	if restored, err := d.Refresh(); !restored || err != nil {
		t.Errorf("Refresh = %v, %v; want true, nil", restored, err)
	}
	drivertest.Done(t, b)
}

// TestRefreshRestoreFails: a chip whose prescale still reads wrong after
// the set-up is reported: restored, with an error naming PRE_SCALE.
func TestRefreshRestoreFails(t *testing.T) {
	ops := []i2ctest.IO{rd(0x00, 0x20), rd(0x01, 0x04), rd(0xFE, 0x1E)}
	ops = append(ops, setupOps(leds(nil))...)
	ops = append(ops, rd(0x00, 0x20), rd(0x01, 0x04), rd(0xFE, 0x1E))
	d, b := newDev(t, ops...)
	restored, err := d.Refresh()
	var m *mismatchError
	if !restored || !errors.As(err, &m) || m.reg != "PRE_SCALE" {
		t.Errorf("Refresh = %v, %v; want true and a PRE_SCALE mismatch", restored, err)
	}
	drivertest.Done(t, b)
}
