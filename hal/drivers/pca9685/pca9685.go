// Package pca9685 drives a PCA9685 16-channel, 12-bit PWM controller on
// I²C: the circulators' VDMA 24224 profile-A PWM inputs (PumpOut), the
// valves' 0-10 V commands and the dump fan's PWM (LinearOut).
//
// It talks to the chip's registers itself, over periph's i2c.Bus, and does
// not use periph.io/x/devices/v3/pca9685: that package's only constructor
// (NewI2C) writes every channel, enables the ALLCALL address (0x70), sleeps
// about 205 ms and programs a prescale one too high (1 kHz gives ~872 Hz);
// its Dev cannot be built without it, and its gpio.PinIO wrapper panics
// (PWM(DutyMax, 0) divides by zero, and Halt calls it).
//
// The chip is set up in sleep mode (MODE1 auto-increment, ALLCALL off;
// MODE2 totem-pole outputs, not inverted, updated on the I²C STOP), given
// the prescale round(25 MHz / (4096·f)) − 1, woken and restarted, and then
// read back: MODE1, MODE2, PRE_SCALE and all 64 channel registers must be
// what was written. Refresh repeats the read-back and, when the chip has
// been reset (a reset leaves it asleep with every output off: MODE1 0x11,
// PRE_SCALE 0x1E) or a register was corrupted, sets it up again and
// rewrites every channel's last command.
//
// Every channel write sets LEDn_ON_L..LEDn_OFF_H in one four-byte
// transaction, so the chip applies it whole at the STOP.
package pca9685

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"hearth/hal/drivers"
	"hearth/units"

	"periph.io/x/conn/v3/i2c"
)

// Registers and bits (PCA9685 datasheet rev. 4, section 7.3).
const (
	regMode1    = 0x00
	regMode2    = 0x01
	regLED0     = 0x06 // LED0_ON_L; channel n's four registers start at 0x06+4n
	regPrescale = 0xFE

	mode1Restart = 0x80
	mode1AI      = 0x20 // register auto-increment
	mode1Sleep   = 0x10
	mode1AllCall = 0x01
	mode2OutDrv  = 0x04 // totem-pole outputs

	fullBit = 0x10 // bit 4 of LEDn_ON_H (full on) or LEDn_OFF_H (full off)

	// Channels is the chip's channel count.
	Channels = 16

	oscHz       = 25e6 // internal oscillator
	minPrescale = 3    // the chip forces PRE_SCALE to at least 3
	maxPrescale = 255
)

// The MODE1 and MODE2 values the driver runs the chip with.
const (
	runMode1 = mode1AI
	runMode2 = mode2OutDrv
)

// wake waits for the oscillator after SLEEP is cleared (datasheet: 500 µs
// at most) before the RESTART bit may be written. A bounded wait, not a
// threshold.
var wake = func() { time.Sleep(500 * time.Microsecond) }

// Dev is one PCA9685. Its methods may be called from several goroutines.
type Dev struct {
	mu       sync.Mutex
	dev      i2c.Dev
	prescale byte
	// image is every channel's last command as its four registers
	// (ON_L, ON_H, OFF_L, OFF_H): what the chip must hold.
	image [Channels][4]byte
}

// FreqTolerance is how far, as a fraction, the frequency the prescale
// gives may be from the one asked for. The prescale's step is coarse at
// the top of the range (1526 Hz at 3, 1221 Hz at 4).
const FreqTolerance = 0.05

// Prescale returns the PRE_SCALE value for freqHz, round(25 MHz /
// (4096·freqHz)) − 1, and whether the chip can run at it (24..1526 Hz)
// within FreqTolerance.
func Prescale(freqHz float64) (byte, bool) {
	p := math.Round(oscHz/(4096*freqHz)) - 1
	if !(p >= minPrescale && p <= maxPrescale) { // also NaN, ±Inf, f ≤ 0
		return 0, false
	}
	actual := oscHz / (4096 * (p + 1))
	if math.Abs(actual-freqHz) > FreqTolerance*freqHz {
		return 0, false
	}
	return byte(p), true
}

// New sets up the PCA9685 at addr (0x40..0x7F, not the ALLCALL address
// 0x70) for a PWM frequency of freqHz, every channel fully off, and reads
// its registers back. Nothing answering wraps drivers.ErrAbsent; a chip
// whose registers do not read back wraps drivers.ErrWrongChip. The actual
// frequency (Frequency) differs from freqHz by the prescale's rounding.
func New(b i2c.Bus, addr uint16, freqHz float64) (*Dev, error) {
	if addr < 0x40 || addr > 0x7F || addr == 0x70 {
		return nil, fmt.Errorf("pca9685: address %#x outside 0x40..0x7F (0x70 is ALLCALL)", addr)
	}
	p, ok := Prescale(freqHz)
	if !ok {
		return nil, fmt.Errorf("pca9685 %#x: no prescale gives %g Hz (24..1526 Hz, within %g %%)", addr, freqHz, FreqTolerance*100)
	}
	d := &Dev{dev: i2c.Dev{Bus: b, Addr: addr}, prescale: p}
	for ch := range d.image {
		d.image[ch] = regs(0)
	}
	var mode1 [1]byte
	if err := d.dev.Tx([]byte{regMode1}, mode1[:]); err != nil {
		return nil, fmt.Errorf("pca9685 %#x: %w: %w", addr, drivers.ErrAbsent, err)
	}
	if err := d.setup(); err != nil {
		return nil, err
	}
	if err := d.verify(); err != nil {
		var m *mismatchError
		if errors.As(err, &m) {
			return nil, fmt.Errorf("%w: %w", drivers.ErrWrongChip, err)
		}
		return nil, err
	}
	return d, nil
}

// Frequency returns the PWM frequency the chip runs at: 25 MHz / (4096 ·
// (PRE_SCALE + 1)).
func (d *Dev) Frequency() float64 { return oscHz / (4096 * (float64(d.prescale) + 1)) }

// String names the chip and its address.
func (d *Dev) String() string { return fmt.Sprintf("pca9685 %#x", d.dev.Addr) }

// setup puts the chip to sleep, sets MODE2 and the prescale (which can only
// be written asleep), writes every channel from the image, wakes the chip
// and restarts its PWM. The caller holds d.mu (or owns d).
func (d *Dev) setup() error {
	writes := [][]byte{
		{regMode1, mode1AI | mode1Sleep}, // asleep; ALLCALL off; RESTART: writing 0 has no effect
		{regMode2, runMode2},
		{regPrescale, d.prescale},
	}
	for _, w := range writes {
		if err := d.dev.Tx(w, nil); err != nil {
			return fmt.Errorf("%v: set-up: %w", d, err)
		}
	}
	if err := d.writeChannels(); err != nil {
		return err
	}
	if err := d.dev.Tx([]byte{regMode1, runMode1}, nil); err != nil {
		return fmt.Errorf("%v: wake: %w", d, err)
	}
	wake()
	if err := d.dev.Tx([]byte{regMode1, runMode1 | mode1Restart}, nil); err != nil {
		return fmt.Errorf("%v: restart: %w", d, err)
	}
	return nil
}

// writeChannels writes all 64 channel registers from the image in one
// auto-incremented transaction. The caller holds d.mu.
func (d *Dev) writeChannels() error {
	w := make([]byte, 1, 1+4*Channels)
	w[0] = regLED0
	for ch := range d.image {
		w = append(w, d.image[ch][:]...)
	}
	if err := d.dev.Tx(w, nil); err != nil {
		return fmt.Errorf("%v: write channels: %w", d, err)
	}
	return nil
}

// mismatchError is a register that did not read back as written.
type mismatchError struct {
	dev       string
	reg       string
	got, want []byte
	chanOnly  bool // only the channel registers differ: the set-up holds
}

func (e *mismatchError) Error() string {
	return fmt.Sprintf("%s: %s reads % x, want % x", e.dev, e.reg, e.got, e.want)
}

// verify reads MODE1, MODE2, PRE_SCALE and the 64 channel registers back
// and compares them with what the driver wrote: a bus error is returned as
// is, a difference as a *mismatchError. The caller holds d.mu.
func (d *Dev) verify() error {
	want := make([]byte, 0, 4*Channels)
	for ch := range d.image {
		want = append(want, d.image[ch][:]...)
	}
	checks := []struct {
		name string
		reg  byte
		want []byte
	}{
		{"MODE1", regMode1, []byte{runMode1}},
		{"MODE2", regMode2, []byte{runMode2}},
		{"PRE_SCALE", regPrescale, []byte{d.prescale}},
		{"LED registers", regLED0, want},
	}
	for _, c := range checks {
		got := make([]byte, len(c.want))
		if err := d.dev.Tx([]byte{c.reg}, got); err != nil {
			return fmt.Errorf("%v: read %s: %w", d, c.name, err)
		}
		if !bytes.Equal(got, c.want) {
			return &mismatchError{dev: d.String(), reg: c.name, got: got, want: c.want, chanOnly: c.reg == regLED0}
		}
	}
	return nil
}

// Refresh reads the chip's registers back and, when they are not what the
// driver wrote (a chip reset: MODE1 0x11, asleep, every output off; or a
// corrupted register), sets the chip up again, rewrites every channel's
// last command and reads it back. When only channel registers differ (a
// channel write that failed, or a corrupted one) it rewrites the channels
// without putting the chip to sleep. restored reports that the chip had to
// be set up again; err is nil when it now reads back as written. The edge
// calls it periodically and reports restored.
func (d *Dev) Refresh() (restored bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	err = d.verify()
	var m *mismatchError
	if !errors.As(err, &m) {
		return false, err // nil, or a bus error: nothing was learnt
	}
	restore := d.setup
	if m.chanOnly {
		restore = d.writeChannels
	}
	if err := restore(); err != nil {
		return true, fmt.Errorf("%w; restoring: %w", m, err)
	}
	if err := d.verify(); err != nil {
		return true, fmt.Errorf("%w; after restoring: %w", m, err)
	}
	return true, nil
}

// regs returns the four channel registers for duty: the full-off bit at 0
// or below (and NaN), the full-on bit at 1 or above, else ON = 0 and
// OFF = round(duty·4096), which rounds to full off or full on at the ends.
func regs(duty units.Ratio) [4]byte {
	off := math.Round(float64(duty) * 4096)
	switch {
	case !(off > 0):
		return [4]byte{0, 0, 0, fullBit}
	case off >= 4096:
		return [4]byte{0, fullBit, 0, 0}
	}
	n := uint16(off)
	return [4]byte{0, 0, byte(n), byte(n >> 8)}
}

// set commands channel ch to duty (0..1 of the period high) and records it
// in the image, so that Refresh can rewrite it after a reset.
func (d *Dev) set(ch int, duty units.Ratio) error {
	if ch < 0 || ch >= Channels {
		return fmt.Errorf("%v: no channel %d", d, ch)
	}
	r := regs(duty)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.image[ch] = r
	if err := d.dev.Tx([]byte{regLED0 + byte(4*ch), r[0], r[1], r[2], r[3]}, nil); err != nil {
		return fmt.Errorf("%v: channel %d: %w", d, ch, err)
	}
	return nil
}
