package plant

import (
	"math"
	"testing"

	"hearth/hal"
	"hearth/units"
)

// In steady state the exchanger passes exactly what effectiveness-NTU says,
// and that is all the modules' heat less the oil circuit's losses.
func TestExchangerSteadyStateMatchesNTU(t *testing.T) {
	p := DefaultParams()
	pl := NewPlant(p, Weather{MeanC: 0}, Init{OilC: 40, WaterC: 30, TankTopC: 45, TankBottomC: 45, IndoorC: 20,
		ModuleLevel: hal.Level100, ValveDump: 1}, 1)
	pl.Now = units.Time(-100 * units.Hour)
	_ = pl.Pumps[hal.PumpOil].SetSpeed(0.75)
	_ = pl.Pumps[hal.PumpWater].SetSpeed(0.6)
	_ = pl.Valves[hal.ValveDump].SetPosition(1)
	_ = pl.Fan.SetSpeed(1)
	for range 6 * 36000 {
		pl.Step(100 * units.Millisecond)
	}
	s := &pl.S
	cOil, cW := units.OilRate(s.OilFlowLPM), units.WaterRate(s.WaterLPM)
	eps := CounterFlowEffectiveness(p.ExchangerUA(s.OilFlowLPM, s.WaterLPM), cOil, cW)
	ntu := eps * math.Min(float64(cOil), float64(cW)) * float64(s.OilOutC-s.WaterRetC)
	oilSide := float64(cOil) * float64(s.OilOutC-s.OilInC)
	waterSide := float64(cW) * float64(s.WaterFlowC-s.WaterRetC)
	load := float64(pl.ComputePower()) - float64(p.OilLossWPerK)*(float64(s.OilOutC+s.OilInC)/2-float64(s.EnclosureC))
	for name, q := range map[string]float64{"oil side": oilSide, "water side": waterSide, "modules less losses": load} {
		if math.Abs(q-ntu) > 0.01*ntu {
			t.Errorf("%s carries %.1f W, effectiveness-NTU says %.1f W", name, q, ntu)
		}
	}
}

// The reference plant file is the reference
func TestReferencePlantFile(t *testing.T) {
	p, err := LoadParams("reference-plant.toml")
	if err != nil {
		t.Fatal(err)
	}
	if p != DefaultParams() {
		t.Errorf("reference-plant.toml differs from DefaultParams:\n%+v\n%+v", p, DefaultParams())
	}
	if _, err := LoadParams("testdata/impossible.toml"); err == nil {
		t.Errorf("a scenario file was accepted as a plant file")
	}
}

// The exchanger's effectiveness against the closed forms of the
// counter-flow effectiveness-NTU relation.
func TestCounterFlowEffectiveness(t *testing.T) {
	for _, c := range []struct {
		ua, c1, c2 units.WattPerKelvin
		want       float64
	}{
		{1000, 1000, 1000, 0.5},               // Cr = 1: NTU/(1+NTU)
		{1000, 500, 1e12, 0.8646647167633873}, // Cr -> 0: 1 - exp(-NTU)
		{1000, 861, 1736, 0.6123},             // the reference plant in winter
		{0, 500, 500, 0},
		{1000, 0, 500, 0},
	} {
		got := CounterFlowEffectiveness(c.ua, c.c1, c.c2)
		if d := got - c.want; d > 1e-4 || d < -1e-4 {
			t.Errorf("eps(UA=%v, C=%v/%v) = %.6f, want %.6f", c.ua, c.c1, c.c2, got, c.want)
		}
	}
}
