package sim

import (
	"math"

	"hearth/hal"
	"hearth/units"
)

// Pump is a PWM circulator: it follows its speed command with a first-order
// spin-up and reports a profile-A feedback line.
type Pump struct {
	Now     *units.Time
	MaxLPM  units.LitrePerMin
	SpinUpS float64
	// MinSpeed is the bottom of the pump's speed band (an EC circulator's
	// lowest stable speed): a command above 0 and below it runs at it, 0
	// stops the pump. 0: no band.
	MinSpeed units.Ratio
	// MinW is the draw at MinSpeed and StandbyW stopped (its electronics
	// awake); between MinSpeed and full speed the draw is a power law
	// from MinW to the rated power. MinW 0: the draw goes as speed^3.
	MinW, StandbyW units.Watt

	Seized        bool    // blocked rotor: no flow, feedback "blocked"
	Unpowered     bool    // its supply is cut (a hardware interlock): no flow, no feedback
	Degrade       float64 // fraction of the flow curve still delivered (1 = new); 0 is taken as 1
	FeedbackAlarm bool    // the pump reports an electrical alarm (it still runs)

	// SeizedSilent blocks the rotor (no flow) while the feedback line keeps
	// reporting normal with the power it showed when it seized.
	SeizedSilent bool
	silentPower  units.Ratio
	// FeedbackLies makes the feedback line report LieAlarm whatever the
	// pump does (the pump itself runs normally).
	FeedbackLies bool
	LieAlarm     hal.PumpAlarm

	// Loading is the share of its normal hydraulic load the pump carries:
	// the plant sets it below 1 when the pump cavitates (a dry pump
	// delivers less and draws less). 0 is taken as 1.
	Loading float64

	cmd   units.Ratio
	speed units.Ratio // actual rotor speed

	lagDt units.Duration // step the cached lag factor was computed for
	lag   units.Ratio

	powS, powRated, powW float64 // the last draw computed (speeds settle)
	powK, powKRated      float64 // the power law's exponent, for powKRated
}

// SetSpeed implements hal.Pump.
func (p *Pump) SetSpeed(r units.Ratio) error { p.cmd = r.Clamp(); return nil }

// Command returns the last speed command.
func (p *Pump) Command() units.Ratio { return p.cmd }

// SetSeizedSilent blocks (or frees) the rotor without a word on the
// feedback line, which keeps the power it reports now.
func (p *Pump) SetSeizedSilent(on bool) {
	if on && !p.SeizedSilent {
		p.silentPower = p.Feedback().Power
	}
	p.SeizedSilent = on
}

// blocked reports whether the rotor cannot turn.
func (p *Pump) blocked() bool { return p.Seized || p.SeizedSilent || p.Unpowered }

func (p *Pump) loading() float64 {
	if p.Loading == 0 {
		return 1
	}
	return p.Loading
}

// Actual returns the rotor's true speed.
func (p *Pump) Actual() units.Ratio { return p.speed }

// Feedback implements hal.Pump.
func (p *Pump) Feedback() hal.PumpFeedback {
	fb := hal.PumpFeedback{Power: 0.7 * p.speed * p.speed * units.Ratio(p.loading()), At: *p.Now, Status: hal.StatusOK}
	switch {
	case p.Unpowered:
		fb.Power, fb.Status = 0, hal.StatusMissing // the line's electronics have no supply either
	case p.FeedbackLies:
		fb.Alarm = p.LieAlarm
		if fb.Alarm == hal.PumpBlocked || fb.Alarm == hal.PumpStandby {
			fb.Power = 0 // the line carries the alarm code, not a power
		}
	case p.SeizedSilent:
		fb.Alarm, fb.Power = hal.PumpNormal, p.silentPower
	case p.Seized:
		fb.Alarm, fb.Power = hal.PumpBlocked, 0
	case p.FeedbackAlarm:
		fb.Alarm = hal.PumpElectrical
	case p.cmd == 0:
		fb.Alarm = hal.PumpStandby
	}
	return fb
}

// Advance moves the rotor toward its command over dt.
func (p *Pump) Advance(dt units.Duration) {
	target := p.cmd
	if target > 0 {
		target = max(target, p.MinSpeed)
	}
	if p.blocked() {
		target = 0
	}
	if dt != p.lagDt {
		p.lagDt, p.lag = dt, units.Ratio(1-math.Exp(-dt.Seconds()/math.Max(p.SpinUpS, 1e-3)))
	}
	p.speed += p.lag * (target - p.speed)
	if d := p.speed - target; d < 1e-6 && d > -1e-6 {
		p.speed = target // settled: a rotor does not creep by parts per billion
	}
}

// Flow returns the flow the pump delivers now.
func (p *Pump) Flow() units.LitrePerMin {
	if p.blocked() {
		return 0
	}
	d := p.Degrade
	if d == 0 {
		d = 1
	}
	return units.LitrePerMin(float64(p.speed)*d*p.loading()) * p.MaxLPM
}

// ElectricPower returns the pump's draw at rated power ratedW.
func (p *Pump) ElectricPower(ratedW units.Watt) units.Watt {
	switch {
	case p.Unpowered:
		return 0
	case p.blocked() && p.cmd > 0:
		return ratedW * 0.3 // stalled motor still draws
	}
	return units.Watt(p.draw(float64(p.speed), float64(ratedW)) * p.loading())
}

// draw is the draw at rotor speed s: StandbyW stopped, a power law from
// MinW at MinSpeed to ratedW at full speed (below MinSpeed, only while the
// rotor spins up or down, the same law).
func (p *Pump) draw(s, ratedW float64) float64 {
	if s < 1e-3 {
		return float64(p.StandbyW)
	}
	lo, minW := float64(p.MinSpeed), float64(p.MinW)
	if lo <= 0 || lo >= 1 || minW <= 0 || minW >= ratedW {
		return ratedW * s * s * s
	}
	if ratedW != p.powKRated {
		p.powK, p.powKRated = math.Log(ratedW/minW)/math.Log(1/lo), ratedW
	}
	if s != p.powS || ratedW != p.powRated {
		p.powS, p.powRated, p.powW = s, ratedW, minW*math.Pow(s/lo, p.powK)
	}
	return p.powW
}

// Valve is a motorised valve with a fixed end-to-end travel time and a
// position feedback potentiometer.
type Valve struct {
	Now     *units.Time
	TravelS float64
	Stuck   bool    // the actuator does not move
	Slow    float64 // travel-time multiplier (>1 = slow); 0 is taken as 1

	cmd units.Ratio
	pos units.Ratio
}

// SetPosition implements hal.Valve.
func (v *Valve) SetPosition(r units.Ratio) error { v.cmd = r.Clamp(); return nil }

// Command returns the last position command.
func (v *Valve) Command() units.Ratio { return v.cmd }

// Position implements hal.Valve.
func (v *Valve) Position() hal.Sample[units.Ratio] {
	return hal.Sample[units.Ratio]{Value: v.pos, At: *v.Now, Status: hal.StatusOK}
}

// Actual returns the true position.
func (v *Valve) Actual() units.Ratio { return v.pos }

// Set forces the true position (initial state).
func (v *Valve) Set(r units.Ratio) { v.pos, v.cmd = r, r }

// Advance moves the valve toward its command over dt.
func (v *Valve) Advance(dt units.Duration) {
	if v.Stuck {
		return
	}
	slow := v.Slow
	if slow == 0 {
		slow = 1
	}
	step := units.Ratio(dt.Seconds() / (v.TravelS * slow))
	switch d := v.cmd - v.pos; {
	case d > step:
		v.pos += step
	case d < -step:
		v.pos -= step
	default:
		v.pos = v.cmd
	}
}

// Fan is the dump cooler's fan.
type Fan struct {
	Now    *units.Time
	Failed bool

	cmd   units.Ratio
	speed units.Ratio

	lagDt units.Duration
	lag   units.Ratio
}

// SetSpeed implements hal.Fan.
func (f *Fan) SetSpeed(r units.Ratio) error { f.cmd = r.Clamp(); return nil }

// Speed implements hal.Fan (a tachometer).
func (f *Fan) Speed() hal.Sample[units.Ratio] {
	return hal.Sample[units.Ratio]{Value: f.speed, At: *f.Now, Status: hal.StatusOK}
}

// Command returns the last speed command.
func (f *Fan) Command() units.Ratio { return f.cmd }

// Actual returns the true fan speed.
func (f *Fan) Actual() units.Ratio { return f.speed }

// Advance moves the fan toward its command (a 3 s time constant).
func (f *Fan) Advance(dt units.Duration) {
	target := f.cmd
	if f.Failed {
		target = 0
	}
	if dt != f.lagDt {
		f.lagDt, f.lag = dt, units.Ratio(1-math.Exp(-dt.Seconds()/3))
	}
	f.speed += f.lag * (target - f.speed)
	if d := f.speed - target; d < 1e-6 && d > -1e-6 {
		f.speed = target
	}
}

// Switch is an on/off output.
type Switch struct{ On bool }

// Set implements hal.Switch.
func (s *Switch) Set(on bool) error { s.On = on; return nil }
