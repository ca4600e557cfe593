// Package ads1115 reads the HeatHub's analog inputs on an ADS1115 16-bit ADC
// (I2C, addresses 0x48..0x4B): the primary circuit's pressure transducer (a
// 0.5-4.5 V ratiometric output on the 5 V supply) and the valves' position
// feedback signals (2-10 V, brought into the ADC's range by a divider).
//
// Design:
//
//   - Single-shot conversions, one at a time: a read writes the
//     configuration register (OS bit set: start; MUX: AINx against ground;
//     PGA ±6.144 V, 187.5 µV a code, since a 5 V signal exceeds the ±4.096 V
//     range; 128 SPS; comparator off), waits out the conversion, and reads
//     the conversion register. A mutex per chip serialises the conversions:
//     the chip has one converter and one conversion register.
//   - The wait is bounded and checked: first 9 ms, the 7.8 ms of a 128 SPS
//     conversion plus 15 % (the data rate varies by up to 10 % with the
//     internal oscillator); then the configuration register is read until
//     its OS bit says the conversion is done, at most 4 times 1 ms apart. A
//     read takes at most 12 ms and seven short transactions, in the
//     sampler's goroutine, never in the tick.
//   - The polled configuration must read back what was written (bits 14..0):
//     a chip that reset during the conversion reads its power-on 0x8583,
//     and its conversion register holds no measurement of ours. That sample,
//     and one whose conversion never finishes, is StatusFault.
//   - Wiring faults are statuses, not values: below FaultLowV a live-zero
//     signal is open or broken (StatusOpen), above FaultHighV it is shorted
//     to the supply (StatusShort). Every sample not StatusOK keeps the last
//     good Value with the new At.
//
// Why not periph.io/x/devices/v3/ads1x15: its pin starts a conversion,
// sleeps exactly 1/data-rate with time.Sleep and reads the conversion
// register without checking the OS bit, so a conversion running up to 10 %
// slow returns the previous one (possibly another channel's); its
// constructor does no I/O, so an absent or wrong chip is not seen until the
// first read, and a reset chip never; and its wall-clock sleep cannot run on
// a test's fake clock. The register transactions are a dozen lines on
// i2c.Dev.
//
// The pressure is computed from volts, not from the ratio to the 5 V
// supply: a supply off its nominal 5 V moves the reading by the same
// fraction.
package ads1115

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/i2c"

	"hearth/hal"
	"hearth/hal/drivers"
	"hearth/units"
)

// Registers (the pointer byte).
const (
	regConversion = 0x00
	regConfig     = 0x01
)

// Configuration register fields.
const (
	cfgOS       = 0x8000 // write: start a single conversion; read: 1 = idle
	cfgMuxAIN0  = 0x4000 // AIN0 against GND; AIN1..3 follow at 0x1000 steps
	cfgPGA6144  = 0x0000 // ±6.144 V
	cfgSingle   = 0x0100 // single-shot, power down after
	cfgDR128    = 0x0080 // 128 SPS
	cfgCompOff  = 0x0003 // comparator disabled, ALERT/RDY high impedance
	cfgPowerOn  = 0x8583 // the register's value after a reset
	cfgNotOS    = 0x7FFF
	numChannels = 4
)

// Conversion timing at 128 SPS.
const (
	firstWait = 9 * time.Millisecond
	pollWait  = time.Millisecond
	maxPolls  = 4
)

// VoltsPerCode is the weight of one code at PGA ±6.144 V.
const VoltsPerCode = 6.144 / 32768

// ADC is one ADS1115. Its inputs are safe for concurrent use.
type ADC struct {
	mu    sync.Mutex // held for a whole conversion, and an input's last value
	dev   i2c.Dev
	now   func() units.Time
	sleep func(time.Duration)
}

// New checks that an ADS1115 answers at addr (0x48..0x4B) on b: its
// configuration register must read its power-on value 0x8583, or what this
// driver writes (a controller restarted without a power cycle). No answer
// wraps drivers.ErrAbsent; another value wraps drivers.ErrWrongChip. now
// stamps the samples.
func New(b i2c.Bus, addr uint16, now func() units.Time) (*ADC, error) {
	if addr < 0x48 || addr > 0x4B {
		return nil, fmt.Errorf("ads1115: address %#x: the chip has 0x48..0x4B", addr)
	}
	if now == nil {
		return nil, errors.New("ads1115: no clock")
	}
	a := &ADC{dev: i2c.Dev{Bus: b, Addr: addr}, now: now, sleep: time.Sleep}
	v, err := a.readReg(regConfig)
	if err != nil {
		return nil, fmt.Errorf("ads1115 at %#x on %s: %w: %w", addr, b, drivers.ErrAbsent, err)
	}
	if v != cfgPowerOn && !ours(v) {
		return nil, fmt.Errorf("ads1115 at %#x on %s: configuration reads %#04x, not the power-on %#04x nor ours: %w",
			addr, b, v, cfgPowerOn, drivers.ErrWrongChip)
	}
	return a, nil
}

// config is the configuration that starts a conversion of channel ch.
func config(ch int) uint16 {
	return cfgOS | (cfgMuxAIN0 + uint16(ch)<<12) | cfgPGA6144 | cfgSingle | cfgDR128 | cfgCompOff
}

// ours reports whether a configuration read back is one this driver wrote,
// for any channel, converting or not.
func ours(v uint16) bool {
	for ch := range numChannels {
		if v&cfgNotOS == config(ch)&cfgNotOS {
			return true
		}
	}
	return false
}

func (a *ADC) readReg(reg byte) (uint16, error) {
	var r [2]byte
	if err := a.dev.Tx([]byte{reg}, r[:]); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint16(r[:]), nil
}

// convert runs one single-shot conversion of channel ch and returns its
// volts, with StatusOK, StatusBus or StatusFault. Called with a.mu held.
func (a *ADC) convert(ch int) (float64, hal.Status) {
	want := config(ch)
	if err := a.dev.Tx([]byte{regConfig, byte(want >> 8), byte(want)}, nil); err != nil {
		return 0, hal.StatusBus
	}
	a.sleep(firstWait)
	for i := 0; ; i++ {
		v, err := a.readReg(regConfig)
		switch {
		case err != nil:
			return 0, hal.StatusBus
		case v&cfgNotOS != want&cfgNotOS:
			return 0, hal.StatusFault // reset or reconfigured: not our conversion
		case v&cfgOS != 0:
			code, err := a.readReg(regConversion)
			if err != nil {
				return 0, hal.StatusBus
			}
			return float64(int16(code)) * VoltsPerCode, hal.StatusOK
		case i == maxPolls-1:
			return 0, hal.StatusFault // the conversion never finished
		}
		a.sleep(pollWait)
	}
}
