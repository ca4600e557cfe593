package safety

import (
	"math"

	"hearth/hal"
	"hearth/units"
)

// Plausibility: every channel a trip hangs on is judged before it is
// believed. A channel that is not believed is used by nobody: not by the
// checks, and not by control (Status.Untrusted reaches it as advice).

const powerOnC = 85.0 // a DS18B20 reads this before its first conversion

// probe is the plausibility record of one temperature input.
type probe struct {
	value      units.Celsius // last believed value, calibrated
	off        units.Celsius // the calibration offset in value
	validAt    units.Time    // when a believed value last arrived
	seen       bool          // a believed value has arrived at least once
	lastAt     units.Time    // timestamp of the last sample considered
	valid      bool          // the current sample is believed
	raw        units.Celsius // last raw reading, for the stuck check
	rawAt      units.Time    // when the raw reading last changed
	rawSeen    bool
	rawTwin    units.Celsius // the twin's believed value when the raw reading last changed
	lastStatus hal.Status
}

// judgeProbe decides whether the sample s of probe p is believed. stuck is
// how long its reading may hold one value: shorter when the physics says it
// must have moved meanwhile (its twin moved, the heater is on). Every check
// is on the raw reading; the value believed is the reading plus off, the
// engineer's calibration.
func (l *Layer) judgeProbe(p *probe, s hal.Sample[units.Celsius], off units.Celsius, now units.Time, stuck units.Duration, twin units.Celsius) {
	fresh := s.At != p.lastAt || !p.rawSeen
	if !fresh && s.Status == p.lastStatus {
		// The same sample as last tick (a DS18B20 converts every 750 ms):
		// only time can have changed the verdict.
		if p.valid && (now.Sub(s.At) > l.stale || now.Sub(p.rawAt) > stuck) {
			p.valid = false
		}
		return
	}
	p.lastAt, p.lastStatus = s.At, s.Status
	p.valid = false
	switch {
	case s.Status != hal.StatusOK:
		return
	case now.Sub(s.At) > l.stale:
		return
	case !(s.Value >= -55 && s.Value <= 125): // out of range, or not a number
		return
	case s.Value == powerOnC && (!p.seen || p.value < powerOnC-5 || p.value > powerOnC+5):
		// The power-on value is believed only when the last believed value
		// was already near it: from a cooler plant it is a lie.
		return
	}
	if fresh && (!p.rawSeen || s.Value != p.raw) {
		p.raw, p.rawAt, p.rawSeen, p.rawTwin = s.Value, now, true, twin
	}
	if now.Sub(p.rawAt) > stuck {
		return // not one bit of change: a real probe always flickers
	}
	if p.seen {
		allowed := units.Celsius(l.cfg.MaxRateKPerS*now.Sub(p.validAt).Seconds() + 1)
		if d := s.Value - (p.value - p.off); d > allowed || d < -allowed {
			return // a spike no oil or water can make (raw against raw: a new calibration is none)
		}
	}
	p.valid = true
	if fresh || !p.seen {
		p.validAt = now
	}
	p.value, p.off, p.seen = s.Value+off, off, true
}

// known reports whether probe id has been believed within SensorLossS.
func (l *Layer) known(id hal.TempID, now units.Time) bool {
	p := &l.probes[id]
	return p.seen && now.Sub(p.validAt) <= l.sensorLoss
}

// stuckAfter returns how long probe id's reading may hold one value. The
// two oil-in probes measure the same oil: one that has not moved one bit
// while its twin moved a kelvin is stuck after DisagreeS. The tank's top
// layer under the immersion heater rises at least 0.4 K/min: unmoved for
// half of StuckS with the heater on throughout, it is stuck.
func (l *Layer) stuckAfter(id hal.TempID, now units.Time) (units.Duration, units.Celsius) {
	p := &l.probes[id]
	switch id {
	case hal.TempOilInA, hal.TempOilInB:
		t := &l.probes[hal.TempOilInA+hal.TempOilInB-id]
		if p.rawSeen && t.valid && math.Abs(float64(t.value-p.rawTwin)) >= 1 {
			return units.DurationOf(l.cfg.DisagreeS), t.value
		}
		return l.stuck, t.value
	case hal.TempTankTop:
		if l.prevOut.Immersion && l.heatOnAt <= p.rawAt {
			return l.stuck / 2, 0
		}
	}
	return l.stuck, 0
}

// meter is the plausibility record of an analogue reading: a flow meter or
// the pressure transducer.
type meter struct {
	value    float64 // last believed value
	ok       bool    // the current sample is believed
	lastAt   units.Time
	raw      float64
	rawAt    units.Time // when the reading last changed
	rawCmd   units.Ratio
	rawSeen  bool
	rawRise  float64 // the oil's rise when the reading last changed
	riseSeen bool
	moving   bool        // the pump's command or the oil's rise has moved since the reading last changed
	movedAt  units.Time  // since when
	cmdMax   units.Ratio // the pump's command, falling from its peak at 10 % a second
	tooHigh  timer       // reading more than its pump can give
}

// judgeMeter decides whether the sample (v, at, status) is believed: OK,
// fresh, finite, within [lo, hi], and not stuck. A pressure reading (pumpMax
// 0) identical to the bit for PressureStuckS is stuck. A flow meter (pumpMax
// > 0) is stuck when its reading has not moved PumpRespondS after its pump's
// command moved by 2 % of full speed plus 5 % of itself (a change of flow of
// a few pulses a second; a live meter moves with far less), or after the
// oil's rise across the modules (rise, when riseOK) moved by a kelvin; and
// it is not believed while it reads more than its pump at command cmd can
// give.
func (l *Layer) judgeMeter(m *meter, v float64, at units.Time, status hal.Status, now units.Time,
	lo, hi float64, cmd units.Ratio, pumpMax float64, rise float64, riseOK bool) {
	cfg := &l.cfg
	fresh := at != m.lastAt || !m.rawSeen
	m.lastAt = at
	m.cmdMax = max(cmd, m.cmdMax-units.Ratio(0.1*l.dtS))
	if status != hal.StatusOK || now.Sub(at) > l.stale || !(v >= lo && v <= hi) {
		m.ok = false
		return
	}
	if fresh && (!m.rawSeen || v != m.raw) {
		m.raw, m.rawAt, m.rawCmd, m.rawSeen, m.moving = v, now, cmd, true, false
		m.rawRise, m.riseSeen = rise, riseOK
	}
	if pumpMax > 0 && !m.moving && (math.Abs(float64(cmd-m.rawCmd)) >= 0.02+0.05*float64(max(cmd, m.rawCmd)) ||
		riseOK && m.riseSeen && math.Abs(rise-m.rawRise) >= 1) {
		m.moving, m.movedAt = true, now
	}
	switch {
	case pumpMax == 0 && v != 0 && now.Sub(m.rawAt).Seconds() >= cfg.PressureStuckS:
		m.ok = false // not one count of change: a live transducer always moves
		return
	case m.moving && now.Sub(m.movedAt).Seconds() >= cfg.PumpRespondS:
		m.ok = false // its pump or the oil moved and the reading did not
		return
	}
	if pumpMax > 0 && m.tooHigh.held(v > float64(m.cmdMax)*pumpMax*1.1+1, now, cfg.PumpRespondS) {
		m.ok = false // more than its pump at this speed can give: it reads high
		return
	}
	m.ok, m.value = true, v
}

// feedback is the plausibility record of a pump's feedback line.
type feedback struct {
	ok      bool
	power   units.Ratio
	alarm   hal.PumpAlarm
	raw     units.Ratio
	rawCmd  units.Ratio
	seen    bool
	moving  bool // the command has moved since the reported power last changed
	movedAt units.Time
	// stuck: the line reports a running pump at one power while its
	// command moved (not believed): it cannot vouch that the rotor turns.
	stuck bool
}

// judgeFeedback decides whether a pump's report is believed: OK, fresh, a
// power in [0, 1], a known alarm, and a power that follows the command (a
// line that reports one power while its pump's command moves is stuck).
func (l *Layer) judgeFeedback(f *feedback, fb hal.PumpFeedback, cmd units.Ratio, now units.Time) {
	f.ok, f.stuck = false, false
	if !fb.OK() || now.Sub(fb.At) > l.stale || !(fb.Power >= 0 && fb.Power <= 1) || fb.Alarm > hal.PumpStandby {
		return
	}
	if !f.seen || fb.Power != f.raw {
		f.raw, f.rawCmd, f.seen, f.moving = fb.Power, cmd, true, false
	}
	if !f.moving && math.Abs(float64(cmd-f.rawCmd)) >= 0.2 {
		f.moving, f.movedAt = true, now
	}
	running := fb.Alarm == hal.PumpNormal || fb.Alarm == hal.PumpWarning
	if running && f.moving && now.Sub(f.movedAt).Seconds() >= l.cfg.PumpRespondS {
		f.stuck = true
		return // its pump changed speed and the reported power did not
	}
	f.ok, f.power, f.alarm = true, fb.Power, fb.Alarm
}

// digital is the plausibility record of a switch input (leak detector,
// level switch).
type digital struct {
	ok, value, seen bool
}

func (l *Layer) judgeDigital(d *digital, s hal.Sample[bool], now units.Time) {
	d.ok = s.OK() && now.Sub(s.At) <= l.stale
	if d.ok {
		d.value, d.seen = s.Value, true
	}
}

// flapRing is how many faults a channel remembers: at least the largest
// flap_count the bounds allow.
const flapRing = 10

// flap counts one channel's faults: each time a believed channel ceases to
// be believed.
type flap struct {
	at    [flapRing]units.Time
	next  int
	total uint16
	was   bool
}

// note records the channel's verdict of this tick and reports whether it
// made FlapCount faults within FlapWindowS.
func (f *flap) note(ok bool, now units.Time, count int, window units.Duration) bool {
	fault := f.was && !ok
	f.was = ok
	if !fault {
		return false
	}
	f.at[f.next%flapRing] = now
	f.next++
	if f.total < math.MaxUint16 {
		f.total++
	}
	n := 0
	for k := 0; k < min(f.next, flapRing); k++ {
		if now.Sub(f.at[k]) <= window {
			n++
		}
	}
	return n >= count
}

// judge judges every channel of this tick, counts each channel's faults and
// publishes what is not believed.
func (l *Layer) judge(in *hal.Inputs, now units.Time) {
	cfg := &l.cfg
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		stuck, twin := l.stuckAfter(id, now)
		l.judgeProbe(&l.probes[id], in.Temp[id], units.Celsius(in.Offset[id]), now, stuck, twin)
	}
	pr := in.Pressure
	l.judgeMeter(&l.press, float64(pr.Value), pr.At, pr.Status, now, -0.1, 4.1, 0, 0, 0, false)
	pumpMax := [hal.NumFlows]float64{float64(cfg.OilPumpMaxLPM), float64(cfg.WaterPumpMaxLPM)}
	for i := range in.Flow {
		f := &in.Flow[i]
		oil := hal.FlowID(i) == hal.FlowOil
		l.judgeMeter(&l.flows[i], float64(f.Value), f.At, f.Status, now, 0, pumpMax[i]*1.5+2, l.prevOut.Pump[i], pumpMax[i],
			float64(l.rise), l.riseOK && oil)
	}
	for i := range in.Pump {
		l.judgeFeedback(&l.pumps[i], in.Pump[i], l.prevOut.Pump[i], now)
	}
	l.judgeDigital(&l.leakIn, in.Leak, now)
	l.judgeDigital(&l.oilLow, in.OilLow, now)
	l.judgeModules(in, now)
	l.noteChannels(now)
}

// believed returns the verdict of channel c this tick.
func (l *Layer) believed(c hal.Channel) bool {
	switch {
	case c < hal.Channel(hal.NumTemps):
		return l.probes[c].valid
	case c == hal.ChanPressure:
		return l.press.ok
	case c == hal.ChanFlowOil || c == hal.ChanFlowWater:
		return l.flows[c-hal.ChanFlowOil].ok
	case c == hal.ChanLeak:
		return l.leakIn.ok
	case c == hal.ChanOilLow:
		return l.oilLow.ok
	}
	return l.pumps[c-hal.ChanPumpOil].ok
}

// noteChannels counts every channel's faults, latches the ones that flap,
// and publishes which are not believed.
func (l *Layer) noteChannels(now units.Time) {
	st := &l.st
	st.Untrusted = 0
	count, window := int(l.cfg.FlapCount), units.DurationOf(l.cfg.FlapWindowS)
	for c := hal.Channel(0); c < hal.NumChannels; c++ {
		ok := l.believed(c)
		if !ok {
			st.Untrusted |= c.Bit()
		}
		if l.flaps[c].note(ok, now, count, window) {
			st.Flapping |= c.Bit()
		}
		st.FaultCount[c] = l.flaps[c].total
	}
}
