package board

import (
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
			return i2creg.Open(name)
		},
		SPI: func(name string) (spi.PortCloser, error) {
			if err := hostInit(); err != nil {
				return nil, err
			}
			return spireg.Open(name)
		},
		W1: func(master uint32) (onewire.BusCloser, error) { return ds18b20.OpenKernelW1(master) },
		Edges: func(chip string, line int, edge gpio.Edge, now func() units.Time) (gpioin.Edges, error) {
			return gpioin.NewLineEdges(chip, line, gpio.PullUp, edge, now)
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
	}
}
