package hil

import (
	"testing"

	"hearth/hil/plant"
	"hearth/units"
)

// The 55 C dishwashing draws of profile M are met with as little immersion
// energy as the compute heat allows: every boost lifts the top element's
// layers (the least the element can heat) from where compute heat left
// them to control's boost_c (55 C and a kelvin for the probe), and the
// immersion's whole day is within 10 % of the sum of those lifts (the
// rest: the standing loss of the hot top until the draw). No shortfall.
func TestBoostNearPhysicsMinimum(t *testing.T) {
	if testing.Short() {
		t.Skip("full simulated days")
	}
	for _, season := range []plant.Season{plant.Winter, plant.Summer} {
		cfg, err := DefaultConfig(season, 1)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Duration = 24 * units.Hour
		s, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		p := &s.Plant.P
		capL := p.TankL / plant.TankLayers * units.WaterDensityKgPerL * units.WaterCpJPerKgK
		boostC := float64(cfg.Core.Control.BoostC)
		var least, least55 float64
		was := false
		for !s.Done() {
			on := s.Plant.Heater.On
			if on && !was {
				for l := p.ImmersionTopLayer; l < plant.TankLayers; l++ {
					least += capL * max(0, boostC-float64(s.Plant.S.TankC[l]))
					least55 += capL * max(0, 55-float64(s.Plant.S.TankC[l]))
				}
			}
			was = on
			s.Step()
		}
		r := s.Result()
		used := r.EnergyKWh.Immersion
		t.Logf("%s: immersion %.3f kWh, the boosts' least %.3f kWh to boost_c (ratio %.3f), %.3f kWh to 55 C (ratio %.3f), shortfall %.3f kWh",
			season, used, least/3.6e6, used/(least/3.6e6), least55/3.6e6, used/(least55/3.6e6), r.DHWShortfallKWh)
		if r.DHWShortfallKWh != 0 {
			t.Errorf("%s: DHW shortfall %.3f kWh, want 0", season, r.DHWShortfallKWh)
		}
		if least <= 0 || used > 1.10*least/3.6e6 {
			t.Errorf("%s: immersion %.3f kWh, more than 1.10 x the boosts' least %.3f kWh", season, used, least/3.6e6)
		}
	}
}
