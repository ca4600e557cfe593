package plant

import (
	"math"

	"hearth/hal"
	"hearth/units"
)

// DumpCapacity is the heat the dump cooler would reject at full fan and full
// water flow with the water at flowC: what could be rejected, as opposed
// to what is.
func (pl *Plant) DumpCapacity(flowC units.Celsius) units.Watt {
	c := units.WaterRate(pl.P.WaterPumpMaxLPM)
	return units.Watt(max(0, dumpConductance(pl.dumpUA(), pl.dumpAir(), c)*float64(flowC-pl.S.OutdoorC)))
}

// CounterFlowEffectiveness is the effectiveness of a counter-flow exchanger
// of conductance ua between two streams of heat-capacity rates c1 and c2.
func CounterFlowEffectiveness(ua, c1, c2 units.WattPerKelvin) float64 {
	cmin, cmax := min(float64(c1), float64(c2)), max(float64(c1), float64(c2))
	if cmin <= 0 {
		return 0
	}
	ntu := float64(ua) / cmin
	cr := cmin / cmax
	if 1-cr < 1e-6 {
		return ntu / (1 + ntu)
	}
	x := math.Exp(-ntu * (1 - cr))
	return (1 - x) / (1 - cr*x)
}

// sinkEffectiveness is the effectiveness of a stream of rate c giving heat
// through a conductance ua to a sink of infinite capacity rate (a coil in a
// tank, a radiator in a room, a cooler in the open air).
func sinkEffectiveness(ua, c float64) float64 {
	if c <= 0 {
		return 0
	}
	return 1 - math.Exp(-ua/c)
}

// stepLoops moves heat through the exchanger into the primary water and out
// to the dump, the tank coil and the radiators (their heat in LastQ).
func (pl *Plant) stepLoops(h float64, cOil, cW units.WattPerKelvin, tHot units.Celsius, qLoss float64) {
	p, s, e := &pl.P, &pl.S, &pl.E
	hJ := units.Joule(h)
	// Exchanger: hot oil in at tHot, cool water in at the return temperature.
	eps := pl.hx.get(float64(cOil), float64(cW), func(a, b float64) float64 {
		return CounterFlowEffectiveness(pl.exchangerUA(), units.WattPerKelvin(a), units.WattPerKelvin(b))
	})
	qHX := units.Watt(eps * min(float64(cOil), float64(cW)) * float64(tHot-s.WaterRetC))
	oilHXOut := tHot
	if cOil > 0 {
		oilHXOut = tHot - units.Celsius(float64(qHX)/float64(cOil))
	}
	coldLoss := float64(p.OilLossWPerK/2) * float64(s.OilInC-s.EnclosureC)
	qLoss += coldLoss
	dCold := float64(cOil)*float64(oilHXOut-s.OilInC) - coldLoss

	// Primary water: split by the dump valve, then the tank valve.
	d, t := float64(pl.Valves[hal.ValveDump].Actual()), float64(pl.Valves[hal.ValveTank].Actual())
	cDump := cW * units.WattPerKelvin(d)
	cTank := cW * units.WattPerKelvin((1-d)*t)
	cHeat := cW * units.WattPerKelvin((1-d)*(1-t))
	qDump := pl.dumpHeat(cDump, s.WaterFlowC, s.OutdoorC)
	qTank := pl.coilHeat(cTank, s.WaterFlowC)
	qHeat := pl.radiatorHeat(h, cHeat)
	dSupply := float64(qHX) + float64(cW)*float64(s.WaterRetC-s.WaterFlowC)
	dReturn := float64(cW)*float64(s.WaterFlowC-s.WaterRetC) - float64(qDump+qTank+qHeat)

	s.OilInC += units.Celsius(dCold * h / float64(pl.capColdOil))
	s.WaterFlowC += units.Celsius(dSupply * h / float64(pl.capSupply))
	s.WaterRetC += units.Celsius(dReturn * h / float64(pl.capReturn))
	pl.LastQ = HeatFlows{Dump: qDump, Tank: qTank, Heating: qHeat, Losses: units.Watt(qLoss)}
	e.Losses += hJ * units.Joule(qLoss)
	e.Dumped += hJ * units.Joule(qDump)
	e.ToTank += hJ * units.Joule(qTank)
	e.ToHeating += hJ * units.Joule(qHeat)
	pl.stepEnclosure(h, qLoss)
}

// dumpHeat is the heat the dump cooler rejects with water at tin and rate
// cW through it, into outside air at ta: a cross-flow coil whose air side
// is the fan's finite air stream.
func (pl *Plant) dumpHeat(cW units.WattPerKelvin, tin, ta units.Celsius) units.Watt {
	p := &pl.P
	fan := float64(pl.Fan.Actual())
	c := &pl.dumpEps
	if !c.ok || fan != c.a || float64(cW) != c.b || p.DumpDerate != c.c {
		c.a, c.b, c.c, c.ok = fan, float64(cW), p.DumpDerate, true
		c.eps = dumpConductance(p.DumpUA(fan), p.DumpAirRate(fan), cW)
	}
	return units.Watt(c.eps * float64(tin-ta))
}
