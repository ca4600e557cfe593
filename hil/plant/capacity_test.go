package plant

import (
	"testing"

	"hearth/hal"
	"hearth/units"
)

// The capacity bound is the plant's own: held at the bound's flows, with
// the dump at full fan and the modules drawing just under the bound, the
// plant settles with the oil into the modules at the steady state the bound
// solved (and at or under the ceiling); one level step more and it settles
// past the ceiling. So the bound is neither optimistic nor loose.
func TestCapacityBoundIsThePlants(t *testing.T) {
	for _, tc := range []struct {
		name      string
		outdoorC  units.Celsius
		derate    float64
		fanFailed bool
	}{
		{"heatwave 35 C, dump derated to 70 %", 35, 0.7, false},
		{"heatwave 39 C, dump derated to 70 %", 39, 0.7, false},
		{"summer 26 C, fan failed", 26, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultParams()
			p.DumpDerate = tc.derate
			// No other sink: the tank coil and the radiators take nothing.
			p.TankCoilUAWPerK, p.RadiatorQ50W = 0, 0
			const ceiling, outMax, minFlow = 48, 60, 10
			w := Weather{MeanC: tc.outdoorC}
			probe := NewPlant(p, w, SeasonInit(Summer), 1)
			probe.Fan.Failed = tc.fanFailed
			ua := probe.dumpUA()
			f := probe.bestFlows(ua, tc.outdoorC, 0, ceiling, outMax, minFlow)
			capW := probe.capacityAt(f, ua, tc.outdoorC, 0, ceiling, outMax)
			_, under, _ := p.BestLevels(capW, p.Modules, hal.Level100)
			t.Logf("capacity %.0f W at oil %.1f L/min, water %.2f L/min; whole levels %.0f W", capW, f.oilLPM, f.waterLPM, under)

			run := func(budget units.Watt) (in, out units.Celsius, drawW units.Watt) {
				pl := NewPlant(p, w, SeasonInit(Summer), 1)
				pl.Fan.Failed = tc.fanFailed
				levels, _, _ := p.BestLevels(budget, p.Modules, hal.Level100)
				for i := 0; i < p.Modules; i++ {
					pl.Modules[i].Start(levels[i])
				}
				for pl.Now < units.Time(48*units.Hour) { // many times the oil's time constant
					_ = pl.Pumps[hal.PumpOil].SetSpeed(units.Ratio(f.oilLPM / p.OilPumpMaxLPM))
					_ = pl.Pumps[hal.PumpWater].SetSpeed(units.Ratio(f.waterLPM / p.WaterPumpMaxLPM))
					_ = pl.Valves[hal.ValveDump].SetPosition(1)
					_ = pl.Fan.SetSpeed(1)
					for i := 0; i < p.Modules; i++ {
						_ = pl.Modules[i].SetLevel(levels[i])
					}
					pl.Step(tick)
				}
				return pl.S.OilInC, pl.S.OilOutC, pl.ComputePower()
			}
			in, out, drawW := run(capW)
			wantIn, wantOut := probe.steadyOil(drawW, f, ua, tc.outdoorC, 0)
			t.Logf("at %.0f W the plant settles at oil in %.2f C, out %.2f C (the bound's steady state %.2f / %.2f)", drawW, in, out, wantIn, wantOut)
			if d := in - wantIn; d > 0.05 || d < -0.05 {
				t.Errorf("oil in %.3f C, the bound's steady state %.3f C", in, wantIn)
			}
			if d := out - wantOut; d > 0.05 || d < -0.05 {
				t.Errorf("oil out %.3f C, the bound's steady state %.3f C", out, wantOut)
			}
			if in > ceiling+0.02 {
				t.Errorf("under the bound the oil settles at %.2f C, past the %v C ceiling", in, ceiling)
			}
			// The next level step up: the least the modules can draw above the bound.
			next := capW
			for _, d, _ := p.BestLevels(next, p.Modules, hal.Level100); d <= capW; _, d, _ = p.BestLevels(next, p.Modules, hal.Level100) {
				next++
			}
			inMore, _, drawMore := run(next)
			t.Logf("at %.0f W the oil settles at %.2f C", drawMore, inMore)
			if drawMore <= capW || inMore <= ceiling {
				t.Errorf("a step past the bound (%.0f W, bound %.0f W) settles at %.2f C, want past the ceiling", drawMore, capW, inMore)
			}
		})
	}
}

// A cooler day, a cleaner dump or more oil allowed out of the modules never
// lowers the bound; the best flows reject at least what any other does.
func TestCapacityBoundIsMonotone(t *testing.T) {
	p := DefaultParams()
	p.DumpDerate = 0.7
	pl := NewPlant(p, Weather{MeanC: 35}, SeasonInit(Summer), 1)
	ua := pl.dumpUA()
	prev := units.Watt(1e12)
	for ta := units.Celsius(25); ta <= 45; ta += 2.5 {
		f := pl.bestFlows(ua, ta, 0, 48, 60, 10)
		c := pl.capacityAt(f, ua, ta, 0, 48, 60)
		if c > prev {
			t.Errorf("capacity %.0f W at %v C, above %.0f W at %v C", c, ta, prev, ta-2.5)
		}
		prev = c
		for _, g := range []capacityFlows{{10, 4}, {12.5, 5.1}, {20, 8}, {30, 14}, {40, 25}} {
			if o := pl.capacityAt(g, ua, ta, 0, 48, 60); o > c+1 {
				t.Errorf("at %v C flows %v reject %.0f W, more than the best %v's %.0f W", ta, g, o, f, c)
			}
		}
		if hot := pl.capacityAt(f, ua, ta, 0, 48, 65); hot < c {
			t.Errorf("a higher oil-out limit lowers the bound: %.0f < %.0f W", hot, c)
		}
		clean := NewPlant(DefaultParams(), Weather{MeanC: 35}, SeasonInit(Summer), 1)
		if cc := clean.capacityAt(clean.bestFlows(clean.dumpUA(), ta, 0, 48, 60, 10), clean.dumpUA(), ta, 0, 48, 60); cc < c {
			t.Errorf("a clean dump rejects %.0f W, less than a derated one's %.0f W", cc, c)
		}
	}
}
