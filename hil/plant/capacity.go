package plant

import (
	"hearth/hal"
	"hearth/units"
)

// The bench's oracle for load management: how much compute heat the plant
// could reject, in steady state, with the oil into the modules at its
// ceiling and the oil out of them at its maximum, given the true outside
// temperature, the dump cooler as it is (derated, fan failed or not) at full
// fan with all the primary water through it, and the best oil and water
// flows the pumps can give (the oil at least at the modules' minimum flow).
// The tank, the radiators and the oil circuit's losses take what they took.
// Control does not know this model; the bench uses it to show that compute
// is throttled no more than the physics requires (issue 6).

// capacityFlows are the oil and water flows at which the capacity is found.
type capacityFlows struct {
	oilLPM, waterLPM units.LitrePerMin
}

// CapacityOracle finds and remembers the best flows; the flows move only
// with the dump's state, so they are searched again once a simulated
// minute and the capacity at them evaluated once a second.
type CapacityOracle struct {
	flows    capacityFlows
	searched units.Time
	have     bool
	uaDump   units.WattPerKelvin
}

// steadyOil returns the steady temperatures of the oil into and out of the
// modules when they give powerW, the oil and water flow at f, all the water
// goes through a dump of conductance uaDump in outside air at outdoorC, and
// the other sinks (tank, radiators) take otherW.
func (pl *Plant) steadyOil(powerW units.Watt, f capacityFlows, uaDump units.WattPerKelvin, outdoorC units.Celsius, otherW units.Watt) (in, out units.Celsius) {
	p := &pl.P
	cOil, cW := float64(units.OilRate(f.oilLPM)), float64(units.WaterRate(f.waterLPM))
	if cOil <= 0 || cW <= 0 {
		return 1e9, 1e9
	}
	eps := CounterFlowEffectiveness(p.ExchangerUA(f.oilLPM, f.waterLPM), units.WattPerKelvin(cOil), units.WattPerKelvin(cW))
	gD := dumpConductance(uaDump, pl.dumpAir(), units.WattPerKelvin(cW))
	if eps <= 0 || gD <= 0 {
		return 1e9, 1e9
	}
	cMin := min(cOil, cW)
	u, g := float64(p.OilLossWPerK/2), float64(p.EnclosureOutdoorWPerK)
	pw, ta, other := float64(powerW), float64(outdoorC), float64(otherW)
	over := float64(p.OverheadPower(powerW))
	var lossMod, lossCold, tIn, tOut float64
	// The losses depend on the temperatures they help set, and the
	// enclosure's air on the losses and the overhead; the losses are small
	// against the flows' rates, so a few rounds of substitution converge.
	for range 12 {
		room := ta + (lossMod+lossCold+over)/g
		q := pw - lossMod - lossCold // through the exchanger
		wFlow := ta + (q-other)/gD
		wRet := wFlow - q/cW
		tOut = wRet + q/(eps*cMin)
		tIn = tOut - (pw-lossMod)/cOil
		lossMod, lossCold = u*(tOut-room), u*(tIn-room)
	}
	return units.Celsius(tIn), units.Celsius(tOut)
}

// capacityAt returns the most compute power whose heat the plant rejects in
// steady state at flows f with the oil into the modules at most ceilingC and
// out of them at most outMaxC. The steady temperatures are affine in the
// power, so two evaluations find it.
func (pl *Plant) capacityAt(f capacityFlows, uaDump units.WattPerKelvin, outdoorC units.Celsius, otherW units.Watt, ceilingC, outMaxC units.Celsius) units.Watt {
	const probeW = 4000
	in0, out0 := pl.steadyOil(0, f, uaDump, outdoorC, otherW)
	in1, out1 := pl.steadyOil(probeW, f, uaDump, outdoorC, otherW)
	best := units.Watt(1e12)
	if d := in1 - in0; d > 0 {
		best = min(best, units.Watt(float64(ceilingC-in0)/float64(d)*probeW))
	}
	if d := out1 - out0; d > 0 {
		best = min(best, units.Watt(float64(outMaxC-out0)/float64(d)*probeW))
	}
	return max(best, 0)
}

// fullFan is the fan's speed at full command as the plant is now.
func (pl *Plant) fullFan() float64 {
	if pl.Fan.Failed {
		return 0
	}
	return 1
}

// dumpUA is the dump cooler's conductance at full fan as the plant is now.
func (pl *Plant) dumpUA() units.WattPerKelvin { return pl.P.DumpUA(pl.fullFan()) }

// dumpAir is the dump cooler's air rate at full fan as the plant is now.
func (pl *Plant) dumpAir() units.WattPerKelvin { return pl.P.DumpAirRate(pl.fullFan()) }

// capacity returns the most compute power the plant could reject now, with
// the oil flow at least minOilLPM. The search for the best flows runs only
// when the capacity at the last best flows falls short of demandW: above
// the demand, nothing is required and the exact figure does not matter.
func (o *CapacityOracle) Capacity(pl *Plant, otherW units.Watt, ceilingC, outMaxC units.Celsius, minOilLPM units.LitrePerMin, demandW units.Watt) units.Watt {
	ua := pl.dumpUA()
	ta := pl.S.OutdoorC
	if !o.have || ua != o.uaDump {
		o.flows = pl.bestFlows(ua, ta, otherW, ceilingC, outMaxC, minOilLPM)
		o.have, o.uaDump, o.searched = true, ua, pl.Now
	}
	c := pl.capacityAt(o.flows, ua, ta, otherW, ceilingC, outMaxC)
	if c < demandW && pl.Now.Sub(o.searched) >= units.Minute {
		o.flows, o.searched = pl.bestFlows(ua, ta, otherW, ceilingC, outMaxC, minOilLPM), pl.Now
		c = pl.capacityAt(o.flows, ua, ta, otherW, ceilingC, outMaxC)
	}
	return c
}

// bestFlows searches the pumps' ranges for the flows that reject the most: a
// coarse grid, then a finer one around its best point.
func (pl *Plant) bestFlows(ua units.WattPerKelvin, ta units.Celsius, otherW units.Watt, ceilingC, outMaxC units.Celsius, minOilLPM units.LitrePerMin) capacityFlows {
	p := &pl.P
	// Only the flows the pumps can hold: none below their minimum speed.
	lo := max(minOilLPM, 0.1, units.LitrePerMin(p.PumpMinSpeed)*p.OilPumpMaxLPM)
	wLo := max(0.1, units.LitrePerMin(p.PumpMinSpeed)*p.WaterPumpMaxLPM)
	best, bestW := capacityFlows{lo, p.WaterPumpMaxLPM}, units.Watt(-1)
	search := func(oil0, oil1, oilStep, w0, w1, wStep units.LitrePerMin) {
		for o := max(oil0, lo); o <= min(oil1, p.OilPumpMaxLPM)+1e-9; o += oilStep {
			for w := max(w0, wLo); w <= min(w1, p.WaterPumpMaxLPM)+1e-9; w += wStep {
				f := capacityFlows{o, w}
				if c := pl.capacityAt(f, ua, ta, otherW, ceilingC, outMaxC); c > bestW {
					best, bestW = f, c
				}
			}
		}
	}
	search(lo, p.OilPumpMaxLPM, 1, 0.5, p.WaterPumpMaxLPM, 0.5)
	c := best
	search(c.oilLPM-1, c.oilLPM+1, 0.1, c.waterLPM-0.5, c.waterLPM+0.5, 0.05)
	return best
}

// levelW is one module's draw at level l on this plant.
func (p *Params) LevelW(l hal.Level) units.Watt {
	f, on := l.Fraction()
	if !on {
		return 0
	}
	return p.ModuleIdleW() + units.Watt(f)*(p.ModuleFullW()-p.ModuleIdleW())
}

// bestLevels maps a power budget onto n modules as load management does
// (module 0 first; each at the highest level up to demand that fits), and
// returns the levels, the power drawn and how many modules run at the
// demand.
func (p *Params) BestLevels(budgetW units.Watt, n int, demand hal.Level) (levels [hal.MaxModules]hal.Level, drawW units.Watt, atDemand int) {
	for i := 0; i < n; i++ {
		levels[i] = hal.LevelOff
		for l := demand; l >= hal.LevelIdle; l-- {
			if w := p.LevelW(l); w <= budgetW {
				levels[i] = l
				budgetW -= w
				drawW += w
				if l == demand {
					atDemand++
				}
				break
			}
		}
	}
	return levels, drawW, atDemand
}
