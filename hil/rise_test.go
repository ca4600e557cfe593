package hil

import (
	"testing"

	"hearth/hil/plant"
	"hearth/safety"
	"hearth/units"
)

// riseFlush is one design-day run with the water pump seized at 04:00,
// when the house is short of heat and control holds the heating rise.
type riseFlush struct {
	riseK        float64       // across the modules the tick before the fault
	peakC        units.Celsius // the true oil-in's peak after it
	meanC        units.Celsius // the circuit's mean oil then
	mixC, mixLoC units.Celsius // the closed form's, without and with the losses
	offS         float64       // the fault to the last module off
	trips        []Trip
	violations   []Violation
	compute      units.Joule // compute heat after the fault
}

func runRiseFlush(t *testing.T, riseHeatingK units.Kelvin) riseFlush {
	t.Helper()
	scs, err := Lookup("design-day")
	if err != nil {
		t.Fatal(err)
	}
	sc := *scs[0]
	const at = 4 * units.Hour
	sc.Duration = at + 30*units.Minute
	sc.Events = []Event{{At: at, Fault: "pump_seized", Target: "water"}}
	cfg, err := sc.Config(plant.DefaultParams(), 0)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Core.Control.OilRiseHeatingK = riseHeatingK
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pl := s.Plant
	var r riseFlush
	for !s.Done() && pl.Now < units.Time(at) {
		s.Step()
	}
	// The closed form: the circuit's oil mixed to one temperature, plus
	// the compute heat the modules give until they are off. Without the
	// losses it is an upper bound; less all the heat out of the hub's
	// boundary until the peak (losses, and what the still water and the
	// dump take from the exchanger's water: the water's own too) a lower one.
	litres := float64(pl.P.Modules)*pl.P.ModuleOilL + pl.P.ColdOilL
	mean := func() (all, modules units.Celsius) {
		var heat float64
		for i := 0; i < pl.P.Modules; i++ {
			heat += pl.P.ModuleOilL * float64(pl.S.ModuleOilC[i])
		}
		modules = units.Celsius(heat / (float64(pl.P.Modules) * pl.P.ModuleOilL))
		return units.Celsius((heat + pl.P.ColdOilL*float64(pl.S.OilInC)) / litres), modules
	}
	mean0, modMean := mean()
	r.riseK = float64(modMean - pl.S.OilInC)
	out := func() units.Joule { return pl.E.Losses + pl.E.Dumped + pl.E.ToTank + pl.E.ToHeating }
	e0, l0 := pl.E.Compute, out()
	var lost units.Joule // heat out of the boundary until the peak: the oil's and the water's
	for !s.Done() {
		s.Step()
		if pl.S.OilInC > r.peakC {
			r.peakC, lost = pl.S.OilInC, out()-l0
			r.meanC, _ = mean()
		}
		if pl.ComputePower() > 0 {
			r.offS = pl.Now.Sub(units.Time(at)).Seconds()
		}
	}
	r.compute = pl.E.Compute - e0
	perK := litres * units.OilDensityKgPerL * units.OilCpJPerKgK
	r.mixC = mean0 + units.Celsius(float64(r.compute)/perK)
	r.mixLoC = r.mixC - units.Celsius(float64(lost)/perK)
	res := s.Result()
	r.trips, r.violations = res.Trips, s.Violations()
	return r
}

// The heating rise (oil_rise_heating_k) stores the modules' heat hotter:
// were every sink lost at once (the water pump seized: no radiators, no
// tank, no dump), that heat mixes into the circuit. On the plant the oil
// into the modules climbs to the closed form's mixed temperature, over the
// 52 C warn limit and under the 58 C trip limit; with the plain rise it
// stays under the warn limit. Either way the modules are off within a
// minute and every invariant holds on the true plant.
func TestHeatingRiseAllSinksLost(t *testing.T) {
	if testing.Short() {
		t.Skip("two 4.5 h runs")
	}
	lim := safety.DefaultConfig().OilIn
	ref := runRiseFlush(t, 10)
	plain := runRiseFlush(t, 6)
	for _, c := range []struct {
		name  string
		r     riseFlush
		riseK float64
	}{{"heating rise 10 K", ref, 9}, {"plain rise 6 K", plain, 5.5}} {
		r := c.r
		t.Logf("%s: rise %.2f K before the fault; oil-in peak %.2f C (the circuit's mean %.2f C), mixed closed form %.2f-%.2f C; modules off after %.0f s (%.0f kJ of compute); trips %v",
			c.name, r.riseK, r.peakC, r.meanC, r.mixLoC, r.mixC, r.offS, float64(r.compute)/1e3, r.trips)
		if r.riseK < c.riseK {
			t.Errorf("%s: the modules' rise %.2f K at the fault, want >= %.1f (the test must hold the rise it names)", c.name, r.riseK, c.riseK)
		}
		// At its peak the oil-in is the mixed circuit less what the
		// modules still hold above it (a few tenths of a kelvin).
		if r.meanC > r.mixC+0.02 || r.meanC < r.mixLoC-0.02 || r.peakC > r.meanC || r.peakC < r.meanC-0.3 {
			t.Errorf("%s: oil-in peak %.2f C with the circuit's mean %.2f C; the mixed closed form %.2f-%.2f C",
				c.name, r.peakC, r.meanC, r.mixLoC, r.mixC)
		}
		if r.peakC >= lim.TripC-2 {
			t.Errorf("%s: oil-in peak %.2f C within 2 K of the %.0f C trip limit", c.name, r.peakC, lim.TripC)
		}
		if r.offS > 60 {
			t.Errorf("%s: the last module off %.0f s after the fault, want <= 60", c.name, r.offS)
		}
		for _, v := range r.violations {
			t.Errorf("%s: %s at %.0f s: %s", c.name, v.Invariant, v.AtS, v.Detail)
		}
	}
	if plain.peakC >= lim.WarnC {
		t.Errorf("plain rise: oil-in peak %.2f C, want under the %.0f C warn limit", plain.peakC, lim.WarnC)
	}
	if ref.peakC < lim.WarnC {
		t.Logf("heating rise: the peak %.2f C stayed under the warn limit", ref.peakC)
	}
}
