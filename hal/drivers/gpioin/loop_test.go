package gpioin

import (
	"errors"
	"testing"

	"hearth/hal"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// reads calls Leak n times and returns the last sample.
func reads(l *Loop, n int) hal.Sample[bool] {
	var s hal.Sample[bool]
	for range n {
		s = l.Leak()
	}
	return s
}

// A closed loop (High) is dry, an open one (Low: open, broken wire) is a
// leak, each after LoopDebounce equal reads; before that, missing and true.
// A glitch shorter than the debounce changes nothing.
func TestLoopClosedOpen(t *testing.T) {
	clk := &clock{t: t1}
	pin := &gpiotest.Pin{N: "GPIO22", L: gpio.High}
	l := NewLoop(pin, true, clk.now)
	if s := reads(l, LoopDebounce-1); s.Status != hal.StatusMissing || !s.Value {
		t.Errorf("before the debounce: %+v, want missing, true", s)
	}
	if s := l.Leak(); s.Status != hal.StatusOK || s.Value || s.At != t1 {
		t.Errorf("closed: %+v, want dry ok", s)
	}
	_ = pin.Out(gpio.Low)
	if s := reads(l, LoopDebounce-1); s.Value {
		t.Errorf("a glitch: %+v, want still dry", s)
	}
	_ = pin.Out(gpio.High)
	if s := l.Leak(); s.Value {
		t.Errorf("after a glitch: %+v, want dry", s)
	}
	_ = pin.Out(gpio.Low)
	if s := reads(l, LoopDebounce); s.Status != hal.StatusOK || !s.Value {
		t.Errorf("open: %+v, want leak ok", s)
	}
	// A normally open contact: closed is the alarm.
	no := NewLoop(&gpiotest.Pin{N: "GPIO23", L: gpio.High}, false, clk.now)
	if s := reads(no, LoopDebounce); s.Status != hal.StatusOK || !s.Value {
		t.Errorf("activeOpen false, closed: %+v, want alarm", s)
	}
}

// failingPin is a pin whose read can fail.
type failingPin struct {
	gpiotest.Pin
	err error
}

func (p *failingPin) ReadLevel() (gpio.Level, error) { return p.Read(), p.err }

// A failed read is StatusBus and reads as a leak (fail safe), and
// restarts the debounce.
func TestLoopReadError(t *testing.T) {
	clk := &clock{}
	pin := &failingPin{Pin: gpiotest.Pin{N: "GPIO24", L: gpio.High}}
	l := NewLoop(pin, true, clk.now)
	if s := reads(l, LoopDebounce); s.Status != hal.StatusOK || s.Value {
		t.Fatalf("closed: %+v, want dry", s)
	}
	pin.err = errors.New("ioctl failed")
	if s := l.Leak(); s.Status != hal.StatusBus || !s.Value {
		t.Errorf("read error: %+v, want bus, leak", s)
	}
	pin.err = nil
	if s := l.Leak(); s.Status != hal.StatusOK || s.Value {
		t.Errorf("read again: %+v, want dry (debounced state kept)", s)
	}
}
