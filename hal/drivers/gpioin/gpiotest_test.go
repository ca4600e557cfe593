// These tests run on periph's own fake pin, gpiotest.Pin.
package gpioin

import (
	"context"
	"errors"
	"testing"
	"time"

	"hearth/hal"
	"hearth/units"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// PinEdges on periph's fake pin: the direction is the level after the
// edge, Seq counts, the stamp is the clock's on waking; a wait with no
// edge is no edge and no error; a zero timeout is refused, never passed on.
func TestPinEdgesOnGpiotest(t *testing.T) {
	clk := &clock{t: t1}
	pin := &gpiotest.Pin{N: "GPIO17", Num: 17, EdgesChan: make(chan gpio.Level, 4)}
	pe, err := NewPinEdges(pin, gpio.PullDown, gpio.BothEdges, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	pin.EdgesChan <- gpio.High
	pin.EdgesChan <- gpio.Low
	pin.EdgesChan <- gpio.High
	for i, want := range []bool{true, false, true} {
		e, ok, err := pe.Next(time.Second)
		if !ok || err != nil || e.Rising != want || e.Seq != uint32(i+1) || e.At != t1 {
			t.Errorf("edge %d: %+v %v %v, want rising %v", i, e, ok, err, want)
		}
	}
	if _, ok, err := pe.Next(time.Millisecond); ok || err != nil {
		t.Errorf("no edge: %v %v, want none, no error", ok, err)
	}
	if _, _, err := pe.Next(0); !errors.Is(err, ErrTimeout) {
		t.Errorf("Next(0): %v, want ErrTimeout", err)
	}
	if _, err := NewPinEdges(pin, gpio.PullDown, gpio.NoEdge, clk.now); err == nil {
		t.Error("NewPinEdges with NoEdge: no error")
	}
}

// Flow end to end on periph's fake pin: 56 rising edges stamped 1/55 s
// apart read 10 L/min.
func TestFlowOnGpiotest(t *testing.T) {
	pin := &gpiotest.Pin{N: "GPIO27", Num: 27, EdgesChan: make(chan gpio.Level, 64)}
	var stamp units.Time
	stamps := func() units.Time { // the edges' clock: 1/55 s per edge
		stamp = stamp.Add(units.DurationOf(1.0 / 55))
		return stamp
	}
	pe, err := NewPinEdges(pin, gpio.PullDown, gpio.RisingEdge, stamps)
	if err != nil {
		t.Fatal(err)
	}
	for range 56 {
		pin.EdgesChan <- gpio.High
	}
	clk := &clock{}
	u := &until{src: pe, left: 56}
	f := NewFlow(u, flowCfg, clk.now)
	ctx, cancel := context.WithCancel(context.Background())
	u.cancel = cancel
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("Run did not end with its context")
	}
	clk.set(stamp)
	if got := f.Flow(); got.Status != hal.StatusOK || !near(float64(got.Value), 10, 0.001) {
		t.Errorf("got %+v, want 10 L/min ok", got)
	}
}
