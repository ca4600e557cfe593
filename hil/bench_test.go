package hil

import (
	"math"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"hearth/hil/plant"
	"hearth/units"
)

// Every built-in scenario passes, the library holds the names the issue
// asks for, every fault kind of the catalogue is injected somewhere, and
// every run keeps its energy account within 1 %.
func TestBuiltinsPass(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole library")
	}
	all, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 25 {
		t.Errorf("%d built-in scenarios, want at least 25", len(all))
	}
	names := map[string]bool{}
	kinds := map[string]bool{}
	for _, s := range all {
		names[s.Name] = true
		for _, f := range s.Faults() {
			kinds[f] = true
		}
	}
	for _, n := range []string{"winter-day", "spring-day", "summer-day", "heatwave", "cold-start", "legionella-cycle"} {
		if !names[n] {
			t.Errorf("no built-in scenario %q", n)
		}
	}
	for _, k := range plant.FaultKinds() {
		if !kinds[k] {
			t.Errorf("fault kind %s is injected by no built-in scenario", k)
		}
	}
	results := make([]*ScenarioResult, len(all))
	Parallel(len(all), runtime.NumCPU(), func(i int) {
		r, err := RunScenario(all[i], plant.DefaultParams(), 0, false)
		if err != nil {
			t.Errorf("%s: %v", all[i].Name, err)
			return
		}
		results[i] = r
	})
	checkDigests(t, results)
	for _, r := range results {
		if r == nil {
			continue
		}
		if !r.Pass {
			for _, o := range r.Expectations {
				if !o.Pass {
					t.Errorf("%s: expectation %s failed: %s (replay: %s)", r.Name, o.Expectation, o.Detail, r.Replay)
				}
			}
			for _, v := range r.Violations {
				t.Errorf("%s: invariant %s broken at %.1f s: %s (replay: %s)", r.Name, v.Invariant, v.AtS, v.Detail, r.Replay)
			}
		}
		// Safety acting is a failure of control, except under faults; and
		// a fault-free plant gives an engineer nothing to look at.
		if len(r.Faults) == 0 && r.Quality.WarningsSeen {
			t.Errorf("%s: fault-free, yet control let a measurement past a warn limit", r.Name)
		}
		if len(r.Faults) == 0 && r.Quality.AlarmsSeen {
			t.Errorf("%s: fault-free, yet the safety layer raised an alarm", r.Name)
		}
		if e := r.EnergyKWh; math.Abs(r.EnergyImbalance) > 0.01*math.Max(e.Compute, 1) {
			t.Errorf("%s: energy identity off by %.4f kWh of %.2f kWh compute", r.Name, r.EnergyImbalance, e.Compute)
		}
	}
}

// The bench can say no: a scenario written to be impossible fails, and says
// which expectation broke.
func TestImpossibleScenarioFails(t *testing.T) {
	scs, err := Lookup("testdata/impossible.toml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := RunScenario(scs[0], plant.DefaultParams(), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if r.Pass {
		t.Fatalf("an impossible scenario passed: %+v", r.Expectations)
	}
	var broke []string
	for _, o := range r.Expectations {
		if !o.Pass {
			broke = append(broke, o.Expectation)
		}
	}
	if !reflect.DeepEqual(broke, []string{"no_trip"}) {
		t.Errorf("broken expectations %v, want exactly [no_trip]", broke)
	}
}

// A bad scenario file is refused with the reason.
func TestScenarioFileErrors(t *testing.T) {
	for _, c := range []struct{ name, src string }{
		{"no name", `season = "winter"` + "\n" + `duration = "1h"`},
		{"bad season", `name = "x"` + "\n" + `season = "autumn"` + "\n" + `duration = "1h"`},
		{"unknown fault", `name = "x"` + "\n" + `duration = "1h"` + "\n" + `events = [{ at = "1m", fault = "gremlins" }]`},
		{"bad target", `name = "x"` + "\n" + `duration = "1h"` + "\n" + `events = [{ at = "1m", fault = "pump_seized", target = "fan" }]`},
		{"two actions", `name = "x"` + "\n" + `duration = "1h"` + "\n" + `events = [{ at = "1m", fault = "oil_leak", command = "reset" }]`},
		{"unknown key", `name = "x"` + "\n" + `duration = "1h"` + "\n" + `colour = "red"`},
		{"bad sensor", `name = "x"` + "\n" + `duration = "1h"` + "\n" + "[expect]\n" + `temp = [{ sensor = "attic", max_c = 1.0 }]`},
	} {
		if _, err := ParseScenario([]byte(c.src), c.name); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}

// A short campaign in every test run: random faults, invariants throughout,
// and the same seed gives the same result whatever the worker count.
func TestShortCampaign(t *testing.T) {
	a, err := Campaign(48, 1, 2, plant.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range a.Violations {
		t.Errorf("%s in %s at %.1f s: %s (replay: %s)", v.Invariant, v.Run, v.AtS, v.Detail, v.Replay)
	}
	if a.SimHours < 48 || a.Runs != 8 {
		t.Errorf("%.1f plant-hours in %d runs, want >= 48 in 8", a.SimHours, a.Runs)
	}
	b, err := Campaign(48, 1, 1, plant.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	a.WallSeconds, b.WallSeconds = 0, 0
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same seed, different campaign:\n%+v\n%+v", a, b)
	}
}

// BenchmarkPlantDay is one simulated plant-day at 10 Hz control, the whole
// bench: plant, devices, controller, invariants (no trace).
func BenchmarkPlantDay(b *testing.B) {
	for b.Loop() {
		run(b, plant.Winter, 1, 24*units.Hour)
	}
}

// Hearth against the reference thermostat on the same days, plant and seeds
// (issue 6): higher erf, lower oil IAE and fewer actuator reversals on the
// winter, spring and summer days; on the winter day the flow follows the
// weather curve at least 90 % of the heating time; the heatwave trips nothing.
func TestControlBeatsThermostat(t *testing.T) {
	if testing.Short() {
		t.Skip("eight simulated days")
	}
	rows, err := Performance(plant.DefaultParams(), runtime.NumCPU())
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]*ScenarioResult{}
	for _, r := range rows {
		by[r.Day+"/"+r.Controller] = r.Result
	}
	for _, d := range []string{"winter-day", "spring-day", "summer-day"} {
		h, th := by[d+"/hearth"], by[d+"/thermostat"]
		if h.ERF <= th.ERF {
			t.Errorf("%s: erf %.3f, thermostat %.3f", d, h.ERF, th.ERF)
		}
		if h.Quality.OilInIAEKh >= th.Quality.OilInIAEKh {
			t.Errorf("%s: oil IAE %.2f K h, thermostat %.2f", d, h.Quality.OilInIAEKh, th.Quality.OilInIAEKh)
		}
		if h.Quality.ReversalsPerHourTotal >= th.Quality.ReversalsPerHourTotal {
			t.Errorf("%s: %.1f reversals/h, thermostat %.1f", d, h.Quality.ReversalsPerHourTotal, th.Quality.ReversalsPerHourTotal)
		}
		if !h.Pass || h.DHWShortfallKWh != 0 {
			t.Errorf("%s: pass %v, DHW shortfall %.3f kWh", d, h.Pass, h.DHWShortfallKWh)
		}
	}
	w := by["winter-day/hearth"]
	if f := w.Quality.FlowOnCurveFraction; f < 0.9 {
		t.Errorf("winter-day: flow within 1.5 K of the weather curve %.0f %% of the heating time, want >= 90 %%", 100*f)
	}
	if s := by["summer-day/hearth"]; s.Quality.TankAtTargetFraction < 0.9 || s.ComputeAvailability < 0.99 {
		t.Errorf("summer-day: tank at target %.3f of the day, availability %.4f; want >= 0.9 and >= 0.99",
			s.Quality.TankAtTargetFraction, s.ComputeAvailability)
	}
	hw := by["heatwave/hearth"]
	if len(hw.Trips) != 0 || !hw.Pass {
		t.Errorf("heatwave: trips %v, pass %v", hw.Trips, hw.Pass)
	}
	// Compute throttled no more than the heat that cannot be rejected
	// requires: against the bench's capacity bound (hil/capacity.go, checked
	// against the plant by TestCapacityBoundIsThePlants).
	q := hw.Quality
	t.Logf("heatwave: throttled %.2f kWh; required %.2f, in whole levels %.2f, at control's margins %.2f; availability %.3f, bound %.3f",
		q.ThrottledKWh, q.ThrottleRequiredKWh, q.ThrottleRequiredLevelsKWh, q.ThrottleRequiredMarginsKWh,
		hw.ComputeAvailability, q.ComputeAvailabilityBound)
	switch {
	case q.ThrottleRequiredKWh < 10:
		t.Errorf("heatwave: the bound requires only %.2f kWh of throttling; the day is meant to need it", q.ThrottleRequiredKWh)
	case q.ThrottledKWh < q.ThrottleRequiredKWh-1:
		// The plant's stored heat allows a little more, no more: a load
		// manager beating the bound by more would mean the bound is wrong.
		t.Errorf("heatwave: throttled %.2f kWh, below the %.2f kWh the physics requires", q.ThrottledKWh, q.ThrottleRequiredKWh)
	}
	if r := q.ThrottledKWh / q.ThrottleRequiredMarginsKWh; r > 1.15 {
		t.Errorf("heatwave: throttled %.2f kWh = %.3f x what whole levels at control's margins require (%.2f), want <= 1.15",
			q.ThrottledKWh, r, q.ThrottleRequiredMarginsKWh)
	}
	if r := q.ThrottledKWh / q.ThrottleRequiredLevelsKWh; r > 1.25 {
		t.Errorf("heatwave: throttled %.2f kWh = %.3f x what whole levels require at the ceiling (%.2f), want <= 1.25",
			q.ThrottledKWh, r, q.ThrottleRequiredLevelsKWh)
	}
	if hw.ComputeAvailability < q.ComputeAvailabilityBound-0.1 {
		t.Errorf("heatwave: availability %.3f, the bound's %.3f", hw.ComputeAvailability, q.ComputeAvailabilityBound)
	}
	// docs/performance.md holds exactly these figures.
	doc, err := os.ReadFile("../docs/performance.md")
	if err != nil {
		t.Fatal(err)
	}
	// (The generated part may end with a before-and-after table, --before.)
	if want := strings.TrimSuffix(PerfMarkdown(rows), PerfEnd); !strings.HasPrefix(string(doc), want) {
		t.Errorf("docs/performance.md is stale: run go run ./cmd/hearth hil perf --write docs/performance.md")
	}
}
