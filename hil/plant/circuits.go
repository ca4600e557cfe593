package plant

import (
	"math"

	"hearth/hal"
	"hearth/units"
)

// stepCircuits applies the circuits' leaks: the water's pressure, the oil
// lost to the bund and what the leak detector and the level switch see.
func (pl *Plant) stepCircuits(h float64) {
	p, s := &pl.P, &pl.S
	if pl.PressureLossBarPerS > 0 {
		s.PressureBar = units.Bar(math.Max(0, float64(s.PressureBar)-pl.PressureLossBarPerS*h))
	}
	if pl.PressureToFloor && s.PressureBar > pl.PressureFloorBar {
		s.PressureBar = max(pl.PressureFloorBar, s.PressureBar-units.Bar(PressureToFloorBarPerS*h))
	}
	if pl.OilLeak {
		rate := p.OilLeakStillLPM
		if pl.Pumps[hal.PumpOil].Actual() > PumpRunning {
			rate = p.OilLeakPumpedLPM
		}
		s.OilLostL += float64(rate) * h / 60
	}
	pl.LeakIn.Wet = pl.OilLeak
	pl.OilLowIn.Wet = s.OilLostL >= p.OilLowL
}

// cavitation returns the share of its normal flow (and power) the water
// pump delivers at the circuit's true pressure: 1 at or above
// CavitationBar; once the pressure at its inlet no longer holds the water
// liquid the pump's head collapses, so the share falls linearly to 10 %
// over CavitationBandBar below it, and stays there (a pump running dry).
func (pl *Plant) cavitation() float64 {
	p, c, band := float64(pl.S.PressureBar), float64(pl.P.CavitationBar), float64(pl.P.CavitationBandBar)
	if p >= c {
		return 1
	}
	return 0.1 + 0.9*max(p-(c-band), 0)/band
}

// oilPrime returns the share of its flow the oil pump delivers with the oil
// lost so far: 1 until OilAirL is lost, falling linearly to 0 at twice that
// (the pump draws air).
func (pl *Plant) oilPrime() float64 {
	lost, air := pl.S.OilLostL, pl.P.OilAirL
	if lost <= air {
		return 1
	}
	return max(0, 2-lost/air)
}

// stepActuators moves the pumps, valves and fan, applies the hardware
// interlocks, and returns the oil's and the water's heat-capacity rates.
func (pl *Plant) stepActuators(dt units.Duration) (cOil, cW units.WattPerKelvin) {
	p, s, e := &pl.P, &pl.S, &pl.E
	for i := range pl.Pumps {
		pl.Pumps[i].Advance(dt)
	}
	for i := range pl.Valves {
		pl.Valves[i].Advance(dt)
	}
	pl.Fan.Advance(dt)
	pl.Pumps[hal.PumpWater].Loading = pl.cavitation()
	// Layer 5: the bund's leak detector is wired in series with the oil
	// pump's supply, so a leak stops the pump whatever software does (a
	// controller that hangs leaves the profile-A pumps at full speed); a
	// minimum-pressure limiter does the same for the water pump.
	pl.Pumps[hal.PumpOil].Unpowered = p.LeakInterlock && pl.LeakIn.Contact()
	pl.Pumps[hal.PumpWater].Unpowered = s.PressureBar < p.PressureSwitchBar
	s.OilFlowLPM = pl.Pumps[hal.PumpOil].Flow() * units.LitrePerMin(pl.oilPrime())
	s.WaterLPM = pl.Pumps[hal.PumpWater].Flow()
	e.Parasitic += units.Joule(dt.Seconds()) * units.Joule(pl.Pumps[hal.PumpOil].ElectricPower(p.OilPumpW)+
		pl.Pumps[hal.PumpWater].ElectricPower(p.WaterPumpW)+p.FanW*units.Watt(pl.Fan.Actual()*pl.Fan.Actual()*pl.Fan.Actual()))
	return units.OilRate(s.OilFlowLPM), units.WaterRate(s.WaterLPM)
}
