package gpioin

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"hearth/hal/drivers"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// deadPin is a pin whose WaitForEdge fails at once, as gpioioctl's does on
// a line it cannot read (it returns false, as on a timeout).
type deadPin struct{ gpiotest.Pin }

func (*deadPin) WaitForEdge(time.Duration) bool { return false }

// A false that comes back at once is a failure, not a timeout.
func TestPinEdgesEarlyFalse(t *testing.T) {
	clk := &clock{}
	pe, err := NewPinEdges(&deadPin{gpiotest.Pin{N: "GPIO5", EdgesChan: make(chan gpio.Level)}}, gpio.PullUp, gpio.RisingEdge, clk.now)
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
