package plant

import (
	"math"
	"math/rand/v2"
	"testing"

	"hearth/hal"
	"hearth/hal/sim"
	"hearth/units"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6g, want %.6g (+/- %.2g)", what, got, want, tol)
	}
}

// The exchanger's UA follows its film coefficients' power laws:
// 1/UA = 0.65/(Qo/20)^0.625 + 0.30/(Qw/10)^0.75 + 0.05 (per kW/K), 1000 W/K
// at the nominal flows, and falls as the oil flow does.
func TestExchangerUAAgainstFlow(t *testing.T) {
	p := DefaultParams()
	closed := func(qo, qw float64) float64 {
		return 1000 / (0.65/math.Pow(qo/20, 0.625) + 0.30/math.Pow(qw/10, 0.75) + 0.05)
	}
	for _, c := range []struct{ qo, qw, want float64 }{
		{20, 10, 1000}, {10, 10, 739.406}, {5, 10, 527.435}, {40, 25, 1606.775}, {20, 5, 830.194},
	} {
		got := float64(p.ExchangerUA(units.LitrePerMin(c.qo), units.LitrePerMin(c.qw)))
		near(t, "UA", got, closed(c.qo, c.qw), 1e-9)
		near(t, "UA (table)", got, c.want, 0.1)
	}
	prev := math.Inf(1)
	for qo := 40.0; qo >= 2; qo -= 2 {
		ua := float64(p.ExchangerUA(units.LitrePerMin(qo), 10))
		if ua >= prev {
			t.Errorf("UA %.1f W/K at %.0f L/min oil, not below %.1f at %.0f", ua, qo, prev, qo+2)
		}
		prev = ua
	}
	if p.ExchangerUA(0, 10) != 0 || p.ExchangerUA(10, 0) != 0 {
		t.Errorf("an exchanger without flow conducts")
	}
}

// steadyPlant runs a plant at constant outside temperature with the modules
// at level, the pumps at oil/water and all the water through the dump.
func steadyPlant(p Params, outC units.Celsius, level hal.Level, oil, water, fan units.Ratio, hours float64) *Plant {
	pl := NewPlant(p, Weather{MeanC: outC}, Init{OilC: 40, WaterC: 30, TankTopC: 45, TankBottomC: 45, IndoorC: 20,
		ModuleLevel: level, ValveDump: 1}, 1)
	pl.Now = units.Time(-100 * units.Hour) // before any draw
	_ = pl.Pumps[hal.PumpOil].SetSpeed(oil)
	_ = pl.Pumps[hal.PumpWater].SetSpeed(water)
	_ = pl.Valves[hal.ValveDump].SetPosition(1)
	_ = pl.Fan.SetSpeed(fan)
	for range int(hours * 36000) {
		pl.Step(100 * units.Millisecond)
	}
	return pl
}

// The enclosure's air settles where the oil circuit's losses and the
// overhead (PSU losses, switch, controller) balance its 60 W/K to outside.
func TestEnclosureSteadyState(t *testing.T) {
	p := DefaultParams()
	pl := steadyPlant(p, 5, hal.Level100, 0.75, 0.6, 1, 12)
	s := &pl.S
	want := float64(s.OutdoorC) + (float64(pl.LastQ.Losses)+float64(p.OverheadPower(pl.ComputePower())))/60
	near(t, "enclosure C", float64(s.EnclosureC), want, 0.01)
	// Oil at ~40 C and 3.6 kW of compute: ~4 W/K x 35 K of losses, ~380 W of overhead.
	over := float64(p.OverheadPower(pl.ComputePower()))
	near(t, "overhead W", over, float64(pl.ComputePower())*(1/0.91-1)+25, 1e-9)
	if s.EnclosureC < s.OutdoorC+5 {
		t.Errorf("enclosure %.2f C with %.0f W of overhead, barely above outside %.2f C", s.EnclosureC, over, s.OutdoorC)
	}
}

// The cross-flow relation (both streams unmixed) at its limits and a table
// point; the dump on the running plant rejects what it says, less than a
// sink of infinite capacity rate would.
func TestDumpFiniteAir(t *testing.T) {
	// Kays & London's table for both fluids unmixed: 0.476 at NTU 1, Cr 1;
	// 0.681 at NTU 3, Cr 1; Cr -> 0 is 1 - e^-NTU.
	near(t, "eps(NTU 1, Cr 1)", CrossFlowEffectiveness(1000, 1000, 1000), 0.476, 5e-4)
	near(t, "eps(NTU 3, Cr 1)", CrossFlowEffectiveness(3000, 1000, 1000), 0.681, 5e-4)
	near(t, "eps(NTU 1, Cr 0)", CrossFlowEffectiveness(1000, 1000, 1e15), 1-math.Exp(-1), 1e-6)
	near(t, "eps(NTU 1, Cr 1e-6)", CrossFlowEffectiveness(1000, 1000, 1e9), 1-math.Exp(-1), 1e-5)
	near(t, "eps(NTU 2, Cr 0.5)", CrossFlowEffectiveness(2000, 1000, 2000), 0.732409, 1e-5)
	p := DefaultParams()
	near(t, "C_air full fan", float64(p.DumpAirRate(1)), 1100, 1e-9)
	near(t, "C_air half fan", float64(p.DumpAirRate(0.5)), 570, 1e-9)

	pl := steadyPlant(p, 10, hal.Level100, 0.75, 0.6, 1, 2)
	s := &pl.S
	cW := units.WaterRate(s.WaterLPM)
	ua, cAir := p.DumpUA(1), p.DumpAirRate(1)
	want := CrossFlowEffectiveness(ua, cAir, cW) * min(float64(cAir), float64(cW)) * float64(s.WaterFlowC-s.OutdoorC)
	near(t, "dump W", float64(pl.LastQ.Dump), want, 1e-6*want)
	infinite := sinkEffectiveness(float64(ua), float64(cW)) * float64(cW) * float64(s.WaterFlowC-s.OutdoorC)
	if r := float64(pl.LastQ.Dump) / infinite; r > 0.97 || r < 0.8 {
		t.Errorf("finite air rejects %.3f of the infinite sink's %.0f W, want 0.8-0.97", r, infinite)
	}
	// DumpCapacity is the same physics at full fan and full flow.
	cMax := units.WaterRate(p.WaterPumpMaxLPM)
	wantCap := CrossFlowEffectiveness(ua, cAir, cMax) * min(float64(cAir), float64(cMax)) * float64(50-s.OutdoorC)
	near(t, "DumpCapacity", float64(pl.DumpCapacity(50)), wantCap, 1e-9*wantCap)
}

// An EC circulator's band: below its minimum speed it runs at it, 0 stops
// it; it draws MinW at the minimum, the rated power at full speed, a power
// law between and its standby stopped.
func TestPumpMinimumSpeedAndPower(t *testing.T) {
	p := DefaultParams()
	pl := NewPlant(p, Weather{MeanC: 5}, SeasonInit(Winter), 1)
	w := &pl.Pumps[hal.PumpWater]
	settle := func(r units.Ratio) {
		_ = w.SetSpeed(r)
		for range 300 {
			w.Advance(100 * units.Millisecond)
		}
	}
	k := math.Log(45.0/4) / math.Log(4)
	for _, c := range []struct{ cmd, speed, watts float64 }{
		{0.08, 0.25, 4}, {0.25, 0.25, 4}, {0.5, 0.5, 4 * math.Pow(2, k)}, {1, 1, 45}, {0, 0, 0.8},
	} {
		settle(units.Ratio(c.cmd))
		near(t, "speed", float64(w.Actual()), c.speed, 1e-9)
		near(t, "flow", float64(w.Flow()), c.speed*25, 1e-9)
		near(t, "watts", float64(w.ElectricPower(p.WaterPumpW)), c.watts, 1e-9)
	}
}

// A probe in its thermowell answers a step as 1 - exp(-t/tau) at each
// conversion; each device's offset is its own, within the commissioned
// +/-0.2 K.
func TestProbeLagAndOffset(t *testing.T) {
	var now units.Time
	truth := units.Celsius(20)
	s := sim.Sensor[units.Celsius]{Src: &truth, Now: &now, Rng: rand.New(rand.NewPCG(1, 2)),
		Period: 750 * units.Millisecond, TauS: 30, Offset: 0.15}
	near(t, "before the step", float64(s.Read().Value), 20.15, 1e-12)
	truth = 30
	for n := 1; n <= 200; n++ {
		now = now.Add(750 * units.Millisecond)
		got := float64(s.Read().Value)
		want := 20 + 10*(1-math.Exp(-float64(n)*0.75/30)) + 0.15
		near(t, "lagged probe", got, want, 1e-9)
	}
	pl := NewPlant(DefaultParams(), Weather{MeanC: 5}, SeasonInit(Winter), 7)
	seen := map[float64]bool{}
	for i := range pl.Probes {
		o := pl.Probes[i].Offset
		if math.Abs(o) > 0.2 {
			t.Errorf("probe %d offset %.3f K, past +/-0.2 K", i, o)
		}
		seen[o] = true
	}
	if len(seen) < int(hal.NumTemps) {
		t.Errorf("probes share offsets: %v", seen)
	}
	near(t, "oil probe tau", pl.Probes[hal.TempOilOut].TauS, 20, 0)
	near(t, "water probe tau", pl.Probes[hal.TempWaterFlow].TauS, 15, 0)
}

// The overhead is counted: the supplies' loss on compute and the switch and
// controller, all the time.
func TestOverheadCounted(t *testing.T) {
	p := DefaultParams()
	pl := steadyPlant(p, 5, hal.Level100, 0.75, 0.6, 1, 1)
	want := float64(pl.E.Compute)*(1/0.91-1) + 25*3600
	near(t, "overhead J", float64(pl.E.Overhead), want, 1e-6*want)
}
