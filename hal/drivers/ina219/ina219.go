// Package ina219 reads a module feed's power through an INA219 current and
// power monitor on I²C: the trusted power witness, independent of the
// module's agent (hal.FeedMeter).
//
// It talks to the chip's registers itself and does not use
// periph.io/x/devices/v3/ina219: that driver programs a 16 V bus range
// (config 0x1FFF), never reads the calibration back (a chip reset zeroes
// it, and the current and power registers then read 0, a plausible
// "nothing drawn"), ignores the conversion-ready bit, and replaces bus
// errors with its own.
//
// New programs a 32 V bus range, the smallest shunt range that holds
// MaxCurrentA·ShuntOhm, 12-bit conversions averaged over 8 samples
// (4.26 ms each, continuous), and the calibration; it reads both back.
// Every Feed reads the bus voltage register (CNVR: a new conversion; OVF:
// the current or power out of range), the power register, and the
// calibration register, which must still hold what was written: a chip
// reset is a fault, and the calibration is written again.
package ina219

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"hearth/hal"
	"hearth/hal/drivers"
	"hearth/units"

	"periph.io/x/conn/v3/i2c"
)

// Registers (INA219 datasheet SBOS448, section 8.6).
const (
	regConfig = 0x00
	regBus    = 0x02
	regPower  = 0x03
	regCal    = 0x05

	cfgBRNG32  = 1 << 13 // 32 V bus range
	cfgADC     = 0b1011  // 12 bit, 8 samples averaged: 4.26 ms
	cfgModeAll = 0b111   // shunt and bus, continuous
	busCNVR    = 1 << 1  // a conversion finished since the power register was read
	busOVF     = 1 << 0  // current or power calculation out of range
	calScale   = 0.04096 // datasheet equation 1
	powerScale = 20      // power LSB = 20·current LSB
	shuntFS    = 0.040   // shunt range at gain /1, in volts
	calMax     = 0xFFFE  // bit 0 of the calibration register reads 0
	pgaShift   = 11      // PG1..PG0
	badcShift  = 7       // BADC4..BADC1
	sadcShift  = 3       // SADC4..SADC1
	maxPGA     = 3       // gain /8: 320 mV
	maxShuntV  = 0.320   // gain /8
)

// Config is a feed meter's shunt.
type Config struct {
	ShuntOhm    float64 // shunt resistance, e.g. 0.01
	MaxCurrentA float64 // full-scale current, e.g. 8: the current register's 32767
}

// settings returns the config and calibration registers for c and the
// power register's LSB in watts. The calibration's bit 0 is void (reads 0)
// so it is cleared, and the LSB is the one the written calibration gives.
func (c Config) settings() (config, cal uint16, powerLSB float64, err error) {
	if !(c.ShuntOhm > 0) || !(c.MaxCurrentA > 0) || math.IsInf(c.ShuntOhm*c.MaxCurrentA, 0) {
		return 0, 0, 0, fmt.Errorf("ina219: shunt %g Ω and current %g A must be positive", c.ShuntOhm, c.MaxCurrentA)
	}
	vmax := c.ShuntOhm * c.MaxCurrentA * (1 - 1e-9) // 0.1 Ω · 3.2 A is 320 mV, not 320.00000000000006
	pga := 0
	for pga < maxPGA && shuntFS*float64(int(1)<<pga) < vmax {
		pga++
	}
	if vmax > maxShuntV {
		return 0, 0, 0, fmt.Errorf("ina219: %g A through %g Ω is %g mV, over the 320 mV shunt range",
			c.MaxCurrentA, c.ShuntOhm, vmax*1000)
	}
	currentLSB := c.MaxCurrentA / 32768
	k := math.Trunc(calScale / (currentLSB * c.ShuntOhm))
	if k < 2 || k > calMax {
		return 0, 0, 0, fmt.Errorf("ina219: calibration %g for %g Ω, %g A is outside 2..%d", k, c.ShuntOhm, c.MaxCurrentA, calMax)
	}
	cal = uint16(k) &^ 1
	config = cfgBRNG32 | uint16(pga)<<pgaShift | cfgADC<<badcShift | cfgADC<<sadcShift | cfgModeAll
	powerLSB = powerScale * calScale / (float64(cal) * c.ShuntOhm)
	return config, cal, powerLSB, nil
}

// Meter is one INA219 on a module feed. Feed may be called from several
// goroutines.
type Meter struct {
	mu       sync.Mutex
	dev      i2c.Dev
	now      func() units.Time
	config   uint16
	cal      uint16
	powerLSB float64 // watts per power register count
	last     hal.Sample[units.Watt]
}

var _ hal.FeedMeter = (*Meter)(nil)

// New programs the INA219 at addr (0x40..0x4F) for cfg and reads its
// configuration and calibration back. now stamps the samples. Nothing
// answering wraps drivers.ErrAbsent; registers that do not read back wrap
// drivers.ErrWrongChip.
func New(b i2c.Bus, addr uint16, cfg Config, now func() units.Time) (*Meter, error) {
	if addr < 0x40 || addr > 0x4F {
		return nil, fmt.Errorf("ina219: address %#x outside 0x40..0x4F", addr)
	}
	if now == nil {
		return nil, errors.New("ina219: no clock")
	}
	config, cal, lsb, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	m := &Meter{dev: i2c.Dev{Bus: b, Addr: addr}, now: now, config: config, cal: cal, powerLSB: lsb}
	if err := m.write16(regConfig, config); err != nil {
		return nil, fmt.Errorf("%v: %w: %w", m, drivers.ErrAbsent, err)
	}
	if err := m.write16(regCal, cal); err != nil {
		return nil, fmt.Errorf("%v: calibration: %w", m, err)
	}
	for _, c := range []struct {
		reg  byte
		want uint16
	}{{regCal, cal}, {regConfig, config}} {
		got, err := m.read16(c.reg)
		if err != nil {
			return nil, fmt.Errorf("%v: read back: %w", m, err)
		}
		if got != c.want {
			return nil, fmt.Errorf("%v: %w: register %#x reads %#04x, want %#04x", m, drivers.ErrWrongChip, c.reg, got, c.want)
		}
	}
	return m, nil
}

// String names the chip and its address.
func (m *Meter) String() string { return fmt.Sprintf("ina219 %#x", m.dev.Addr) }

// PowerLSB returns the watts of one power register count.
func (m *Meter) PowerLSB() float64 { return m.powerLSB }

func (m *Meter) write16(reg byte, v uint16) error {
	return m.dev.Tx([]byte{reg, byte(v >> 8), byte(v)}, nil)
}

func (m *Meter) read16(reg byte) (uint16, error) {
	var r [2]byte
	if err := m.dev.Tx([]byte{reg}, r[:]); err != nil {
		return 0, err
	}
	return uint16(r[0])<<8 | uint16(r[1]), nil
}

// Feed returns the feed's power, stamped now:
//
//   - StatusOK: a new conversion, in range, the calibration intact;
//   - StatusFault: the calibration register no longer holds what was
//     written (0 after a chip reset, when power reads 0): it is written
//     again, with the configuration, and the old Value kept;
//   - StatusRange: the chip's overflow flag (OVF): the current is beyond
//     the shunt's or the calibration's range; the old Value kept;
//   - StatusBus: a transaction failed; the old Value kept.
//
// When no conversion has finished since the last read (CNVR clear), it
// returns the previous sample unchanged, so staleness shows in At.
func (m *Meter) Feed() hal.Sample[units.Watt] {
	m.mu.Lock()
	defer m.mu.Unlock()
	bus, err := m.read16(regBus)
	if err != nil {
		return m.mark(hal.StatusBus)
	}
	if bus&busCNVR == 0 {
		return m.last
	}
	var power uint16
	if bus&busOVF == 0 {
		// Read before the calibration, so that a reset before this read
		// (power 0) is caught by the calibration read after it.
		if power, err = m.read16(regPower); err != nil {
			return m.mark(hal.StatusBus)
		}
	}
	cal, err := m.read16(regCal)
	switch {
	case err != nil:
		return m.mark(hal.StatusBus)
	case cal != m.cal:
		// Best effort: a failed rewrite is found again by the next read.
		if m.write16(regConfig, m.config) == nil {
			_ = m.write16(regCal, m.cal)
		}
		return m.mark(hal.StatusFault)
	case bus&busOVF != 0:
		return m.mark(hal.StatusRange)
	}
	m.last = hal.Sample[units.Watt]{Value: units.Watt(float64(power) * m.powerLSB), At: m.now(), Status: hal.StatusOK}
	return m.last
}

// mark records a reading that measured nothing: the old Value, a new At.
func (m *Meter) mark(s hal.Status) hal.Sample[units.Watt] {
	m.last.At, m.last.Status = m.now(), s
	return m.last
}
