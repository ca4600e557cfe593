// Package boardtest emulates a HeatHub's chips at their registers, per
// their datasheets, behind periph.io's bus interfaces: an I2C bus holding a
// PCA9685, an MCP23017, an ADS1115 and INA219s; a 1-wire bus of DS18B20s;
// MAX31865s on SPI ports. A test registers them in periph's own registries
// (i2creg, spireg) and opens a whole board through them, as the Pi's host
// drivers would: `hearth probe` and the daemon then run against chips that
// answer, convert, fault and reset like the real ones.
//
// Each driver's own tests replay the datasheets' transactions byte for byte
// (periph's Playback fakes); these emulators are for what a board does as a
// whole.
package boardtest

import (
	"errors"
	"fmt"
	"sync"

	"periph.io/x/conn/v3/physic"
)

// ErrNack is what a bus returns for an address nothing answers at.
var ErrNack = errors.New("boardtest: no acknowledge")

// Chip is one emulated I2C chip: a transaction at its address.
type Chip interface {
	Tx(w, r []byte) error
}

// I2C is an emulated I2C bus (an i2c.BusCloser).
type I2C struct {
	Name  string
	mu    sync.Mutex
	chips map[uint16]Chip
	fail  map[uint16]error
	Txs   int // transactions, all addresses
}

// NewI2C returns an empty bus.
func NewI2C(name string) *I2C {
	return &I2C{Name: name, chips: map[uint16]Chip{}, fail: map[uint16]error{}}
}

// Add puts a chip at addr.
func (b *I2C) Add(addr uint16, c Chip) {
	b.mu.Lock()
	b.chips[addr] = c
	b.mu.Unlock()
}

// Fail makes every transaction at addr fail with err (nil: answer again).
func (b *I2C) Fail(addr uint16, err error) {
	b.mu.Lock()
	if err == nil {
		delete(b.fail, addr)
	} else {
		b.fail[addr] = err
	}
	b.mu.Unlock()
}

// Tx implements i2c.Bus.
func (b *I2C) Tx(addr uint16, w, r []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.Txs++
	if err := b.fail[addr]; err != nil {
		return err
	}
	c, ok := b.chips[addr]
	if !ok {
		return fmt.Errorf("%w at %#x on %s", ErrNack, addr, b.Name)
	}
	return c.Tx(w, r)
}

func (b *I2C) String() string                    { return b.Name }
func (b *I2C) SetSpeed(f physic.Frequency) error { return nil }
func (b *I2C) Close() error                      { return nil }

// regs8 is a file of byte registers behind an auto-incrementing pointer
// (PCA9685, MCP23017 in BANK 0).
type regs8 struct {
	r       [256]byte
	written func(reg byte)
}

func (c *regs8) Tx(w, r []byte) error {
	if len(w) == 0 {
		return errors.New("boardtest: no register pointer")
	}
	p := w[0]
	for i, v := range w[1:] {
		c.r[p+byte(i)] = v
		if c.written != nil {
			c.written(p + byte(i))
		}
	}
	for i := range r {
		r[i] = c.r[p+byte(i)]
	}
	return nil
}

// regs16 is a file of big-endian 16-bit registers behind a pointer
// (ADS1115, INA219): a write of the pointer alone selects a register to
// read; a write of pointer and two bytes sets it.
type regs16 struct {
	r       [8]uint16
	ptr     byte
	written func(reg byte)
	read    func(reg byte) uint16
}

func (c *regs16) Tx(w, r []byte) error {
	if len(w) > 0 {
		c.ptr = w[0] & 7
		if len(w) == 3 {
			c.r[c.ptr] = uint16(w[1])<<8 | uint16(w[2])
			if c.written != nil {
				c.written(c.ptr)
			}
		} else if len(w) != 1 {
			return fmt.Errorf("boardtest: %d-byte write to a 16-bit register", len(w))
		}
	}
	if len(r) > 0 {
		v := c.r[c.ptr]
		if c.read != nil {
			v = c.read(c.ptr)
		}
		r[0] = byte(v >> 8)
		if len(r) > 1 {
			r[1] = byte(v)
		}
	}
	return nil
}
