package boardtest

import (
	"math"
	"sync"
)

// PCA9685 emulates the PWM chip's registers: MODE1 (0x00), MODE2, the
// channels' LEDn_ON/OFF (0x06 + 4n), PRE_SCALE (0xFE, written only while
// asleep) and their power-on values.
type PCA9685 struct {
	mu sync.Mutex
	// Disabled, when set, says the /OE pin is high: every output low,
	// whatever the registers hold.
	Disabled func() bool
	regs8
}

// NewPCA9685 returns a chip at its power-on registers.
func NewPCA9685() *PCA9685 {
	c := &PCA9685{}
	c.Reset()
	return c
}

// Reset is a brown-out: every register back to its power-on value.
func (c *PCA9685) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.r = [256]byte{}
	c.r[0x00], c.r[0x01], c.r[0xFE] = 0x11, 0x04, 0x1E // SLEEP|ALLCALL, OUTDRV, 200 Hz
	for n := 0; n < 16; n++ {
		c.r[0x09+4*n] = 0x10 // full off
	}
	c.r[0xFD] = 0x10
	c.r[0x02], c.r[0x03], c.r[0x04], c.r[0x05] = 0xE2, 0xE4, 0xE8, 0xE0 // sub-call, ALLCALL addresses
}

// Tx implements Chip: PRE_SCALE keeps its value unless SLEEP is set, and
// MODE1's RESTART bit, written 1, clears.
func (c *PCA9685) Tx(w, r []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	pre := c.r[0xFE]
	err := c.regs8.Tx(w, r)
	if c.r[0x00]&0x10 == 0 {
		c.r[0xFE] = pre
	}
	c.r[0x00] &^= 0x80 // RESTART: writing 1 clears it (no restart pending here)
	return err
}

// Duty is channel n's duty cycle (0..1) as the chip drives it.
func (c *PCA9685) Duty(n int) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Disabled != nil && c.Disabled() {
		return 0
	}
	b := 0x06 + 4*n
	on := int(c.r[b]) | int(c.r[b+1]&0x0F)<<8
	off := int(c.r[b+2]) | int(c.r[b+3]&0x0F)<<8
	switch {
	case c.r[0x00]&0x10 != 0 || c.r[b+3]&0x10 != 0: // asleep, or full off
		return 0
	case c.r[b+1]&0x10 != 0:
		return 1
	}
	return float64((off-on+4096)%4096) / 4096
}

// Frequency is the PWM frequency the prescale gives.
func (c *PCA9685) Frequency() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return 25e6 / (4096 * (float64(c.r[0xFE]) + 1))
}

// MCP23017 emulates the expander in BANK 0: IODIRA/B (0x00, 0x01, power-on
// 0xFF: inputs), GPIOA/B (0x12, 0x13), OLATA/B (0x14, 0x15).
type MCP23017 struct {
	mu sync.Mutex
	// Held, when set, says the RESET pin is low: the chip is held at its
	// power-on registers and does not answer.
	Held func() bool
	regs8
}

// NewMCP23017 returns a chip at its power-on registers.
func NewMCP23017() *MCP23017 {
	c := &MCP23017{}
	c.Reset()
	return c
}

// Reset is a brown-out: every pin an input again, the latches cleared.
func (c *MCP23017) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reset()
}

func (c *MCP23017) reset() {
	c.r = [256]byte{}
	c.r[0x00], c.r[0x01] = 0xFF, 0xFF
}

// held reports RESET low, and holds the chip at its power-on registers.
func (c *MCP23017) held() bool {
	if c.Held != nil && c.Held() {
		c.reset()
		return true
	}
	return false
}

// Tx implements Chip: GPIO reads back what the output latches drive, and a
// write to GPIO writes the latch.
func (c *MCP23017) Tx(w, r []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held() {
		return ErrNack
	}
	if len(w) > 1 && (w[0] == 0x12 || w[0] == 0x13) {
		w = append([]byte{w[0] + 2}, w[1:]...)
	}
	c.r[0x12], c.r[0x13] = c.r[0x14]&^c.r[0x00], c.r[0x15]&^c.r[0x01]
	return c.regs8.Tx(w, r)
}

// Out reports whether pin n (0-15) is an output driven high: its relay
// energised.
func (c *MCP23017) Out(n int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held() {
		return false
	}
	dir, lat := c.r[0x00+n/8], c.r[0x14+n/8]
	return dir&(1<<(n%8)) == 0 && lat&(1<<(n%8)) != 0
}

// ADS1115 emulates the ADC: the config register (0x01, power-on 0x8583)
// starts a single-shot conversion of the input its MUX selects, at its PGA's
// full scale, into the conversion register (0x00). Volts are the inputs.
type ADS1115 struct {
	mu    sync.Mutex
	Volts [4]float64
	regs16
}

// NewADS1115 returns a chip at its power-on registers.
func NewADS1115() *ADS1115 {
	c := &ADS1115{}
	c.Reset()
	c.written = c.convert
	return c
}

// Reset is a brown-out.
func (c *ADS1115) Reset() {
	c.r = [8]uint16{}
	c.r[1] = 0x8583
	c.r[2], c.r[3] = 0x8000, 0x7FFF
}

// Set sets input n's voltage.
func (c *ADS1115) Set(n int, v float64) {
	c.mu.Lock()
	c.Volts[n] = v
	c.mu.Unlock()
}

// Tx implements Chip.
func (c *ADS1115) Tx(w, r []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.regs16.Tx(w, r)
}

func (c *ADS1115) convert(reg byte) {
	cfg := c.r[1]
	if reg != 1 || cfg&0x8000 == 0 {
		return
	}
	mux := int(cfg>>12) & 7
	fs := [...]float64{6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256}[(cfg>>9)&7]
	v := 0.0
	if mux >= 4 {
		v = c.Volts[mux-4]
	}
	code := math.Round(v / fs * 32768)
	c.r[0] = uint16(int16(math.Max(-32768, math.Min(32767, code))))
	// The conversion is done at once: OS reads 1 (not converting).
}

// INA219 emulates a feed meter with its shunt: configuration (0x00,
// power-on 0x399F), shunt and bus voltage (0x01, 0x02), power and current
// (0x03, 0x04, zero while the calibration (0x05) is zero, as after a
// reset).
type INA219 struct {
	mu       sync.Mutex
	ShuntOhm float64
	BusV     float64
	Amps     float64
	// Load, when set, gives the feed's voltage and current at each reading
	// in place of BusV and Amps: a module's draw following its contactor.
	Load func() (v, a float64)
	regs16
}

// NewINA219 returns a chip at its power-on registers.
func NewINA219(shuntOhm float64) *INA219 {
	c := &INA219{ShuntOhm: shuntOhm}
	c.Reset()
	c.read = c.value
	return c
}

// Reset is a brown-out: the calibration is lost.
func (c *INA219) Reset() {
	c.r = [8]uint16{}
	c.r[0] = 0x399F
}

// Set sets the feed's voltage and current.
func (c *INA219) Set(v, a float64) {
	c.mu.Lock()
	c.BusV, c.Amps = v, a
	c.mu.Unlock()
}

// Tx implements Chip.
func (c *INA219) Tx(w, r []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.regs16.Tx(w, r)
}

func (c *INA219) value(reg byte) uint16 {
	v, a := c.BusV, c.Amps
	if c.Load != nil {
		v, a = c.Load()
	}
	shunt := math.Round(a * c.ShuntOhm / 10e-6) // 10 µV a bit
	bus := math.Min(math.Round(v/4e-3), 8191)   // 4 mV a bit, 32 V full scale
	cal := float64(c.r[5])
	current := math.Trunc(shunt * cal / 4096)
	switch reg {
	case 1:
		return uint16(int16(shunt))
	case 2:
		return uint16(bus)<<3 | 2 // CNVR
	case 3:
		return uint16(math.Trunc(current * bus / 5000))
	case 4:
		return uint16(int16(current))
	}
	return c.r[reg]
}
