package gpioin

import (
	"fmt"
	"slices"
	"strings"

	"hearth/hal/drivers"

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
