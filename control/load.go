package control

import (
	"hearth/hal"
	"hearth/units"
)

// loadStep sets the modules' levels (load management within safety's caps)
// and the oil pump, which runs whenever a module is wished powered or the
// oil is near the dump's setpoint. At start-up, until the first oil value,
// the levels are mapped but nothing is wished powered.
func (c *Controller) loadStep(in *hal.Inputs, adv Advice, dump units.Ratio, out *hal.Outputs) {
	cfg, x := &c.cfg, &c.x
	top := hal.Level100
	if x.oilWait {
		top = hal.LevelOff
		if !c.levelsSet() {
			c.want = c.mapLevels(x.n, c.allowedW)
			c.mappedW, c.mapped = c.allowedW, true
			c.levels, c.levelsAt = c.want, x.now
		}
	} else {
		c.manageLoad(x.n, x.oil, x.now, x.dt, dump >= 0.98)
	}
	anyOn := false
	for i := 0; i < x.n; i++ {
		l := min(in.Demand[i], adv.Cap[i], c.levels[i], top)
		out.Module[i] = l
		// A module with its relay closed may be running, whatever it was
		// told: it needs oil flow (safety counts it as powered too).
		if _, on := l.Fraction(); on || in.Module[i].Relay {
			anyOn = true
		}
	}
	if anyOn || x.oil > cfg.OilCeilingC-units.Celsius(cfg.DumpMarginK) {
		out.Pump[hal.PumpOil] = max(out.Pump[hal.PumpOil], c.oilPump(dump))
	} else {
		c.oilFlowOn = false
	}
}

// oilRise is the rise the oil pump aims at: OilRiseHeatingK while the
// house is short of heat (heating season, its call for heat on, its share
// of the water all but full, and still under IndoorFloorC: the days the
// home's own heater helps) and the dump is idle, in reserve;
// OilRiseK otherwise (the dump at work, or a sink short: the rise is the
// heat the modules store). It moves by RiseSlewKPerS.
func (c *Controller) oilRise(dump units.Ratio) units.Kelvin {
	cfg, x := &c.cfg, &c.x
	want := cfg.OilRiseK
	if c.heatWant && c.outdoorMean < cfg.HeatingCutoffC && c.houseShare >= 0.95 && dump <= 0.05 && c.indoor < cfg.IndoorFloorC {
		want = cfg.OilRiseHeatingK
	}
	if c.rise == 0 {
		c.rise = cfg.OilRiseK
	}
	step := units.Kelvin(RiseSlewKPerS * x.dt)
	c.rise += max(min(want-c.rise, step), -step)
	return c.rise
}

func (c *Controller) oilPump(dump units.Ratio) units.Ratio {
	cfg, x := &c.cfg, &c.x
	target := cfg.OilFlowForRise(x.powerW, x.oil, c.oilRise(dump))
	ff := float64(target / cfg.OilPumpMaxLPM)
	if !c.oilFlowOn {
		// Starting: from the feed-forward, not from standstill.
		c.oilFlow.Reset(ff)
		c.oilFlowOn = true
	}
	if !x.oilLPMOK {
		// No meter: no trim, and a speed that proves the flow on a new pump.
		c.oilFlow.Track(max(ff, float64(cfg.OilPumpSpeed)))
		return max(units.Ratio(ff), cfg.OilPumpSpeed)
	}
	if x.oilLPM < cfg.OilFlowMinLPM*0.95 {
		// Short of the flow the modules need (a pump spinning up, or one
		// that wore or clogged at once): full speed now, and the trim walks
		// it back down to the flow. Safety trips on the modules' minimum
		// within seconds; a PI trim is too slow to save that.
		c.oilFlow.Reset(1)
		return 1
	}
	// Never below the speed that gives the minimum flow on a new pump's
	// curve: a meter that sticks must not let the trim wind the pump down
	// under the modules' need (a worn pump at that speed shows on a live
	// meter, and the trim raises it).
	floor := units.Ratio(cfg.OilFlowMinLPM / cfg.OilPumpMaxLPM)
	return max(units.Ratio(c.oilFlow.Update(float64(target), float64(x.oilLPM), ff, x.now)), floor)
}

// manageLoad throttles compute when the heat cannot be rejected, and
// restores it as capacity returns. saturated says the dump is at its
// maximum: only then is the oil's heat the compute's to give up.
func (c *Controller) manageLoad(n int, oil units.Celsius, now units.Time, dt float64, saturated bool) {
	cfg := &c.cfg
	maxW := units.Watt(n) * cfg.ModuleFullW
	c.oilSlow += (oil - c.oilSlow) * units.Celsius(min(dt/max(cfg.LoadFilterS, 1e-3), 1))
	// Rising: a 20-second filter of the oil above a 2-minute one (their gap
	// is 100 s times the oil's rate of rise, and the probes' noise through
	// them is a few millikelvin).
	c.oilFast += (oil - c.oilFast) * units.Celsius(min(dt/20, 1))
	c.oilMid += (oil - c.oilMid) * units.Celsius(min(dt/120, 1))
	rising := c.oilFast > c.oilMid
	sp := cfg.OilCeilingC - units.Celsius(cfg.LoadMarginK)
	meas := c.oilSlow
	if !saturated {
		// The dump has room: the oil is control's to cool, not compute's.
		meas = min(meas, sp)
	}
	allowed := units.Watt(c.load.Update(float64(sp), float64(meas), 0, now)) * maxW
	if !saturated {
		allowed = max(allowed, c.allowedW) // the dump has room: never less
	}
	shedFrom := cfg.OilCeilingC - units.Celsius(cfg.ShedMarginK)
	switch {
	case saturated && oil > shedFrom && (rising || oil > shedFrom+units.Celsius(cfg.ShedAlwaysK)):
		// Past the ceiling, still climbing, with nothing left to cool
		// with: give way fast, and stop as soon as the oil turns (it
		// answers late; the slow loop does the rest) unless it stays
		// ShedAlwaysK past where shedding starts.
		allowed = min(allowed, c.allowedW-units.Watt(cfg.ShedWPerKS*float64(oil-shedFrom)*dt))
	case oil < cfg.OilCeilingC-units.Celsius(cfg.RestoreMarginK):
		allowed = max(allowed, c.allowedW+units.Watt(cfg.RestoreWPerS*dt))
	}
	c.allowedW = min(max(allowed, 0), maxW)
	if maxW > 0 {
		c.load.Track(float64(c.allowedW / maxW))
	}

	if c.allowedW != c.mappedW || !c.mapped {
		c.want = c.mapLevels(n, c.allowedW)
		c.mappedW, c.mapped = c.allowedW, true
	}
	var wantW, haveW units.Watt
	for i := 0; i < n; i++ {
		wantW += c.levelW(c.want[i])
		haveW += c.levelW(c.levels[i])
	}
	switch {
	case !c.levelsSet():
		c.levels, c.levelsAt = c.want, now
	case wantW < haveW:
		// Down at once, but not for an allowance within LevelHystW of
		// what runs: a probe's noise must not drop a level for a dwell.
		if hi := c.mapLevels(n, c.allowedW+cfg.LevelHystW); hi != c.levels {
			c.levels, c.levelsAt = c.want, now
		}
	case wantW > haveW && now.Sub(c.levelsAt).Seconds() >= cfg.DwellS:
		// Up no more often than every DwellS.
		c.levels, c.levelsAt = c.want, now
	}
}

// mapLevels fills modules in priority order (index 0 first) within budget:
// as many at 100 % as fit, then the highest level that fits.
func (c *Controller) mapLevels(n int, budget units.Watt) [hal.MaxModules]hal.Level {
	var want [hal.MaxModules]hal.Level
	for i := 0; i < n; i++ {
		want[i] = hal.LevelOff
		for l := hal.Level100; l >= hal.LevelIdle; l-- {
			if w := c.levelW(l); w <= budget {
				want[i], budget = l, budget-w
				break
			}
		}
	}
	return want
}

func (c *Controller) levelsSet() bool { return c.levels[0] != hal.LevelCut }

// levelW is the power a module draws at level l.
func (c *Controller) levelW(l hal.Level) units.Watt {
	f, on := l.Fraction()
	if !on {
		return 0
	}
	return c.cfg.ModuleIdleW + units.Watt(f)*(c.cfg.ModuleFullW-c.cfg.ModuleIdleW)
}
