package gpioin

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"hearth/hal"
	"hearth/hal/drivers"
	"hearth/units"

	"periph.io/x/conn/v3/gpio"
)

// PinEdges on a fake pin: the direction is the level after the
// edge, Seq counts, the stamp is the clock's on waking; a wait with no
// edge is no edge and no error; a zero timeout is refused, never passed on.
func TestPinEdgesFakePin(t *testing.T) {
	clk := &clock{t: t1}
	pin := &fakePin{N: "GPIO17", EdgesChan: make(chan gpio.Level, 4)}
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
	wall := time.Unix(0, 0)
	pe.clock = func() time.Time { // the fake pin does not wait: its timeouts take the whole timeout
		wall = wall.Add(time.Millisecond)
		return wall
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

// deadPin is a pin whose WaitForEdge fails at once, as gpioioctl's does on
// a line it cannot read (it returns false, as on a timeout).
type deadPin struct{ fakePin }

func (*deadPin) WaitForEdge(time.Duration) bool { return false }

// A false that comes back at once is a failure, not a timeout.
func TestPinEdgesEarlyFalse(t *testing.T) {
	clk := &clock{}
	pe, err := NewPinEdges(&deadPin{fakePin{N: "GPIO5"}}, gpio.PullUp, gpio.RisingEdge, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	still := time.Unix(0, 0)
	pe.clock = func() time.Time { return still } // no time passes
	if _, ok, err := pe.Next(time.Second); ok || err == nil {
		t.Errorf("dead pin: %v %v, want an error", ok, err)
	}
}

// until passes on a source's edges and ends the run after n of them.
type until struct {
	src    Edges
	left   int
	cancel context.CancelFunc
}

func (u *until) Next(timeout time.Duration) (Edge, bool, error) {
	if u.left == 0 {
		u.cancel()
		return Edge{}, false, nil
	}
	e, ok, err := u.src.Next(timeout)
	if ok {
		u.left--
	}
	return e, ok, err
}

// Flow end to end on a fake pin: 56 rising edges stamped 1/55 s
// apart read 10 L/min.
func TestFlowOnFakePin(t *testing.T) {
	pin := &fakePin{N: "GPIO27", EdgesChan: make(chan gpio.Level, 64)}
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

// A chip not found by label: the error names the label and the labels
// there are, and wraps ErrAbsent.
func TestChipNotFound(t *testing.T) {
	chips := []labelled{"pinctrl-bcm2711", "raspberrypi-exp-gpio"}
	_, err := findChip("pinctrl-rp1", chips)
	if !errors.Is(err, drivers.ErrAbsent) {
		t.Fatalf("err %v, want ErrAbsent", err)
	}
	for _, s := range []string{`"pinctrl-rp1"`, `"pinctrl-bcm2711"`, `"raspberrypi-exp-gpio"`} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("err %q does not name %s", err, s)
		}
	}
	if c, err := findChip("pinctrl-bcm2711", chips); err != nil || c != "pinctrl-bcm2711" {
		t.Errorf("found %q %v", c, err)
	}
	// On this machine (no /dev/gpiochip*, or no chip so labelled) the real
	// lookup fails the same way.
	if _, err := Line("hearth-no-such-chip", 17); !errors.Is(err, drivers.ErrAbsent) || !strings.Contains(err.Error(), "hearth-no-such-chip") {
		t.Errorf("Line: %v, want ErrAbsent naming the label", err)
	}
}

type labelled string

func (l labelled) Label() string { return string(l) }
