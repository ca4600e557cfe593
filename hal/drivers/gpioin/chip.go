package gpioin

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"hearth/hal/drivers"
	"hearth/units"

	"periph.io/x/conn/v3/driver/driverreg"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/host/v3/gpioioctl"
)

// OpenChip returns the GPIO character device whose label is label
// ("pinctrl-rp1" on a Pi 5, "pinctrl-bcm2711" on a Pi 4), initialising
// periph's drivers on first use. Chip numbers are never used: they move
// between kernels. Off Linux, gpioioctl has only a dummy chip.
func OpenChip(label string) (*gpioioctl.GPIOChip, error) {
	// Other drivers' failures are not this one's: the chips are in Chips
	// or not.
	_, _ = driverreg.Init()
	return findChip(label, gpioioctl.Chips)
}

// findChip returns the chip labelled label; the error wraps
// drivers.ErrAbsent and lists the labels there are.
func findChip[C interface{ Label() string }](label string, chips []C) (C, error) {
	var labels []string
	for _, c := range chips {
		if c.Label() == label {
			return c, nil
		}
		labels = append(labels, fmt.Sprintf("%q", c.Label()))
	}
	var zero C
	if len(labels) == 0 {
		labels = []string{"none"}
	}
	slices.Sort(labels)
	return zero, fmt.Errorf("gpioin: no gpiochip labelled %q (there are: %s): %w",
		label, strings.Join(labels, ", "), drivers.ErrAbsent)
}

// Line returns the line at offset on the chip labelled chipLabel. The
// offset is the chip's line number (the BCM GPIO number on a Pi's
// pinctrl chip), not a header pin.
func Line(chipLabel string, offset int) (gpio.PinIO, error) {
	chip, err := OpenChip(chipLabel)
	if err != nil {
		return nil, err
	}
	return lineOf(chip, chipLabel, offset)
}

func lineOf(chip *gpioioctl.GPIOChip, chipLabel string, offset int) (*gpioioctl.GPIOLine, error) {
	if offset < 0 || offset >= chip.LineCount() {
		return nil, fmt.Errorf("gpioin: %q has lines 0-%d, not %d: %w",
			chipLabel, chip.LineCount()-1, offset, drivers.ErrAbsent)
	}
	return chip.ByNumber(offset), nil
}

// LineEdges is the edge source of one line through a gpioioctl.LineSet,
// whose WaitForEdge tells rising from falling as the kernel saw it (a
// GPIOLine's does not). The kernel's timestamp and sequence number are
// dropped by periph: the edge is stamped on waking and Seq is counted.
type LineEdges struct {
	ls  *gpioioctl.LineSet
	now func() units.Time
	seq uint32
}

// NewLineEdges requests the line at offset on the chip labelled chipLabel
// as an input with pull and edge detection. The line must have a name
// (periph requests lines of a set by name), as a Pi's do ("GPIO17").
func NewLineEdges(chipLabel string, offset int, pull gpio.Pull, edge gpio.Edge, now func() units.Time) (*LineEdges, error) {
	chip, err := OpenChip(chipLabel)
	if err != nil {
		return nil, err
	}
	line, err := lineOf(chip, chipLabel, offset)
	if err != nil {
		return nil, err
	}
	if line.Name() == "" || chip.ByName(line.Name()) != line {
		return nil, fmt.Errorf("gpioin: %q line %d has no name of its own (%q)", chipLabel, offset, line.Name())
	}
	ls, err := chip.LineSet(gpioioctl.LineInput, edge, pull, line.Name())
	if err != nil {
		return nil, fmt.Errorf("gpioin: %q line %d: %w", chipLabel, offset, err)
	}
	return &LineEdges{ls: ls, now: now}, nil
}

// Next implements Edges.
func (s *LineEdges) Next(timeout time.Duration) (Edge, bool, error) {
	if timeout <= 0 {
		return Edge{}, false, ErrTimeout
	}
	_, edge, err := s.ls.WaitForEdge(timeout)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return Edge{}, false, nil
	}
	if err != nil {
		return Edge{}, false, err
	}
	if edge != gpio.RisingEdge && edge != gpio.FallingEdge {
		return Edge{}, false, fmt.Errorf("gpioin: an edge event of no known kind (%v)", edge)
	}
	s.seq++
	return Edge{At: s.now(), Rising: edge == gpio.RisingEdge, Seq: s.seq}, true, nil
}

// Close releases the line.
func (s *LineEdges) Close() error { return s.ls.Close() }
