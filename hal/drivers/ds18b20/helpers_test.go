package ds18b20

import (
	"testing"

	"periph.io/x/conn/v3/onewire"
	"periph.io/x/conn/v3/onewire/onewiretest"

	"hearth/hal"
	"hearth/units"
)

// crc8 is the Dallas/Maxim CRC-8 (x^8 + x^5 + x^4 + 1, least significant bit
// first), computed bit by bit as in application note 27, independently of
// periph's table.
func crc8(b []byte) byte {
	var c byte
	for _, v := range b {
		for i := 0; i < 8; i++ {
			mix := (c ^ v) & 1
			c >>= 1
			if mix != 0 {
				c ^= 0x8C
			}
			v >>= 1
		}
	}
	return c
}

// mkROM returns the DS18B20 address with the given 48-bit serial number,
// its CRC computed.
func mkROM(serial uint64) onewire.Address {
	a := onewire.Address(serial<<8 | Family)
	var b [7]byte
	for i := range b {
		b[i] = byte(a >> (8 * i))
	}
	return a | onewire.Address(crc8(b[:]))<<56
}

// Configuration registers.
const (
	cfg9  = 0x1F
	cfg10 = 0x3F
	cfg12 = 0x7F
)

// spad returns a scratchpad holding raw at configuration cfg, with the
// datasheet's power-on TH (0x4B), TL (0x46) and reserved bytes, and its CRC.
func spad(raw uint16, cfg byte) []byte {
	b := []byte{byte(raw), byte(raw >> 8), 0x4B, 0x46, cfg, 0xFF, 0x0C, 0x10, 0}
	b[8] = crc8(b[:8])
	return b
}

// powerOnSpad is the datasheet's power-on scratchpad (85.0 C, 12 bits).
var powerOnSpad = []byte{0x50, 0x05, 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10, 0x1C}

func wire(rom onewire.Address) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(rom >> (8 * i))
	}
	return b
}

// opRead is Match ROM, rom, Read Scratchpad, answered with sp.
func opRead(rom onewire.Address, sp []byte) onewiretest.IO {
	w := append(append([]byte{0x55}, wire(rom)...), 0xBE)
	return onewiretest.IO{W: w, R: sp, Pull: onewire.WeakPullup}
}

// opWrite is Match ROM, rom, Write Scratchpad TH TL cfg.
func opWrite(rom onewire.Address, th, tl, cfg byte) onewiretest.IO {
	w := append(append([]byte{0x55}, wire(rom)...), 0x4E, th, tl, cfg)
	return onewiretest.IO{W: w, Pull: onewire.WeakPullup}
}

// opConvert is Skip ROM, Convert T.
func opConvert(pull onewire.Pullup) onewiretest.IO {
	return onewiretest.IO{W: []byte{0xCC, 0x44}, Pull: pull}
}

// clock is a fake controller clock.
type clock struct{ t units.Time }

func (c *clock) now() units.Time          { return c.t }
func (c *clock) advance(d units.Duration) { c.t = c.t.Add(d) }

// lineErr is an error of the 1-wire line (onewire.BusError).
type lineErr struct{}

func (lineErr) Error() string  { return "test: no presence pulse" }
func (lineErr) BusError() bool { return true }

// masterErr is an error of the bus master (not a onewire.BusError).
type masterErr struct{}

func (masterErr) Error() string { return "test: I2C no acknowledge" }

// faultBus fails its Tx number failAt (counting from 0) with err instead of
// passing it to the playback.
type faultBus struct {
	*onewiretest.Playback
	failAt, n int
	err       error
}

func (f *faultBus) Tx(w, r []byte, p onewire.Pullup) error {
	n := f.n
	f.n++
	if n == f.failAt {
		return f.err
	}
	return f.Playback.Tx(w, r, p)
}

// done checks that the playback went through every transaction.
func done(t *testing.T, p *onewiretest.Playback) {
	t.Helper()
	if p.Count != len(p.Ops) {
		t.Fatalf("playback: %d of %d transactions done", p.Count, len(p.Ops))
	}
	noEEPROMWrite(t, p.Ops)
}

// noEEPROMWrite checks that no transaction is Copy Scratchpad (0x48) or
// Recall E2 (0xB8), after Skip ROM or after Match ROM and a ROM.
func noEEPROMWrite(t *testing.T, ops []onewiretest.IO) {
	t.Helper()
	for i, op := range ops {
		var cmd byte
		switch {
		case len(op.W) >= 2 && op.W[0] == 0xCC:
			cmd = op.W[1]
		case len(op.W) >= 10 && op.W[0] == 0x55:
			cmd = op.W[9]
		}
		if cmd == 0x48 || cmd == 0xB8 {
			t.Errorf("transaction %d is an EEPROM command: % x", i, op.W)
		}
	}
}

// want checks a sample.
func want(t *testing.T, what string, got hal.Sample[units.Celsius], v units.Celsius, at units.Time, st hal.Status) {
	t.Helper()
	if got.Value != v || got.At != at || got.Status != st {
		t.Errorf("%s: got %v C at %d, %v; want %v C at %d, %v", what, got.Value, got.At, got.Status, v, at, st)
	}
}
