package board

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/onewire"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"

	"hearth/hal/drivers/ds18b20"
	"hearth/hal/drivers/gpioin"
	"hearth/units"
)

// hint says, for a bus that would not open, whether its device node is
// there at all: the usual cause on a new card is the bus not enabled.
func hint(err error, node, how string) error {
	if _, serr := os.Stat(node); serr != nil {
		return fmt.Errorf("no %s on this machine: %s", node, how)
	}
	return err
}

// spidev is the device node of periph's SPI port name "SPIb.c".
func spidev(name string) string {
	b, c, _ := strings.Cut(strings.TrimPrefix(name, "SPI"), ".")
	return "/dev/spidev" + b + "." + c
}

var hostInit = sync.OnceValue(func() error {
	_, err := host.Init()
	return err
})

// Host is the Pi's registry: periph.io's host drivers (/dev/i2c-N,
// /dev/spidevB.C, the kernel's w1 over netlink, the GPIO character device
// by chip label). Initialising them finds what this machine has; a bus it
// lacks fails to open, and its channels are missing.
func Host() Registry {
	return Registry{
		I2C: func(name string) (i2c.BusCloser, error) {
			if err := hostInit(); err != nil {
				return nil, err
			}
			b, err := i2creg.Open(name)
			if err != nil {
				return nil, hint(err, "/dev/i2c-"+name, "is I2C enabled (dtparam=i2c_arm=on, or its dtoverlay)?")
			}
			return b, nil
		},
		SPI: func(name string) (spi.PortCloser, error) {
			if err := hostInit(); err != nil {
				return nil, err
			}
			p, err := spireg.Open(name)
			if err != nil {
				return nil, hint(err, spidev(name), "is SPI enabled (dtparam=spi=on)?")
			}
			return p, nil
		},
		W1: func(master uint32) (onewire.BusCloser, error) { return ds18b20.OpenKernelW1(master) },
		Edges: func(chip string, line int, edge gpio.Edge, now func() units.Time) (gpioin.Edges, error) {
			return gpioin.NewKernelEdges(chip, line, gpio.PullUp, edge, now)
		},
		Input: func(chip string, line int) (gpio.PinIn, error) {
			p, err := gpioin.Line(chip, line)
			if err != nil {
				return nil, err
			}
			if err := p.In(gpio.PullDown, gpio.NoEdge); err != nil {
				return nil, err
			}
			return p, nil
		},
		Output: func(chip string, line int) (gpio.PinOut, error) {
			p, err := gpioin.Line(chip, line)
			if err != nil {
				return nil, err
			}
			return p, nil
		},
	}
}
