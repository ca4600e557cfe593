package hil

import (
	"math"
	"strings"
	"testing"

	"hearth/hal"
	"hearth/hil/plant"
	"hearth/safety"
	"hearth/units"
)

// The thresholds are the reference configuration's and safety's hard bounds.
func TestInvariantThresholds(t *testing.T) {
	if dryBar != 0.3 {
		t.Errorf("hard bound of pressure_trip_low_bar read as %g bar, want 0.3", dryBar)
	}
	ref := safety.DefaultConfig()
	if ref.OilOut.TripC+overshootK != 72 || ref.OilIn.TripC+overshootK != 60 || ref.MinOilFlowLPM != 10 || ref.FlowProofS != 10 {
		t.Errorf("reference limits moved: oil_out trip %v, oil_in trip %v, min flow %v, flow proof %v",
			ref.OilOut.TripC, ref.OilIn.TripC, ref.MinOilFlowLPM, ref.FlowProofS)
	}
	if len(Invariants) != numInvariants {
		t.Fatalf("%d invariants, %d indices", len(Invariants), numInvariants)
	}
	for i, inv := range Invariants {
		if inv.Name == "" || inv.Doc == "" {
			t.Errorf("invariant %d has no name or doc", i)
		}
	}
}

func bareSim() *Sim {
	s := &Sim{Plant: &plant.Plant{}}
	s.inv.init(s)
	return s
}

// One violation per episode, from the tick it broke to the tick it cleared
// (or the run's end), not one per tick.
func TestInvariantEpisodes(t *testing.T) {
	s := bareSim()
	v := &s.inv
	// The condition holds over [10 s, 20 s) and from 30 s to the end (40 s);
	// a 2 s grace.
	for k := 0; k <= 400; k++ {
		s.Plant.Now = units.Time(k) * units.Time(Tick)
		sec := s.Plant.Now.Seconds()
		cond := (sec >= 10 && sec < 20) || sec >= 30
		if v.hold(invSoC, cond, s.Plant.Now, 2) {
			v.begin(s, invSoC, "x")
		}
	}
	got := v.violations
	if len(got) != 2 {
		t.Fatalf("%d violations, want 2: %+v", len(got), got)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-6 }
	if e := got[0]; !near(e.AtS, 12.1) || !near(e.EndS, 20) || !near(e.LengthS, 7.9) {
		t.Errorf("first episode %+v, want at 12.1 s, end 20 s, 7.9 s long", e)
	}
	if e := got[1]; !near(e.AtS, 32.1) || !near(e.EndS, 40) || !near(e.LengthS, 7.9) {
		t.Errorf("second episode %+v, want at 32.1 s, open to the run's end at 40 s", e)
	}
}

// Past the cap the bench says how many episodes it dropped, never cuts
// silently.
func TestInvariantCapSaysWhatItDropped(t *testing.T) {
	s := bareSim()
	v := &s.inv
	for k := 0; k < 2*(maxViolations+5); k++ {
		s.Plant.Now = units.Time(k) * units.Time(units.Second)
		if v.hold(invTank, k%2 == 0, s.Plant.Now, -1) {
			v.begin(s, invTank, "x")
		}
	}
	if len(v.violations) != maxViolations+1 {
		t.Fatalf("%d entries, want %d kept and one saying what was dropped", len(v.violations), maxViolations)
	}
	last := v.violations[maxViolations]
	if last.Invariant != violationsDropped || !strings.HasPrefix(last.Detail, "5 more episodes") ||
		!strings.Contains(last.Detail, "tank_below_85c x 5") {
		t.Errorf("last entry %+v", last)
	}
}

// A simulated run a few minutes in, for poking the true state.
func pokeSim(t *testing.T) *Sim {
	t.Helper()
	cfg, err := DefaultConfig(plant.Winter, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Duration = units.Hour
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range 600 {
		s.Step()
	}
	if len(s.Violations()) != 0 {
		t.Fatalf("violations before any poke: %+v", s.Violations())
	}
	return s
}

func broken(s *Sim) map[string]bool {
	m := map[string]bool{}
	for _, v := range s.Violations() {
		m[v.Invariant] = true
	}
	return m
}

// A NaN on the true plant breaks the invariant it is compared in.
func TestInvariantsFailOnNaN(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name string
		poke func(s *Sim)
	}{
		{"oil_in_below_trip_plus_2k", func(s *Sim) { s.Plant.S.OilInC = units.Celsius(nan) }},
		{"water_flow_below_95c", func(s *Sim) { s.Plant.S.WaterFlowC = units.Celsius(nan) }},
		{"tank_below_85c", func(s *Sim) { s.Plant.S.TankTopC = units.Celsius(nan) }},
		{"module_oil_below_trip_plus_2k", func(s *Sim) { s.Plant.S.ModuleOilC[5] = units.Celsius(nan) }},
		{"soc_below_85c", func(s *Sim) { s.Plant.Modules[2].SoCC = units.Celsius(nan) }},
	} {
		s := pokeSim(t)
		c.poke(s)
		st := s.Core.Safety.Status()
		s.inv.check(s, &st, false)
		if !broken(s)[c.name] {
			t.Errorf("%s: a NaN passed: %+v", c.name, s.Violations())
		}
	}
}

// The limits are the reference ones: a configuration under test that
// loosens its own does not loosen the bench's verdict.
func TestInvariantsJudgeAgainstTheReference(t *testing.T) {
	s := pokeSim(t)
	s.Cfg.Core.Safety.OilIn.TripC = 60 // valid, and looser than the reference 58 C
	s.Plant.S.OilInC = 60.5
	st := s.Core.Safety.Status()
	s.inv.check(s, &st, false)
	if !broken(s)["oil_in_below_trip_plus_2k"] {
		t.Errorf("oil into the modules at 60.5 C passed against a 60 C trip under test; the reference is 58 + 2")
	}
}

// The timed invariants: the water pump running dry, the oil pump on a leak,
// power without oil flow, each only past its grace.
func TestTimedInvariants(t *testing.T) {
	for _, c := range []struct {
		name  string
		grace float64
		poke  func(s *Sim)
	}{
		{"no_water_pump_dry", dryRunS, func(s *Sim) { s.Plant.S.PressureBar = 0.29 }},
		{"no_oil_pump_on_leak", leakPumpS, func(s *Sim) { s.Plant.OilLeak = true }},
		{"no_power_without_oil_flow", refSafety.FlowProofS + 2, func(s *Sim) { s.Plant.S.OilFlowLPM = 9.9 }},
	} {
		s := pokeSim(t)
		pl := s.Plant
		for i := range pl.Pumps {
			_ = pl.Pumps[i].SetSpeed(1)
			for range 100 {
				pl.Pumps[i].Advance(Tick)
			}
		}
		pl.Modules[0].Start(hal.Level100)
		st := s.Core.Safety.Status()
		start := s.Plant.Now
		for {
			c.poke(s) // the true state, held against the plant's own step
			s.Plant.Now = s.Plant.Now.Add(Tick)
			s.inv.check(s, &st, false)
			d := s.Plant.Now.Sub(start).Seconds()
			if broken(s)[c.name] {
				if d < c.grace {
					t.Errorf("%s broken after %.1f s, grace %.0f s", c.name, d, c.grace)
				}
				break
			}
			if d > c.grace+1 {
				t.Errorf("%s not broken after %.1f s, grace %.0f s", c.name, d, c.grace)
				break
			}
		}
		if s.Plant.Pumps[hal.PumpWater].Actual() <= plant.PumpRunning || s.Plant.Pumps[hal.PumpOil].Actual() <= plant.PumpRunning {
			t.Fatalf("%s: the pumps were not running", c.name)
		}
	}
}

// A refused transition is a programming error.
func TestFireErrorsBreak(t *testing.T) {
	s := pokeSim(t)
	st := s.Core.Safety.Status()
	st.FireErrors = 1
	s.inv.check(s, &st, false)
	if !broken(s)["safety_fire_errors"] {
		t.Errorf("FireErrors = 1 passed")
	}
}
