// Package mcp23017 drives the relays and module contactors on an MCP23017
// 16-bit I²C expander: all 16 pins outputs, energise-to-run (a pin high
// energises its relay; low, or the chip reset, leaves it open).
//
// It talks to the chip's registers itself (IOCON.BANK = 0 map) and does not
// use periph.io/x/devices/v3/mcp23xxx: that package caches IODIR and OLAT
// and skips a write whose value equals the cache, so after a brown-out
// (the chip back to all inputs, IODIR = 0xFF, OLAT = 0) it neither sees the
// reset nor rewrites the latch, and its pins set one bit per transaction
// and register themselves in periph's global gpioreg. Here every latch
// write sets both ports in one transaction (OLATA, OLATB), and Refresh
// reads IODIR back, rewrites the latch and the directions, and reads both
// back, so a brown-out is seen and undone.
package mcp23017

import (
	"errors"
	"fmt"
	"sync"

	"hearth/hal"
	"hearth/hal/drivers"

	"periph.io/x/conn/v3/i2c"
)

// Registers, IOCON.BANK = 0 (the power-on map): port A then port B, and
// with IOCON.SEQOP = 0 the address pointer steps from A to B.
const (
	regIODIR     = 0x00 // IODIRA, IODIRB: 1 = input (power-on 0xFF)
	regIOCON     = 0x0A
	regOLAT      = 0x14 // OLATA, OLATB: the output latches (power-on 0)
	regIOCONBank = 0x05 // IOCON in the BANK = 1 map; GPINTENB in BANK = 0

	// Pins is the chip's pin count: 0..7 are GPA0..7, 8..15 GPB0..7.
	Pins = 16
)

// ErrReadback: a register did not read back as written.
var ErrReadback = errors.New("mcp23017: register does not read back as written")

// Dev is one MCP23017. Its methods may be called from several goroutines.
type Dev struct {
	mu   sync.Mutex
	dev  i2c.Dev
	want uint16 // the latch image: bit n is pin n, 1 = relay energised
	got  uint16 // the latch as last read back
}

// New sets the MCP23017 at addr (0x20..0x27) to the BANK = 0 register map,
// writes every latch low (relays open) and then every pin an output, and
// reads both back. Nothing answering wraps drivers.ErrAbsent; registers
// that do not read back wrap drivers.ErrWrongChip.
func New(b i2c.Bus, addr uint16) (*Dev, error) {
	if addr < 0x20 || addr > 0x27 {
		return nil, fmt.Errorf("mcp23017: address %#x outside 0x20..0x27", addr)
	}
	d := &Dev{dev: i2c.Dev{Bus: b, Addr: addr}}
	// Writing 0 at 0x05 clears BANK if a previous user set it (IOCON sits
	// there in the BANK = 1 map) and is harmless in BANK = 0 (GPINTENB:
	// interrupts off); then IOCON proper: BANK = 0, SEQOP = 0.
	if err := d.dev.Tx([]byte{regIOCONBank, 0}, nil); err != nil {
		return nil, fmt.Errorf("%v: %w: %w", d, drivers.ErrAbsent, err)
	}
	if err := d.dev.Tx([]byte{regIOCON, 0}, nil); err != nil {
		return nil, fmt.Errorf("%v: IOCON: %w", d, err)
	}
	if err := d.rewrite(); err != nil {
		return nil, err
	}
	_, err := d.readBack()
	if errors.Is(err, ErrReadback) {
		return nil, fmt.Errorf("%w: %w", drivers.ErrWrongChip, err)
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// String names the chip and its address.
func (d *Dev) String() string { return fmt.Sprintf("mcp23017 %#x", d.dev.Addr) }

// rewrite writes the latch image to OLATA/B and then every pin an output
// (IODIRA/B = 0): the latch first, so that a pin turned output drives what
// is wanted. The caller holds d.mu (or owns d).
func (d *Dev) rewrite() error {
	if err := d.writeLatch(); err != nil {
		return err
	}
	if err := d.dev.Tx([]byte{regIODIR, 0, 0}, nil); err != nil {
		return fmt.Errorf("%v: IODIR: %w", d, err)
	}
	return nil
}

func (d *Dev) writeLatch() error {
	if err := d.dev.Tx([]byte{regOLAT, byte(d.want), byte(d.want >> 8)}, nil); err != nil {
		return fmt.Errorf("%v: OLAT: %w", d, err)
	}
	return nil
}

// read16 reads a register pair, port A in the low byte.
func (d *Dev) read16(reg byte, name string) (uint16, error) {
	var r [2]byte
	if err := d.dev.Tx([]byte{reg}, r[:]); err != nil {
		return 0, fmt.Errorf("%v: read %s: %w", d, name, err)
	}
	return uint16(r[0]) | uint16(r[1])<<8, nil
}

// readBack reads IODIR and OLAT and checks them against all-outputs and
// the latch image, recording the latch in d.got. It returns IODIR as read.
func (d *Dev) readBack() (iodir uint16, err error) {
	if iodir, err = d.read16(regIODIR, "IODIR"); err != nil {
		return 0, err
	}
	olat, err := d.read16(regOLAT, "OLAT")
	if err != nil {
		return iodir, err
	}
	d.got = olat
	if iodir != 0 || olat != d.want {
		return iodir, fmt.Errorf("%v: %w: IODIR %#04x (want 0), OLAT %#04x (want %#04x)",
			d, ErrReadback, iodir, olat, d.want)
	}
	return iodir, nil
}

// Refresh reads IODIR, rewrites the latch and the directions, and reads
// both back. reset reports that IODIR had reverted to 0xFFFF, all inputs:
// the chip was reset (a brown-out) and every relay had dropped; the latch
// is now restored, so relays that are wanted closed close again. err is a
// bus error, or wraps ErrReadback when the chip still does not hold what
// was written (State tells what it holds). The edge calls it periodically
// and reports reset.
func (d *Dev) Refresh() (reset bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	before, err := d.read16(regIODIR, "IODIR")
	if err != nil {
		return false, err
	}
	reset = before == 0xFFFF
	if err := d.rewrite(); err != nil {
		return reset, err
	}
	_, err = d.readBack()
	return reset, err
}

// State returns the latch image (want) and the latch as last read back by
// New or Refresh (got); bit n is pin n.
func (d *Dev) State() (want, got uint16) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.want, d.got
}

// set records pin n's wanted state and writes both latches.
func (d *Dev) set(n int, on bool) error {
	if n < 0 || n >= Pins {
		return fmt.Errorf("%v: no pin %d", d, n)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if on {
		d.want |= 1 << n
	} else {
		d.want &^= 1 << n
	}
	return d.writeLatch()
}

// Pin returns pin n (0..7 GPA0..7, 8..15 GPB0..7) as an on/off output;
// on energises its relay. A pin outside 0..15 makes every Set fail.
func (d *Dev) Pin(n int) hal.Switch { return pin{d: d, n: n} }

type pin struct {
	d *Dev
	n int
}

// Set records the pin's state in the latch image and writes OLATA/B. A
// write that fails is retried by the next Set or Refresh, which rewrite
// the whole image.
func (p pin) Set(on bool) error { return p.d.set(p.n, on) }
