package board

import (
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/onewire"
	"periph.io/x/conn/v3/spi"

	"hearth/hal/drivers/gpioin"
	"hearth/units"
)

// Registry opens the buses and lines a board names. Host is the Pi's
// (periph.io's host drivers); a test fills one with periph's fakes or
// package boardtest's chips.
type Registry struct {
	I2C func(name string) (i2c.BusCloser, error)  // "1" for /dev/i2c-1 (i2creg.Open)
	SPI func(name string) (spi.PortCloser, error) // "SPI0.1" (spireg.Open)
	W1  func(master uint32) (onewire.BusCloser, error)
	// Edges opens a line as an edge source, pulled up (the meters', pumps'
	// and fan's outputs are open collector).
	Edges func(chip string, line int, edge gpio.Edge, now func() units.Time) (gpioin.Edges, error)
	// Input opens a line as a plain input, pulled down (a contact loop from
	// 3.3 V: open reads low).
	Input func(chip string, line int) (gpio.PinIn, error)
	// Output opens a line as an output (the outputs' hold line).
	Output func(chip string, line int) (gpio.PinOut, error)
}
