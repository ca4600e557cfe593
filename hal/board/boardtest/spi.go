package boardtest

import (
	"errors"
	"math"
	"sync"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
)

// MAX31865 emulates an RTD converter and its PT1000 on an SPI port (an
// spi.PortCloser whose Connect returns itself): the configuration (0x00),
// the RTD's code (0x01-0x02, bit 0 the fault flag), the fault thresholds
// (0x03-0x06) and the fault status (0x07). A read's first byte is the
// address (bit 7 set to write); registers follow, auto-incrementing.
type MAX31865 struct {
	mu     sync.Mutex
	Name   string
	RefOhm float64
	Ohm    float64 // the RTD's resistance; +Inf: open, 0: shorted
	regs   [8]byte
	// Fault, when set, is ORed into the fault status at the next reading
	// (REFIN 0x20, 0x10, RTDIN 0x08, over/under-voltage 0x04).
	Fault byte
	fail  error
}

// NewMAX31865 returns a chip at its power-on registers.
func NewMAX31865(name string, refOhm, ohm float64) *MAX31865 {
	c := &MAX31865{Name: name, RefOhm: refOhm, Ohm: ohm}
	c.Reset()
	return c
}

// Reset is a brown-out: the configuration (bias, auto conversion) is lost.
func (c *MAX31865) Reset() {
	c.mu.Lock()
	c.regs = [8]byte{0, 0, 0, 0xFF, 0xFF, 0, 0, 0}
	c.mu.Unlock()
}

// SetOhm sets the RTD's resistance.
func (c *MAX31865) SetOhm(r float64) {
	c.mu.Lock()
	c.Ohm = r
	c.mu.Unlock()
}

// Fail makes every transaction fail with err (nil: answer again).
func (c *MAX31865) Fail(err error) {
	c.mu.Lock()
	c.fail = err
	c.mu.Unlock()
}

func (c *MAX31865) String() string                      { return c.Name }
func (c *MAX31865) Close() error                        { return nil }
func (c *MAX31865) LimitSpeed(f physic.Frequency) error { return nil }
func (c *MAX31865) Duplex() conn.Duplex                 { return conn.Full }
func (c *MAX31865) TxPackets(p []spi.Packet) error {
	return errors.New("boardtest: TxPackets unsupported")
}
func (c *MAX31865) Connect(f physic.Frequency, m spi.Mode, bits int) (spi.Conn, error) { return c, nil }

// Tx implements conn.Conn.
func (c *MAX31865) Tx(w, r []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	if len(w) == 0 {
		return nil
	}
	a := w[0] & 0x7F
	if w[0]&0x80 != 0 {
		for i, v := range w[1:] {
			if reg := int(a) + i; reg < 8 && reg != 1 && reg != 2 && reg != 7 {
				c.regs[reg] = v
			}
		}
		if c.regs[0]&0x02 != 0 { // fault status clear, self-clearing
			c.regs[7], c.regs[0] = 0, c.regs[0]&^0x02
		}
		return nil
	}
	c.convert()
	for i := 1; i < len(r); i++ {
		if reg := int(a) + i - 1; reg < 8 {
			r[i] = c.regs[reg]
		}
	}
	return nil
}

// convert updates the RTD registers as auto conversion would, with the bias
// on; without it the chip holds its last reading.
func (c *MAX31865) convert() {
	if c.regs[0]&0xC0 != 0xC0 {
		return
	}
	code := 32767.0
	if !math.IsInf(c.Ohm, 1) {
		code = math.Min(32767, math.Round(c.Ohm/c.RefOhm*32768))
	}
	hi := int(c.regs[3])<<7 | int(c.regs[4])>>1
	lo := int(c.regs[5])<<7 | int(c.regs[6])>>1
	st := c.Fault
	if int(code) >= hi && math.IsInf(c.Ohm, 1) || int(code) > hi {
		st |= 0x80
	}
	if int(code) < lo || c.Ohm == 0 {
		st |= 0x40
	}
	c.regs[7] |= st
	v := uint16(code) << 1
	if c.regs[7] != 0 {
		v |= 1
	}
	c.regs[1], c.regs[2] = byte(v>>8), byte(v)
}
