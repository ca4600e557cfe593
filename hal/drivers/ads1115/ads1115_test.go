package ads1115

import (
	"errors"
	"math"
	"runtime"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c/i2ctest"

	"hearth/hal"
	"hearth/hal/drivers"
	"hearth/units"
)

const addr = 0x48

// bench is a fake clock and a fake sleep: each sleep is recorded and moves
// the clock on by its length, so the samples' At shows the wait.
type bench struct {
	t      units.Time
	sleeps []time.Duration
}

func (b *bench) now() units.Time { return b.t }

func (b *bench) sleep(d time.Duration) {
	b.sleeps = append(b.sleeps, d)
	b.t = b.t.Add(units.Duration(d))
}

// The transactions of a conversion, byte for byte.
var (
	opNew = i2ctest.IO{Addr: addr, W: []byte{0x01}, R: []byte{0x85, 0x83}} // power-on config
	// Start a single-shot conversion of AIN0: OS | MUX 100 | PGA 000 |
	// single | 128 SPS | comparator off = 0xC183.
	opStart0 = i2ctest.IO{Addr: addr, W: []byte{0x01, 0xC1, 0x83}}
	// The configuration polled: OS set, the conversion is done.
	opReady0 = i2ctest.IO{Addr: addr, W: []byte{0x01}, R: []byte{0xC1, 0x83}}
	// OS clear: still converting.
	opBusy0 = i2ctest.IO{Addr: addr, W: []byte{0x01}, R: []byte{0x41, 0x83}}
)

// opResult is the conversion register read returning code.
func opResult(code int16) i2ctest.IO {
	return i2ctest.IO{Addr: addr, W: []byte{0x00}, R: []byte{byte(uint16(code) >> 8), byte(code)}}
}

// conversion0 is a whole conversion of AIN0 that is ready at the first poll.
func conversion0(code int16) []i2ctest.IO {
	return []i2ctest.IO{opStart0, opReady0, opResult(code)}
}

// code is the ADC's code for v volts at ±6.144 V.
func code(v float64) int16 { return int16(math.Round(v / VoltsPerCode)) }

// newADC makes an ADC over a playback of New's config read and ops.
func newADC(t *testing.T, ops ...i2ctest.IO) (*ADC, *i2ctest.Playback, *bench) {
	t.Helper()
	p := &i2ctest.Playback{Ops: append([]i2ctest.IO{opNew}, ops...)}
	b := &bench{t: units.Time(1000 * units.Second)}
	a, err := New(p, addr, b.now)
	if err != nil {
		t.Fatal(err)
	}
	a.sleep = b.sleep
	return a, p, b
}

func closed(t *testing.T, p *i2ctest.Playback) {
	t.Helper()
	if err := p.Close(); err != nil {
		t.Error(err)
	}
}

// TestPressureGood: 2.5 V (code 13333 = 0x3415, 2.4999375 V) is 2.0 bar
// within one code (187.5 µV, 0.19 mbar); the wait is the 9 ms margin, and
// At is after it.
func TestPressureGood(t *testing.T) {
	if code(2.5) != 0x3415 {
		t.Fatalf("code(2.5 V) = %#x", code(2.5))
	}
	a, p, b := newADC(t, opStart0, opReady0, i2ctest.IO{Addr: addr, W: []byte{0x00}, R: []byte{0x34, 0x15}})
	start := b.t
	s := a.Pressure(0, Transducer4Bar()).Pressure()
	if s.Status != hal.StatusOK || math.Abs(float64(s.Value-2)) > 1.875e-4 {
		t.Errorf("2.5 V: %+v, want 2.0 bar", s)
	}
	if len(b.sleeps) != 1 || b.sleeps[0] != 9*time.Millisecond || s.At != start.Add(9*units.Millisecond) {
		t.Errorf("waited %v, At %v: want one 9 ms wait, At %v", b.sleeps, s.At, start.Add(9*units.Millisecond))
	}
	closed(t, p)
}

// TestConversionPolled: while the OS bit reads 0 the configuration is
// polled again 1 ms later; the conversion register is read only once OS is 1.
func TestConversionPolled(t *testing.T) {
	a, p, b := newADC(t, opStart0, opBusy0, opBusy0, opReady0, opResult(code(1.5)))
	s := a.Pressure(0, Transducer4Bar()).Pressure()
	if s.Status != hal.StatusOK || math.Abs(float64(s.Value-1)) > 1.875e-4 {
		t.Errorf("1.5 V: %+v, want 1.0 bar", s)
	}
	want := []time.Duration{9 * time.Millisecond, time.Millisecond, time.Millisecond}
	if len(b.sleeps) != len(want) || b.sleeps[0] != want[0] || b.sleeps[1] != want[1] || b.sleeps[2] != want[2] {
		t.Errorf("waited %v, want %v", b.sleeps, want)
	}
	closed(t, p)
}

// TestConversionNeverReady: four polls with OS 0 (12 ms in all) are a
// fault, and the conversion register is not read.
func TestConversionNeverReady(t *testing.T) {
	a, p, b := newADC(t, opStart0, opBusy0, opBusy0, opBusy0, opBusy0)
	start := b.t
	if s := a.Pressure(0, Transducer4Bar()).Pressure(); s.Status != hal.StatusFault {
		t.Errorf("never ready: %+v, want fault", s)
	}
	if b.t.Sub(start) != 12*units.Millisecond {
		t.Errorf("waited %v in all, want 12 ms", b.sleeps)
	}
	closed(t, p)
}

// TestResetMidConversion: a poll that reads the power-on configuration
// 0x8583 (OS set, but MUX AIN0-AIN1, PGA ±2.048 V) is a fault: the chip
// reset and its conversion register is not our measurement.
func TestResetMidConversion(t *testing.T) {
	a, p, _ := newADC(t, opStart0, i2ctest.IO{Addr: addr, W: []byte{0x01}, R: []byte{0x85, 0x83}})
	if s := a.Pressure(0, Transducer4Bar()).Pressure(); s.Status != hal.StatusFault {
		t.Errorf("reset: %+v, want fault", s)
	}
	closed(t, p)
}

// TestPressureWiringFaults: 0.1 V (code 533) is open, 4.9 V (code 26133)
// short, a code of -1 open: none is a pressure, and each keeps the last good
// value.
func TestPressureWiringFaults(t *testing.T) {
	var ops []i2ctest.IO
	for _, v := range []float64{2.5, 0.1, 4.9} {
		ops = append(ops, conversion0(code(v))...)
	}
	ops = append(ops, conversion0(-1)...)
	a, p, _ := newADC(t, ops...)
	ps := a.Pressure(0, Transducer4Bar())
	good := ps.Pressure()
	for _, want := range []hal.Status{hal.StatusOpen, hal.StatusShort, hal.StatusOpen} {
		if s := ps.Pressure(); s.Status != want || s.Value != good.Value {
			t.Errorf("%+v, want %v with %v", s, want, good.Value)
		}
	}
	closed(t, p)
}

// TestBusError: a failed transaction at each step (the start, the poll, the
// conversion read: the playback runs out, as a NACK would fail) is
// StatusBus with the last good value and the new time.
func TestBusError(t *testing.T) {
	for n := range 3 {
		ops := append(conversion0(code(2.5)), conversion0(code(3))[:n]...)
		a, p, b := newADC(t, ops...)
		p.DontPanic = true
		ps := a.Pressure(0, Transducer4Bar())
		good := ps.Pressure()
		b.t = b.t.Add(units.Second)
		s := ps.Pressure()
		if s.Status != hal.StatusBus || s.Value != good.Value || s.At < b.t {
			t.Errorf("failing at transaction %d: %+v, want bus with %v at %v", n, s, good.Value, b.t)
		}
	}
}

// TestPosition: channel 2 (config 0xE183), a 2-10 V signal through a 0.4
// divider: 0.8..4.0 V is 0..1, margins 0.2 V; 2.4 V is 0.5, 0.75 V
// (inside the margin) clamps to 0, 0.5 V is open and 4.3 V short.
func TestPosition(t *testing.T) {
	var ops []i2ctest.IO
	for _, v := range []float64{2.4, 0.75, 0.5, 4.3} {
		ops = append(ops,
			i2ctest.IO{Addr: addr, W: []byte{0x01, 0xE1, 0x83}},
			i2ctest.IO{Addr: addr, W: []byte{0x01}, R: []byte{0xE1, 0x83}},
			opResult(code(v)))
	}
	a, p, _ := newADC(t, ops...)
	in := a.Ratio(2, 0.8, 4.0)
	for _, c := range []struct {
		st hal.Status
		v  units.Ratio
	}{{hal.StatusOK, 0.5}, {hal.StatusOK, 0}, {hal.StatusOpen, 0}, {hal.StatusShort, 0}} {
		if s := in.Read(); s.Status != c.st || math.Abs(float64(s.Value-c.v)) > 1e-4 {
			t.Errorf("%+v, want %v %v", s, c.st, c.v)
		}
	}
	closed(t, p)
}

// TestChannels: the MUX field of each channel's start, AIN0..AIN3 against
// ground.
func TestChannels(t *testing.T) {
	for ch, want := range []uint16{0xC183, 0xD183, 0xE183, 0xF183} {
		if got := config(ch); got != want {
			t.Errorf("config(%d) = %#04x, want %#04x", ch, got, want)
		}
	}
}

// TestInvalidInputs: a channel outside 0..3 or a bad calibration or span
// reads StatusFault without touching the bus.
func TestInvalidInputs(t *testing.T) {
	a, p, _ := newADC(t)
	bad := Transducer4Bar()
	bad.FaultLowV = 0.6
	for _, ps := range []hal.PressureSensor{a.Pressure(4, Transducer4Bar()), a.Pressure(-1, Transducer4Bar()), a.Pressure(0, bad)} {
		if s := ps.Pressure(); s.Status != hal.StatusFault {
			t.Errorf("%+v, want fault", s)
		}
	}
	for _, in := range []RatioInput{a.Ratio(4, 0.8, 4), a.Ratio(0, 4, 0.8), a.Ratio(0, 0.8, 6), a.Ratio(0, math.NaN(), 4)} {
		if s := in.Read(); s.Status != hal.StatusFault {
			t.Errorf("%+v, want fault", s)
		}
	}
	closed(t, p)
}

// TestNew: addresses outside 0x48..0x4B are refused without a transaction;
// the power-on configuration and our own (even mid-conversion, OS 0, on any
// channel) are accepted; no answer wraps ErrAbsent, another value
// ErrWrongChip.
func TestNew(t *testing.T) {
	clk := (&bench{}).now
	for _, ad := range []uint16{0x47, 0x4C, 0x00, 0x90} {
		p := &i2ctest.Playback{DontPanic: true}
		if _, err := New(p, ad, clk); err == nil || p.Count != 0 {
			t.Errorf("address %#x: %v after %d transactions, want refused before any", ad, err, p.Count)
		}
	}
	for _, c := range []struct {
		r    []byte
		want error
	}{
		{[]byte{0x85, 0x83}, nil},
		{[]byte{0xC1, 0x83}, nil},
		{[]byte{0x71, 0x83}, nil},
		{[]byte{0x00, 0x00}, drivers.ErrWrongChip},
		{[]byte{0xFF, 0xFF}, drivers.ErrWrongChip},
		{[]byte{0xC3, 0x83}, drivers.ErrWrongChip}, // PGA ±4.096 V: not ours
		{nil, drivers.ErrAbsent},
	} {
		p := &i2ctest.Playback{DontPanic: true}
		if c.r != nil {
			p.Ops = []i2ctest.IO{{Addr: 0x4B, W: []byte{0x01}, R: c.r}}
		}
		_, err := New(p, 0x4B, clk)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("config reads % x: %v, want %v", c.r, err, c.want)
		}
	}
}

// TestSerialised: two inputs on one chip read from two goroutines: their
// conversions never interleave (the playback would see a start where it
// expects a poll), and every sample is good.
func TestSerialised(t *testing.T) {
	const n = 50
	var ops []i2ctest.IO
	for range 2 * n {
		ops = append(ops, conversion0(code(2.5))...)
	}
	p := &i2ctest.Playback{Ops: append([]i2ctest.IO{opNew}, ops...), DontPanic: true}
	a, err := New(p, addr, func() units.Time { return 0 })
	if err != nil {
		t.Fatal(err)
	}
	a.sleep = func(time.Duration) { runtime.Gosched() }
	var wg sync.WaitGroup
	for range 2 {
		ps := a.Pressure(0, Transducer4Bar())
		wg.Go(func() {
			for range n {
				if s := ps.Pressure(); s.Status != hal.StatusOK {
					t.Errorf("concurrent read: %+v", s)
					return
				}
			}
		})
	}
	wg.Wait()
	closed(t, p)
}
