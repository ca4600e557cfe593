package control

import (
	"hearth/hal"
	"hearth/units"
)

// view is what control takes of the plant this tick, read by readInputs;
// the steps read only this.
type view struct {
	now   units.Time
	first bool    // the controller's first step
	dt    float64 // seconds since the last step: 0 on the first

	oil         units.Celsius // oil into the modules
	outdoor     units.Celsius // for the weather curve
	top, bottom units.Celsius // tank layers
	supply      units.Celsius // primary water out of the exchanger
	oilLPM      units.LitrePerMin
	oilLPMOK    bool
	waterLPM    units.LitrePerMin
	waterLPMOK  bool
	n           int        // modules
	powerW      units.Watt // the modules' draw
}

// temp returns the sample's value when the driver vouches for it, else prev.
func temp(s hal.Sample[units.Celsius], prev units.Celsius) units.Celsius {
	if s.OK() && s.Value != 85 {
		return s.Value
	}
	return prev
}

// flow returns a flow meter's reading and whether it is fresh.
func flow(s hal.Sample[units.LitrePerMin], now units.Time) (units.LitrePerMin, bool) {
	const staleS = 5
	ok := s.OK() && s.Value == s.Value && now.Sub(s.At).Seconds() <= staleS
	return s.Value, ok
}

// readInputs reads every input control uses into c.x; it also keeps the
// room's filter and the day's mean of the outside temperature.
func (c *Controller) readInputs(in *hal.Inputs, _ Advice) {
	cfg, x, now := &c.cfg, &c.x, in.Now
	x.now = now
	// The hotter of the two oil-in probes: the ceiling is about the worst.
	a, b := in.Temp[hal.TempOilInA], in.Temp[hal.TempOilInB]
	oil := c.oilIn
	switch {
	case a.OK() && b.OK() && a.Value != 85 && b.Value != 85:
		oil = max(a.Value, b.Value)
	default:
		oil = temp(b, temp(a, oil))
	}
	c.oilIn, x.oil = oil, oil
	// Rooms move over minutes: decide on a filtered reading, so that a probe's
	// last bit of noise cannot flip a valve (a 5-minute first-order filter).
	if room := in.Temp[hal.TempIndoor]; room.OK() && room.Value != 85 {
		if !c.indoorSeen {
			c.indoor, c.indoorSeen = room.Value, true
		}
		c.indoor += (room.Value - c.indoor) * units.Celsius(min(dtTick(now, c.last)/300, 1))
	}
	x.outdoor = temp(in.Temp[hal.TempOutdoor], c.outdoorMean)
	outdoorKnown := in.Temp[hal.TempOutdoor].OK() && in.Temp[hal.TempOutdoor].Value != 85
	x.bottom = temp(in.Temp[hal.TempTankBottom], cfg.TankTargetC)
	x.top = temp(in.Temp[hal.TempTankTop], x.bottom)
	x.supply = temp(in.Temp[hal.TempWaterFlow], oil)
	x.oilLPM, x.oilLPMOK = flow(in.Flow[hal.FlowOil], now)
	x.waterLPM, x.waterLPMOK = flow(in.Flow[hal.FlowWater], now)
	x.n = in.NumModules
	x.powerW = 0
	for i := 0; i < x.n; i++ {
		x.powerW += max(in.Module[i].Power, 0) // the feed meters read even when an agent is silent
	}
	x.dt = now.Sub(c.last).Seconds()
	x.first = !c.init
	if x.first {
		c.init, x.dt = true, 0
		c.outdoorMean = cfg.HeatingCutoffC // until the first reading
		c.allowedW = units.Watt(in.NumModules) * cfg.ModuleFullW
		c.legioWeek = -1
		c.oilSlow, c.oilFast, c.oilMid, c.oilLoop = oil, oil, oil, oil
		c.tankGoal, c.coilReach = cfg.TankTargetC, cfg.TankTargetC
	}
	c.last = now
	// A day's mean of the outside temperature decides the heating season.
	const meanS = 12 * 3600
	switch {
	case outdoorKnown && !c.outdoorSeen:
		c.outdoorMean, c.outdoorSeen = x.outdoor, true
	case outdoorKnown:
		c.outdoorMean += (x.outdoor - c.outdoorMean) * units.Celsius(min(x.dt/meanS, 1))
	}
}
