//go:build linux

package gpioin

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/warthog618/go-gpiocdev"
	"periph.io/x/conn/v3/gpio"

	"hearth/hal"
	"hearth/hal/drivers"
	"hearth/units"
)

// TestKernelEdgesStampedByTheKernel: an edge is stamped when the kernel
// saw it, however late it is read: a reader that wakes 40 ms late finds
// three queued edges 18.2 ms apart, not bunched at its wake-up.
func TestKernelEdgesStampedByTheKernel(t *testing.T) {
	ctrl := units.Time(10 * units.Second) // the controller's clock
	mono := 500 * time.Second             // the kernel's
	k := newKernelEdges(func() units.Time { return ctrl }, func() time.Duration { return mono })
	for i := 0; i < 3; i++ {
		k.push(gpiocdev.LineEvent{Timestamp: mono - 40*time.Millisecond + time.Duration(i)*18200*time.Microsecond,
			Type: gpiocdev.LineEventRisingEdge, LineSeqno: uint32(7 + i)})
	}
	var prev units.Time
	for i := 0; i < 3; i++ {
		e, ok, err := k.Next(time.Second)
		if err != nil || !ok || !e.Rising || e.Seq != uint32(7+i) {
			t.Fatalf("edge %d: %+v %v %v", i, e, ok, err)
		}
		want := ctrl - units.Time(40*units.Millisecond) + units.Time(i)*units.Time(18200*1000)
		if e.At != want {
			t.Errorf("edge %d at %v, want %v", i, e.At, want)
		}
		if i > 0 && e.At-prev != units.Time(18200*1000) {
			t.Errorf("interval %v", e.At-prev)
		}
		prev = e.At
	}
	if _, ok, err := k.Next(10 * time.Millisecond); ok || err != nil {
		t.Errorf("an empty queue gave an edge, or an error: %v %v", ok, err)
	}
	if _, _, err := k.Next(0); !errors.Is(err, ErrTimeout) {
		t.Errorf("Next(0): %v", err)
	}
}

// TestKernelEdgesGapsAndDrops: a gap in the kernel's sequence is counted
// as missed edges by the flow meter; a full queue drops and counts.
func TestKernelEdgesGapsAndDrops(t *testing.T) {
	now := units.Time(0)
	mono := time.Duration(0)
	k := newKernelEdges(func() units.Time { return now }, func() time.Duration { return mono })
	for i, seq := range []uint32{1, 2, 3, 6, 7} { // 4 and 5 lost by the kernel
		k.push(gpiocdev.LineEvent{Timestamp: time.Duration(i) * 20 * time.Millisecond, Type: gpiocdev.LineEventRisingEdge, LineSeqno: seq})
	}
	mono, now = 100*time.Millisecond, units.Time(100*units.Millisecond)
	f := NewFlow(k, FlowConfig{PulsesPerLitre: 330, Timeout: 2 * units.Second, MaxLPM: 40}, func() units.Time { return now })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	for f.Stats().Edges < 5 {
		time.Sleep(time.Millisecond) // ends when the counter has read the five; the test's deadline catches a hang
	}
	cancel()
	<-done
	if st := f.Stats(); st.Missed != 2 {
		t.Errorf("stats %+v, want 2 missed", st)
	}
	if s := f.Flow(); s.Status != hal.StatusOK {
		t.Errorf("flow %+v", s)
	}
	for i := 0; i < eventQueue+3; i++ {
		k.push(gpiocdev.LineEvent{LineSeqno: uint32(100 + i)})
	}
	if k.Dropped() != 3 {
		t.Errorf("dropped %d, want 3", k.Dropped())
	}
}

// TestKernelEdgesNoChip: on a machine without the labelled chip the error
// names the label and wraps ErrAbsent.
func TestKernelEdgesNoChip(t *testing.T) {
	k, err := NewKernelEdges("pinctrl-bcm2711", 17, gpio.PullUp, gpio.RisingEdge, func() units.Time { return 0 })
	switch {
	case err == nil:
		k.Close()
		t.Skip("this machine has a chip so labelled")
	case !errors.Is(err, drivers.ErrAbsent) || !strings.Contains(err.Error(), `"pinctrl-bcm2711"`):
		t.Errorf("error %v: want ErrAbsent naming the label", err)
	}
}
