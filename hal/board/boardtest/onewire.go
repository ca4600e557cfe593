package boardtest

import (
	"errors"
	"math"
	"sync"

	"periph.io/x/conn/v3/onewire"
)

// OneWire emulates a 1-wire bus of DS18B20s (an onewire.BusCloser): Skip
// ROM + Convert T converts every probe, Match ROM + Read Scratchpad reads
// one (9 bytes, CRC-8), Match ROM + Write Scratchpad sets TH, TL and the
// configuration. A probe powers up holding 85.0 C, until its first
// conversion. An address no probe answers to reads all ones, as an idle
// bus does.
type OneWire struct {
	mu     sync.Mutex
	probes map[onewire.Address]*probe18
	order  []onewire.Address
	fail   error
}

type probe18 struct {
	temp float64
	pad  [9]byte
}

// NewOneWire returns an empty bus.
func NewOneWire() *OneWire { return &OneWire{probes: map[onewire.Address]*probe18{}} }

// Add puts a probe reading c on the bus, at power-on.
func (b *OneWire) Add(rom onewire.Address, c float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := &probe18{temp: c}
	p.pad = [9]byte{0x50, 0x05, 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10}
	p.pad[8] = onewire.CalcCRC(p.pad[:8])
	b.probes[rom] = p
	b.order = append(b.order, rom)
}

// Remove unplugs a probe.
func (b *OneWire) Remove(rom onewire.Address) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.probes, rom)
	for i, r := range b.order {
		if r == rom {
			b.order = append(b.order[:i], b.order[i+1:]...)
			break
		}
	}
}

// Set sets a probe's temperature (taken at its next conversion).
func (b *OneWire) Set(rom onewire.Address, c float64) {
	b.mu.Lock()
	b.probes[rom].temp = c
	b.mu.Unlock()
}

// Fail makes every transaction fail with err (nil: answer again).
func (b *OneWire) Fail(err error) {
	b.mu.Lock()
	b.fail = err
	b.mu.Unlock()
}

func (b *OneWire) String() string { return "boardtest-onewire" }
func (b *OneWire) Close() error   { return nil }

// Search implements onewire.Bus.
func (b *OneWire) Search(alarmOnly bool) ([]onewire.Address, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return nil, b.fail
	}
	return append([]onewire.Address(nil), b.order...), nil
}

// Tx implements onewire.Bus: every transaction begins with a reset.
func (b *OneWire) Tx(w, r []byte, power onewire.Pullup) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	for i := range r {
		r[i] = 0xFF
	}
	if len(b.probes) == 0 {
		return errors.New("boardtest: no presence pulse")
	}
	if len(w) >= 2 && w[0] == 0xCC && w[1] == 0x44 {
		for _, p := range b.probes {
			p.convert()
		}
		return nil
	}
	if len(w) < 10 || w[0] != 0x55 {
		return nil // a command this emulator does not know: nobody answers
	}
	var rom onewire.Address
	for i := 0; i < 8; i++ {
		rom |= onewire.Address(w[1+i]) << (8 * i)
	}
	p, ok := b.probes[rom]
	if !ok {
		return nil
	}
	switch w[9] {
	case 0xBE:
		copy(r, p.pad[:])
	case 0x4E:
		if len(w) >= 13 {
			p.pad[2], p.pad[3], p.pad[4] = w[10], w[11], w[12]|0x1F
			p.pad[8] = onewire.CalcCRC(p.pad[:8])
		}
	case 0x44:
		p.convert()
	}
	return nil
}

func (p *probe18) convert() {
	bits := 9 + int(p.pad[4]>>5&3)
	step := 0.0625 * float64(int(1)<<(12-bits))
	raw := int16(math.Round(p.temp/step) * step * 16)
	p.pad[0], p.pad[1] = byte(raw), byte(uint16(raw)>>8)
	p.pad[8] = onewire.CalcCRC(p.pad[:8])
}

// ROM makes a DS18B20's ROM (family 0x28) from its 48-bit serial, with its
// CRC.
func ROM(serial uint64) onewire.Address {
	b := make([]byte, 8)
	b[0] = 0x28
	for i := 0; i < 6; i++ {
		b[1+i] = byte(serial >> (8 * i))
	}
	b[7] = onewire.CalcCRC(b[:7])
	var a onewire.Address
	for i, v := range b {
		a |= onewire.Address(v) << (8 * i)
	}
	return a
}
