// Package max31865 reads a platinum RTD (a PT1000, or a PT100) through a
// MAX31865 RTD-to-digital converter on SPI. periph.io has no driver for it;
// this one follows the MAX31865 datasheet.
//
// Design:
//
//   - The chip runs in automatic conversion mode (a conversion every 20 ms
//     with the 50 Hz filter, 16.7 ms with 60 Hz), so a read never starts or
//     waits on a conversion: Temperature is one SPI transaction of 9 bytes
//     that reads every register from 0x00 to 0x07 at once (the address
//     auto-increments): the configuration, the RTD code, both fault
//     thresholds and the fault status.
//   - Every read so checks that the configuration and the thresholds still
//     hold what New wrote. A reset or a brown-out returns them to their
//     power-on values (configuration 0x00: bias off, conversions stopped,
//     thresholds 0xFFFF/0x0000): the driver writes them again and reports
//     that sample StatusFault, and the samples of the next SettleTime
//     StatusPowerOn, since the chip has not converted yet.
//   - A code of 0 without a fault is the RTD register's power-on value, never
//     a measurement (a short trips the low threshold first): StatusPowerOn.
//   - A fault (bit 0 of the RTD LSB, or any bit of the fault status) is
//     reported by its highest set bit, then cleared (configuration bit D1,
//     written with D5, D3 and D2 at 0 as the datasheet asks) so that the
//     next read can recover:
//     D7 RTD ≥ high threshold: an open RTD or RTD+ shorted high: StatusOpen;
//     D6 RTD ≤ low threshold: a shorted RTD: StatusShort;
//     D5 REFIN- > 0.85·VBIAS: REFIN- shorted high, or FORCE- open with
//     FORCE+ shorted: the reference is not being driven: StatusOpen;
//     D4 REFIN- < 0.85·VBIAS with FORCE- open: StatusOpen;
//     D3 RTDIN- < 0.85·VBIAS with FORCE- open: StatusOpen;
//     D2 over/under-voltage on an input (a wire touching a supply): the
//     chip's protection tripped: StatusFault;
//     a fault bit with an empty status register: StatusFault.
//     D5, D4 and D3 are only set by a fault-detection cycle, which this
//     driver does not run (it stops the conversions for about 600 µs): on
//     a read they can only come from a cycle run by someone else. An open or
//     a shorted RTD is seen by the thresholds, on every conversion.
//   - The thresholds are set for wiring faults, not for the temperature
//     range: high at 99 % of full scale (an open RTD drives the ADC to full
//     scale), low at R0/10 (a PT1000 reads 185 Ω at -200 °C; a short reads
//     its leads' ohm or two). Between them, a resistance whose temperature
//     lies outside IEC 60751's -200..850 °C is StatusRange.
//   - Resistance is code/32768·RefOhm; the temperature is the inverse of the
//     Callendar-Van Dusen curve (IEC 60751), exact at or above 0 °C (a
//     quadratic), a Newton iteration on the full curve below.
//   - Every sample not StatusOK keeps the last good Value with the new At:
//     a status says what went wrong, never a plausible number.
//
// The SPI port runs in mode 1 at 1 MHz: the chip allows mode 1 or 3 up to
// 5 MHz, and a fifth of that leaves margin for a long ribbon to the probe
// board.
package max31865

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"

	"hearth/hal"
	"hearth/hal/drivers"
	"hearth/units"
)

// Registers (read addresses; a write sets bit 7).
const (
	regConfig    = 0x00
	regRTD       = 0x01 // MSB, LSB; bit 0 of the LSB is the fault bit
	regHighFault = 0x03 // MSB, LSB
	regLowFault  = 0x05 // MSB, LSB
	regFault     = 0x07
	regWrite     = 0x80
	numRegs      = 8
)

// Configuration register bits.
const (
	cfgVBias      = 0x80
	cfgAuto       = 0x40 // automatic conversion mode
	cfgOneShot    = 0x20 // self-clearing
	cfg3Wire      = 0x10
	cfgFaultCycle = 0x0C // fault-detection cycle control (D3:D2)
	cfgFaultClear = 0x02 // self-clearing
	cfg50Hz       = 0x01
)

// Fault status register bits.
const (
	faultHigh     = 0x80 // RTD ≥ high threshold
	faultLow      = 0x40 // RTD ≤ low threshold
	faultRefHigh  = 0x20 // REFIN- > 0.85·VBIAS
	faultRefLow   = 0x10 // REFIN- < 0.85·VBIAS, FORCE- open
	faultRTDInLow = 0x08 // RTDIN- < 0.85·VBIAS, FORCE- open
	faultVoltage  = 0x04 // over/under-voltage
	faultMask     = 0xFC // D1, D0 are unused
)

// SettleTime is how long after the configuration is written the samples are
// StatusPowerOn: an automatic conversion takes 20 ms with the 50 Hz filter
// (a one-shot 62.5 ms), and the bias must settle before the first; 100 ms
// leaves margin for both.
const SettleTime = 100 * units.Millisecond

// Config describes the probe and its wiring.
type Config struct {
	RefOhm    float64 // the board's reference resistor, e.g. 4300 for a PT1000
	R0Ohm     float64 // the probe's resistance at 0 °C: 1000 for a PT1000
	Wires     int     // 2, 3 or 4
	Mains50Hz bool    // the notch filter: 50 Hz, else 60 Hz
}

// Validate reports a configuration New would refuse.
func (c Config) Validate() error {
	switch {
	case !(c.R0Ohm > 0) || math.IsInf(c.R0Ohm, 0):
		return fmt.Errorf("max31865: R0 %v Ω is not a resistance", c.R0Ohm)
	case !(c.RefOhm > c.R0Ohm) || math.IsInf(c.RefOhm, 0):
		return fmt.Errorf("max31865: reference %v Ω must exceed R0 %v Ω", c.RefOhm, c.R0Ohm)
	case c.Wires < 2 || c.Wires > 4:
		return fmt.Errorf("max31865: %d wires: a probe has 2, 3 or 4", c.Wires)
	}
	return nil
}

// Dev is one MAX31865 and its probe. Its methods are safe for concurrent use.
type Dev struct {
	mu  sync.Mutex
	c   spi.Conn
	cfg Config
	now func() units.Time

	config    byte    // the configuration register as written
	threshold [4]byte // high MSB, LSB, low MSB, LSB as written
	settled   units.Time
	last      units.Celsius // the last good temperature
}

// New connects to the MAX31865 on p, configures it (bias on, automatic
// conversions, the wiring, the mains filter, the fault thresholds, faults
// cleared) and reads it back. A read-back of 0x00 or 0xFF (MISO held low or
// floating high) wraps drivers.ErrAbsent; any other mismatch wraps
// drivers.ErrWrongChip. now stamps the samples.
func New(p spi.Port, cfg Config, now func() units.Time) (*Dev, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		return nil, errors.New("max31865: no clock")
	}
	c, err := p.Connect(1*physic.MegaHertz, spi.Mode1, 8)
	if err != nil {
		return nil, fmt.Errorf("max31865: connect %s: %w", p, err)
	}
	d := &Dev{c: c, cfg: cfg, now: now, config: configByte(cfg), threshold: thresholds(cfg)}
	if err := d.configure(now()); err != nil {
		return nil, fmt.Errorf("max31865 on %s: configure: %w", p, err)
	}
	regs, err := d.readAll()
	switch {
	case err != nil:
		return nil, fmt.Errorf("max31865 on %s: read back: %w", p, err)
	case regs[regConfig] == 0x00 || regs[regConfig] == 0xFF:
		return nil, fmt.Errorf("max31865 on %s: configuration reads %#02x after writing %#02x: %w",
			p, regs[regConfig], d.config, drivers.ErrAbsent)
	case !d.holds(regs):
		return nil, fmt.Errorf("max31865 on %s: registers read % x after writing config %#02x, thresholds % x: %w",
			p, regs[:regFault], d.config, d.threshold, drivers.ErrWrongChip)
	}
	return d, nil
}

// configByte is the configuration register for cfg.
func configByte(cfg Config) byte {
	b := byte(cfgVBias | cfgAuto)
	if cfg.Wires == 3 {
		b |= cfg3Wire
	}
	if cfg.Mains50Hz {
		b |= cfg50Hz
	}
	return b
}

// thresholds are the fault threshold registers for cfg (15-bit codes in bits
// 15..1): high at 99 % of full scale, low at R0/10.
func thresholds(cfg Config) [4]byte {
	high := uint16(32767 * 99 / 100)
	low := uint16(math.Round(cfg.R0Ohm / 10 / cfg.RefOhm * 32768))
	high, low = high<<1, low<<1
	return [4]byte{byte(high >> 8), byte(high), byte(low >> 8), byte(low)}
}

// configure writes the configuration and the thresholds, and clears the
// fault status. The conversions stop first: the datasheet forbids changing
// the filter while they run. Called with d.mu held, or before d is shared.
func (d *Dev) configure(at units.Time) error {
	d.settled = at.Add(SettleTime)
	if err := d.c.Tx([]byte{regWrite | regConfig, d.config &^ cfgAuto}, nil); err != nil {
		return err
	}
	if err := d.c.Tx([]byte{regWrite | regConfig, d.config | cfgFaultClear}, nil); err != nil {
		return err
	}
	w := append([]byte{regWrite | regHighFault}, d.threshold[:]...)
	return d.c.Tx(w, nil)
}

// readAll reads registers 0x00..0x07 in one transaction.
func (d *Dev) readAll() ([numRegs]byte, error) {
	var w, r [1 + numRegs]byte
	w[0] = regConfig
	var regs [numRegs]byte
	if err := d.c.Tx(w[:], r[:]); err != nil {
		return regs, err
	}
	copy(regs[:], r[1:])
	return regs, nil
}

// holds reports whether the registers still hold what configure wrote. Bit
// 0 of each threshold LSB is unused and not compared.
func (d *Dev) holds(regs [numRegs]byte) bool {
	t := regs[regHighFault : regLowFault+2]
	return regs[regConfig] == d.config &&
		t[0] == d.threshold[0] && t[1]&^1 == d.threshold[1] &&
		t[2] == d.threshold[2] && t[3]&^1 == d.threshold[3]
}

// absent reports registers that are all 0x00 or all 0xFF: MISO held low or
// floating high, nothing answering (a reset chip reads 0xFF in its high
// threshold and 0x00 elsewhere).
func absent(regs [numRegs]byte) bool {
	for _, b := range regs[1:] {
		if b != regs[0] {
			return false
		}
	}
	return regs[0] == 0x00 || regs[0] == 0xFF
}

// faultStatus maps a fault status register to a sample status by its
// highest set bit (see the package comment).
func faultStatus(f byte) hal.Status {
	switch {
	case f&faultHigh != 0:
		return hal.StatusOpen
	case f&faultLow != 0:
		return hal.StatusShort
	case f&(faultRefHigh|faultRefLow|faultRTDInLow) != 0:
		return hal.StatusOpen
	}
	return hal.StatusFault // faultVoltage, or a fault bit with no cause
}

// Temperature reads the latest automatic conversion (one SPI transaction,
// plus a write when a fault must be cleared or the configuration restored).
// It implements hal.TemperatureProbe.
func (d *Dev) Temperature() hal.Sample[units.Celsius] {
	d.mu.Lock()
	defer d.mu.Unlock()
	at := d.now()
	regs, err := d.readAll()
	switch {
	case err != nil || absent(regs):
		return d.keep(at, hal.StatusBus)
	case !d.holds(regs):
		// Reset or brown-out: write it all again. If that fails, the
		// next read sees the mismatch and tries again.
		_ = d.configure(at)
		return d.keep(at, hal.StatusFault)
	}
	code := uint16(regs[regRTD])<<8 | uint16(regs[regRTD+1])
	if f := regs[regFault] & faultMask; code&1 != 0 || f != 0 {
		// Clear the latched status so the next read can recover. If the
		// write fails, the next read sees the fault again and retries.
		_ = d.c.Tx([]byte{regWrite | regConfig, d.config | cfgFaultClear}, nil)
		return d.keep(at, faultStatus(f))
	}
	code >>= 1
	if code == 0 || at < d.settled {
		return d.keep(at, hal.StatusPowerOn)
	}
	ohm := float64(code) / 32768 * d.cfg.RefOhm
	t := temperature(ohm, d.cfg.R0Ohm)
	if !(t >= minCelsius && t <= maxCelsius) { // NaN too
		return d.keep(at, hal.StatusRange)
	}
	d.last = units.Celsius(t)
	return hal.Sample[units.Celsius]{Value: d.last, At: at, Status: hal.StatusOK}
}

// keep is a sample of status st at at that carries the last good value.
func (d *Dev) keep(at units.Time, st hal.Status) hal.Sample[units.Celsius] {
	return hal.Sample[units.Celsius]{Value: d.last, At: at, Status: st}
}

var _ hal.TemperatureProbe = (*Dev)(nil)
