package pca9685

import (
	"errors"
	"math"

	"hearth/units"
)

// The duties ProfileADuty commands, as the pump must see them (VDMA 24224
// profile A, heating circulators: ≤ 10 % maximum speed; 10..84 % from
// maximum down to minimum speed; 84..91 % minimum speed; 91..95 %
// hysteresis; > 95 % standby; 0 %, a broken cable, maximum speed). Each
// sits well inside its band so that the optocoupler stage's few per cent
// of duty distortion cannot carry it into the next.
const (
	DutyMaxSpeed  units.Ratio = 0.05 // maximum speed: inside 0..10 %, yet a signal, not a broken cable
	DutyLinearTop units.Ratio = 0.10 // the linear band's maximum-speed end
	DutyLinearEnd units.Ratio = 0.84 // the linear band's minimum-speed end
	DutyMinSpeed  units.Ratio = 0.88 // minimum speed: the middle of 84..91 %
	DutyStandby   units.Ratio = 0.98 // standby (stop): inside 95..100 %
)

// MinSpeed is the smallest speed command ProfileADuty sends on the linear
// band. A command in (0, MinSpeed) asks for less than the pump's minimum
// speed: the pump is sent its minimum band (DutyMinSpeed), so it runs at
// its minimum, never slower than asked and never stopped.
const MinSpeed units.Ratio = 0.05

// ProfileADuty maps a speed command (0..1 of maximum) onto the VDMA 24224
// profile-A duty the pump must see:
//
//   - speed ≥ 1, or NaN: DutyMaxSpeed (5 %), maximum speed; NaN runs the
//     pump flat out, as a lost signal does (hal.Deenergised);
//   - MinSpeed ≤ speed < 1: linear from 84 % at speed 0 to 10 % at speed 1
//     (84 % − 74 %·speed), the linear band from minimum to maximum speed;
//   - 0 < speed < MinSpeed: DutyMinSpeed (88 %), the minimum-speed band;
//   - speed ≤ 0: DutyStandby (98 %), standby.
//
// The hysteresis band (91..95 %) is never commanded. The pump's speed for a
// duty on the linear band is pump-specific: the band runs from its own
// minimum to its maximum, so a command maps onto that span, and the pump
// turns at least as fast as a command that is a fraction of its maximum.
func ProfileADuty(speed units.Ratio) units.Ratio {
	switch {
	case math.IsNaN(float64(speed)) || speed >= 1:
		return DutyMaxSpeed
	case speed <= 0:
		return DutyStandby
	case speed < MinSpeed:
		return DutyMinSpeed
	}
	return DutyLinearEnd - (DutyLinearEnd-DutyLinearTop)*speed
}

// PumpOut is one channel driving a profile-A circulator's PWM input.
//
// A chip reset leaves the channel low. With invert false the pump then
// sees 0 %, maximum speed, as with a broken cable; with invert true (an
// inverting optocoupler stage) it sees 100 %: standby. Refresh finds and
// undoes the reset, but until then an inverted pump is stopped.
type PumpOut struct {
	d      *Dev
	ch     int
	invert bool
}

// Pump returns channel ch as a profile-A pump output. invert says that the
// stage between the chip and the pump inverts (an open-collector
// optocoupler): the chip then runs at 1 − the pump's duty. A channel
// outside 0..15 makes every SetSpeed fail.
func (d *Dev) Pump(ch int, invert bool) *PumpOut {
	return &PumpOut{d: d, ch: ch, invert: invert}
}

// SetSpeed commands speed (0..1 of maximum) as ProfileADuty's duty.
func (p *PumpOut) SetSpeed(speed units.Ratio) error {
	duty := ProfileADuty(speed)
	if p.invert {
		duty = 1 - duty
	}
	return p.d.set(p.ch, duty)
}

// LinearOut is one channel whose duty is the command itself: a valve's
// 0-10 V input (through a filter and amplifier) or the fan's PWM input.
type LinearOut struct {
	d      *Dev
	ch     int
	invert bool
}

// Linear returns channel ch as a linear output; invert makes the chip run
// at 1 − the ratio. A channel outside 0..15 makes every SetRatio fail.
func (d *Dev) Linear(ch int, invert bool) *LinearOut {
	return &LinearOut{d: d, ch: ch, invert: invert}
}

// ErrNaN is returned for a NaN command, which is not written.
var ErrNaN = errors.New("pca9685: command is NaN")

// SetRatio commands duty r, clamped to 0..1: 0 and 1 set the channel's
// full-off and full-on bits, anything between has 12-bit resolution. A NaN
// is refused (ErrNaN) and the channel keeps its previous command: which
// end of a linear output is safe depends on what it drives.
func (l *LinearOut) SetRatio(r units.Ratio) error {
	if math.IsNaN(float64(r)) {
		return ErrNaN
	}
	r = r.Clamp()
	if l.invert {
		r = 1 - r
	}
	return l.d.set(l.ch, r)
}
