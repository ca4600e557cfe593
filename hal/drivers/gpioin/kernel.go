//go:build linux

package gpioin

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/warthog618/go-gpiocdev"
	"golang.org/x/sys/unix"
	"periph.io/x/conn/v3/gpio"

	"hearth/hal/drivers"
	"hearth/units"
)

// KernelEdges is the edge source of one line on the GPIO character device
// through go-gpiocdev, which keeps what periph's gpioioctl drops: the
// kernel's timestamp of each edge (CLOCK_MONOTONIC) and its sequence
// number. Edges are stamped when the kernel saw them, so a goroutine that
// wakes late (a loaded Pi) does not bunch the edges it finds queued, and a
// gap in the sequence is edges the kernel's buffer lost. It is the Pi's
// edge source for the flow meters, the pumps' feedback and the fan's
// tachometer.
type KernelEdges struct {
	line    *gpiocdev.Line
	events  chan gpiocdev.LineEvent
	now     func() units.Time
	mono    func() time.Duration // CLOCK_MONOTONIC, the kernel's stamps' clock
	seq     uint32               // counted, for a kernel whose uAPI has no sequence numbers
	dropped atomic.Uint64        // events the channel had no room for
	timer   *time.Timer
}

// eventQueue holds the edges between two reads: 100 ms of a 220 Hz flow
// meter is 22.
const eventQueue = 256

// NewKernelEdges requests the line at offset on the chip labelled
// chipLabel as an input with pull and edge detection, its events stamped
// on the monotonic clock.
func NewKernelEdges(chipLabel string, offset int, pull gpio.Pull, edge gpio.Edge, now func() units.Time) (*KernelEdges, error) {
	name, err := chipByLabel(chipLabel)
	if err != nil {
		return nil, err
	}
	k := newKernelEdges(now, monotonic)
	opts := []gpiocdev.LineReqOption{gpiocdev.AsInput, gpiocdev.WithMonotonicEventClock,
		gpiocdev.WithEventHandler(k.push), gpiocdev.WithEventBufferSize(eventQueue)}
	switch pull {
	case gpio.PullUp:
		opts = append(opts, gpiocdev.WithPullUp)
	case gpio.PullDown:
		opts = append(opts, gpiocdev.WithPullDown)
	}
	switch edge {
	case gpio.RisingEdge:
		opts = append(opts, gpiocdev.WithRisingEdge)
	case gpio.FallingEdge:
		opts = append(opts, gpiocdev.WithFallingEdge)
	case gpio.BothEdges:
		opts = append(opts, gpiocdev.WithBothEdges)
	default:
		return nil, errors.New("gpioin: an edge source needs edge detection")
	}
	if k.line, err = gpiocdev.RequestLine(name, offset, opts...); err != nil {
		return nil, fmt.Errorf("gpioin: %q (%s) line %d: %w", chipLabel, name, offset, err)
	}
	return k, nil
}

func newKernelEdges(now func() units.Time, mono func() time.Duration) *KernelEdges {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &KernelEdges{events: make(chan gpiocdev.LineEvent, eventQueue), now: now, mono: mono, timer: t}
}

// chipByLabel finds the character device of the chip labelled label.
func chipByLabel(label string) (string, error) {
	var labels []string
	for _, name := range gpiocdev.Chips() {
		c, err := gpiocdev.NewChip(name)
		if err != nil {
			continue
		}
		l := c.Label
		c.Close()
		if l == label {
			return name, nil
		}
		labels = append(labels, l)
	}
	return "", fmt.Errorf("gpioin: no gpiochip labelled %q (there are: %s): %w", label, list(labels), drivers.ErrAbsent)
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return fmt.Sprint(s)
}

func monotonic() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return time.Duration(ts.Nano())
}

// push is gpiocdev's event handler: it must not block.
func (k *KernelEdges) push(ev gpiocdev.LineEvent) {
	select {
	case k.events <- ev:
	default:
		k.dropped.Add(1) // its sequence number's gap tells the counter too
	}
}

// Next implements Edges. One reader only.
func (k *KernelEdges) Next(timeout time.Duration) (Edge, bool, error) {
	if timeout <= 0 {
		return Edge{}, false, ErrTimeout
	}
	select {
	case ev := <-k.events:
		return k.edge(ev), true, nil
	default:
	}
	k.timer.Reset(timeout)
	defer k.timer.Stop()
	select {
	case ev := <-k.events:
		return k.edge(ev), true, nil
	case <-k.timer.C:
		return Edge{}, false, nil
	}
}

// edge is ev in the controller's time: now, less how long ago the kernel
// saw it.
func (k *KernelEdges) edge(ev gpiocdev.LineEvent) Edge {
	ago := k.mono() - ev.Timestamp
	if ago < 0 {
		ago = 0
	}
	seq := ev.LineSeqno
	if seq == 0 { // uAPI v1: no sequence numbers
		k.seq++
		seq = k.seq
	}
	return Edge{At: k.now() - units.Time(ago), Rising: ev.Type == gpiocdev.LineEventRisingEdge, Seq: seq}
}

// Dropped is how many events came while the queue was full.
func (k *KernelEdges) Dropped() uint64 { return k.dropped.Load() }

// Close releases the line.
func (k *KernelEdges) Close() error {
	if k.line == nil {
		return nil
	}
	return k.line.Close()
}
