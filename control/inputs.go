package control

import (
	"hearth/hal"
	"hearth/units"
)

// This file is the one place where control judges what it reads. A sample
// enters a filter or a loop only when it is believed: its status is OK, it
// is fresh (At within StaleS of now), it is finite and within its sensor's
// range, and safety has not marked its channel Untrusted. What is not
// believed is replaced by a documented fallback (docs/control.md, "Bad
// samples"), so every value the steps read is finite.

// The DS18B20's range and its power-on value.
const (
	probeMinC    units.Celsius = -55
	probeMaxC    units.Celsius = 125
	powerOnC     units.Celsius = 85
	powerOnNearK units.Celsius = 5 // 85.0 C is believed only this close to the last good value
)

// moduleOverW is how far past its full power a module's reported draw may
// be, as a factor, before it is taken for nonsense.
const moduleOverW = 1.5

// probe is what control keeps of one temperature point.
type probe struct {
	v    units.Celsius // last good value
	at   units.Time    // when it was last good
	seen bool          // a good value has been read since start
	good bool          // this tick's sample is good
}

// view is what control believes of the plant this tick: every input
// judged and every fallback applied. The steps read only this.
type view struct {
	now    units.Time
	first  bool    // the controller's first step
	dt     float64 // seconds since the last step: 0 on the first, or when time ran backwards
	dtRoom float64 // the same for the room's filter, as dtTick gives it

	// Oil into the modules, as the oil's loops take it. oilWait: at
	// start-up, before the first value, the oil's loops and filters wait
	// (for at most HoldS); oil then reads the ceiling, for the oil pump.
	oil     units.Celsius
	oilWait bool

	outdoor      units.Celsius // for the weather curve
	outdoorFresh bool          // a good sample this tick: it feeds the day's mean
	indoorLost   bool          // seen once, and no good sample for HoldS: the house's loop holds

	top, bottom units.Celsius // tank layers, after their fallbacks
	topKnown    bool          // the upper layer is good or held: the immersion heater may run
	bottomKnown bool
	tankLost    bool // neither layer known: the tank's loop holds

	supply     units.Celsius // primary water out of the exchanger, after its fallback
	supplyLost bool          // no good sample for HoldS: the weather-curve loop holds

	oilLPM     units.LitrePerMin
	oilLPMOK   bool
	waterLPM   units.LitrePerMin
	waterLPMOK bool

	n      int        // modules, within 0..hal.MaxModules
	powerW units.Watt // the modules' draw, never NaN
}

// fresh reports whether a sample taken at at is no further than StaleS from
// now, either way (a time from the future is as wrong as an old one).
func (c *Controller) fresh(at, now units.Time) bool {
	// Unsigned differences: no overflow whatever the two instants.
	if at <= now {
		return uint64(now)-uint64(at) <= uint64(c.stale)
	}
	return uint64(at)-uint64(now) <= uint64(c.stale)
}

// judgeTemp judges one temperature sample and keeps it when good.
func (c *Controller) judgeTemp(id hal.TempID, s hal.Sample[units.Celsius], now units.Time, untrusted uint32) {
	p := &c.probes[id]
	// The range comparisons also refuse NaN and both infinities.
	ok := s.OK() && c.fresh(s.At, now) && s.Value >= probeMinC && s.Value <= probeMaxC &&
		untrusted&hal.TempChannel(id).Bit() == 0
	if ok && s.Value == powerOnC && !(p.seen && max(p.v-powerOnC, powerOnC-p.v) <= powerOnNearK) {
		ok = false // a DS18B20 that lost power, unless the point really was near 85 C
	}
	p.good = ok
	if ok {
		p.v, p.at, p.seen = s.Value, now, true
	}
}

// held returns a temperature's value when it is good this tick, or was
// within the last HoldS, and whether it is.
func (c *Controller) held(id hal.TempID, now units.Time) (units.Celsius, bool) {
	p := &c.probes[id]
	return p.v, p.good || p.seen && now.Sub(p.at).Seconds() <= c.cfg.HoldS
}

// goodFlow returns a flow meter's reading and whether it is good: OK,
// fresh, finite, not negative and not Untrusted.
func (c *Controller) goodFlow(id hal.FlowID, s hal.Sample[units.LitrePerMin], now units.Time, untrusted uint32) (units.LitrePerMin, bool) {
	ok := s.OK() && c.fresh(s.At, now) && s.Value >= 0 && s.Value-s.Value == 0 &&
		untrusted&hal.FlowChannel(id).Bit() == 0
	return s.Value, ok
}

// modulePower returns what module i draws: its agent's report while the
// agent answers (OK and fresh) and the report is finite and within
// 0..1.5 x ModuleFullW; else the feed meter's when it is OK, fresh and as
// plausible; else the power of the level the answering agent reports, or
// with the agent silent the level last applied. Never NaN.
func (c *Controller) modulePower(m *hal.ModuleStatus, i int, now units.Time) units.Watt {
	hi := moduleOverW * c.cfg.ModuleFullW
	answers := m.Status == hal.StatusOK && c.fresh(m.At, now)
	if answers && m.Power >= 0 && m.Power <= hi { // the comparisons refuse NaN
		return m.Power
	}
	if f := m.Feed; f.OK() && c.fresh(f.At, now) && f.Value >= 0 && f.Value <= hi {
		return f.Value
	}
	l := c.applied[i]
	if answers && m.Level < hal.NumLevels {
		l = m.Level
	}
	return c.levelW(l)
}

// readInputs judges every input control reads and applies the fallbacks,
// filling c.x.
func (c *Controller) readInputs(in *hal.Inputs, adv Advice) {
	cfg, x, now := &c.cfg, &c.x, in.Now
	x.now = now
	x.dtRoom = dtTick(now, c.last)
	x.dt = max(now.Sub(c.last).Seconds(), 0)
	x.first = !c.init
	if x.first {
		c.init, x.dt, c.startAt = true, 0, now
		c.allowedW = units.Watt(min(max(in.NumModules, 0), hal.MaxModules)) * cfg.ModuleFullW
		c.legioWeek = -1
		c.tankGoal, c.coilReach = cfg.TankTargetC, cfg.TankTargetC
	}
	c.last = now
	for id := range hal.NumTemps {
		c.judgeTemp(id, in.Temp[id], now, adv.Untrusted)
	}
	x.oilLPM, x.oilLPMOK = c.goodFlow(hal.FlowOil, in.Flow[hal.FlowOil], now, adv.Untrusted)
	x.waterLPM, x.waterLPMOK = c.goodFlow(hal.FlowWater, in.Flow[hal.FlowWater], now, adv.Untrusted)
	x.n = min(max(in.NumModules, 0), hal.MaxModules)
	x.powerW = 0
	for i := 0; i < x.n; i++ {
		x.powerW += c.modulePower(&in.Module[i], i, now)
	}
	c.readOil()
	c.readWeather()
	c.readTank()
}

// readWeather keeps the room's filter and the day's mean outside, which
// only good samples move, and sets the outside temperature for the
// weather curve.
func (c *Controller) readWeather() {
	x, now := &c.x, c.x.now
	// Rooms move over minutes: decide on a filtered reading, so that a
	// probe's last bit of noise cannot flip a valve (a 5-minute first-order
	// filter). Without a good sample the filter holds.
	if p := &c.probes[hal.TempIndoor]; p.good {
		if !c.indoorSeen {
			c.indoor, c.indoorSeen = p.v, true
		}
		c.indoor += (p.v - c.indoor) * units.Celsius(min(x.dtRoom/300, 1))
	}
	_, roomHeld := c.held(hal.TempIndoor, now)
	x.indoorLost = c.indoorSeen && !roomHeld

	// Outside: the last good value, else the day's mean (held).
	x.outdoorFresh = c.probes[hal.TempOutdoor].good
	out, ok := c.held(hal.TempOutdoor, now)
	if !ok {
		out = c.outdoorMean
	}
	x.outdoor = out
	// A day's mean of the outside temperature decides the heating season.
	const meanS = 12 * 3600
	switch {
	case x.outdoorFresh && !c.outdoorSeen:
		c.outdoorMean, c.outdoorSeen = out, true
	case x.outdoorFresh:
		c.outdoorMean += (out - c.outdoorMean) * units.Celsius(min(x.dt/meanS, 1))
	}
}

// readTank sets the tank's layers and the supply, with their fallbacks.
func (c *Controller) readTank() {
	cfg, x, now := &c.cfg, &c.x, c.x.now
	// The tank: a lost layer takes the other's value (the upper layer is
	// never colder than the lower: charging is never forced by the guess),
	// both lost the tank is taken at its goal (tankStep).
	x.top, x.topKnown = c.held(hal.TempTankTop, now)
	x.bottom, x.bottomKnown = c.held(hal.TempTankBottom, now)
	x.tankLost = !x.topKnown && !x.bottomKnown
	switch {
	case !x.bottomKnown && x.topKnown:
		x.bottom = x.top
	case !x.topKnown && x.bottomKnown:
		x.top = x.bottom
	case x.tankLost:
		x.top, x.bottom = cfg.TankTargetC, cfg.TankTargetC // until the goal is known
	}

	// The supply: lost, the oil into the modules stands for it (the water
	// leaves the exchanger near the oil's temperature; under it charging
	// is never forced).
	var supplyKnown bool
	x.supply, supplyKnown = c.held(hal.TempWaterFlow, now)
	x.supplyLost = !supplyKnown
	if x.supplyLost {
		x.supply = x.oil
	}
}

// readOil sets the oil into the modules: the hotter of the two probes (the
// ceiling is about the worst), or the one good probe; with neither, the
// oil out of the modules less the rise the modules' heat gives it at the
// metered flow (at most OilRiseK, the rise the pump is run for); with none
// of them, the last value for HoldS; then the ceiling plus OilUnknownK, so
// that the dump cools hardest and compute gives way.
func (c *Controller) readOil() {
	cfg, x := &c.cfg, &c.x
	a, b, o := &c.probes[hal.TempOilInA], &c.probes[hal.TempOilInB], &c.probes[hal.TempOilOut]
	x.oilWait = false
	switch {
	case a.good && b.good:
		x.oil = max(a.v, b.v)
	case a.good:
		x.oil = a.v
	case b.good:
		x.oil = b.v
	case o.good:
		rise := cfg.OilRiseK
		f := x.oilLPM
		if !x.oilLPMOK {
			f = cfg.OilFlowFor(x.powerW, o.v-units.Celsius(cfg.OilRiseK)) // the flow the pump is asked for
		}
		if f > 0 {
			rise = min(rise, units.Kelvin(float64(x.powerW)/float64(units.OilRate(f))))
		}
		x.oil = o.v - units.Celsius(rise)
	case c.oilSeen && x.now.Sub(c.oilAt).Seconds() <= cfg.HoldS:
		x.oil = c.oilIn
		return
	case !c.oilSeen && x.now.Sub(c.startAt).Seconds() < cfg.HoldS:
		// Start-up: the probes' first conversion is not in yet.
		x.oil, x.oilWait = cfg.OilCeilingC, true
		return
	default:
		x.oil = cfg.OilCeilingC + units.Celsius(cfg.OilUnknownK)
		c.oilIn = x.oil
		return
	}
	c.oilIn, c.oilAt, c.oilSeen = x.oil, x.now, true
}
