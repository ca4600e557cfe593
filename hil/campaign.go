package hil

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"time"

	"hearth/hil/plant"
	"hearth/units"
)

// CampaignRunHours is the length of one random run of a campaign.
const CampaignRunHours = 6

// RandomScenario draws a scenario from seed r alone: a season, one to three
// faults of the catalogue at random times on random targets, some cleared
// again, sometimes a reset after, sometimes a change of demand. Invariants are
// its only expectations. 'hearth hil run --random r' replays it.
func RandomScenario(r uint64) *Scenario {
	rng := rand.New(rand.NewPCG(r, 0xca4a16))
	seasons := []plant.Season{plant.Winter, plant.Spring, plant.Summer}
	sc := &Scenario{
		Name:     "random-" + strconv.FormatUint(r, 10),
		Season:   string(seasons[rng.IntN(len(seasons))]),
		Duration: units.Duration(CampaignRunHours * time.Hour),
		Seed:     r,
		src:      "random:" + strconv.FormatUint(r, 10),
	}
	sc.Description = "random campaign run " + strconv.FormatUint(r, 10) + " (" + sc.Season + ")"
	horizon := int64(CampaignRunHours-1) * int64(time.Hour)
	n := 1 + rng.IntN(3)
	for range n {
		spec := plant.Catalogue[rng.IntN(len(plant.Catalogue))]
		at := units.Duration(int64(20*time.Minute) + rng.Int64N(horizon-int64(20*time.Minute)))
		ev := Event{At: at, Fault: string(spec.Kind)}
		if len(spec.Targets) > 0 {
			ev.Target = spec.Targets[rng.IntN(len(spec.Targets))]
		}
		switch spec.Kind {
		case "controller_stall":
			ev.Arg = float64(1 + rng.IntN(60))
		case "controller_restart":
			ev.Arg = float64(1 + rng.IntN(120))
		default:
			ev.Arg, ev.Duty = randomArg(rng, spec.Kind, ev.Target)
			if rng.IntN(2) == 0 {
				ev.For = units.Duration(int64(time.Minute) + rng.Int64N(int64(45*time.Minute)))
			}
		}
		sc.Events = append(sc.Events, ev)
		if ev.For > 0 && rng.IntN(2) == 0 {
			// A reset after the end would never come: the file refuses it.
			if at := ev.At + ev.For + units.Duration(30*time.Minute); at <= sc.Duration {
				sc.Events = append(sc.Events, Event{At: at, Command: "reset"})
			}
		}
	}
	if rng.IntN(4) == 0 {
		levels := []string{"idle", "25%", "50%", "75%", "100%"}
		sc.Events = append(sc.Events, Event{At: units.Duration(rng.Int64N(horizon)), Demand: levels[rng.IntN(len(levels))]})
	}
	return sc
}

// plausible is the range a channel reads in service.
var plausible = map[string][2]float64{
	"oil_in_a": {20, 60}, "oil_in_b": {20, 60}, "oil_out": {20, 70},
	"water_flow": {20, 80}, "water_return": {15, 70}, "tank_top": {20, 75}, "tank_bottom": {10, 70},
	"indoor": {12, 28}, "outdoor": {-15, 35}, "pressure": {0.5, 2.5}, "flow_oil": {0, 40}, "flow_water": {0, 25},
}

// randomArg draws a fault's argument (0: its default) and, for
// sensor_intermittent, its duty: a stuck value mostly in the channel's
// plausible range and sometimes outside it, intermittent periods of 5-60 s
// open 10-50 % of the time, false power among the figures a broken agent
// gives (0, NaN, -1, a board's 3 or 7 W, twice the module's full draw),
// pressure floors from 0.05 to 0.9 bar, any alarm on a lying feedback line.
func randomArg(rng *rand.Rand, k plant.FaultKind, target string) (arg, duty float64) {
	switch k {
	case "sensor_stuck_at":
		if target == "leak" || target == "oil_low" {
			if rng.IntN(3) == 0 {
				return 1, 0 // wet or low: a nuisance
			}
			return 0, 0 // dry or normal: hides the hazard
		}
		r := plausible[target]
		span := r[1] - r[0]
		switch rng.IntN(4) {
		case 0:
			return r[0] - span*(0.1+0.9*rng.Float64()), 0
		case 1:
			return r[1] + span*(0.1+0.9*rng.Float64()), 0
		}
		return r[0] + span*rng.Float64(), 0
	case "sensor_intermittent":
		return 5 + 55*rng.Float64(), 0.1 + 0.4*rng.Float64()
	case "module_false_power":
		ref := plant.DefaultParams()
		return [...]float64{0, math.NaN(), -1, 3, 7, 2 * float64(ref.ModuleFullW())}[rng.IntN(6)], 0
	case "pump_feedback_lies":
		return float64(1 + rng.IntN(4)), 0
	case "pressure_to_floor":
		return 0.05 + 0.85*rng.Float64(), 0
	}
	return 0, 0
}

// Replay returns the command that replays a random scenario.
func RandomReplay(r uint64) string {
	return "hearth hil run --random " + strconv.FormatUint(r, 10)
}

// CampaignResult is a campaign's report. Field names are a contract (issue 3).
type CampaignResult struct {
	Seed        uint64              `json:"seed"`
	SimHours    float64             `json:"sim_hours"`
	WallSeconds float64             `json:"wall_seconds"`
	Runs        int                 `json:"runs"`
	Violations  []CampaignViolation `json:"violations"`
	Trips       int                 `json:"trips"`
	FaultsSeen  map[string]int      `json:"faults_seen"`
	// RunList is every run, in the order drawn (issue 16).
	RunList []CampaignRun `json:"run_list"`
}

// CampaignViolation is a broken invariant with the command that replays it.
type CampaignViolation struct {
	Violation
	Run    string `json:"run"`
	Replay string `json:"replay"`
}

// CampaignRun is one run of a campaign: what it drew, what tripped, what
// broke, and the command that replays it.
type CampaignRun struct {
	Run        string          `json:"run"`
	Seed       uint64          `json:"seed"` // the run's: hearth hil run --random SEED
	Replay     string          `json:"replay"`
	Season     string          `json:"season"`
	Pass       bool            `json:"pass"`
	Faults     []CampaignFault `json:"faults"`
	Trips      []Trip          `json:"trips"`
	Violations []Violation     `json:"violations"` // invariant episodes, and "bench" for a refused event
}

// CampaignFault is a fault a run injected.
type CampaignFault struct {
	Fault  string  `json:"fault"`
	Target string  `json:"target,omitempty"`
	AtS    float64 `json:"at_s"`
	ForS   float64 `json:"for_s,omitempty"` // cleared again after this long (absent: it stays)
	// Arg is the fault's argument (0: its default), a JSON number, or the
	// string "NaN" for the NaN a lying agent reports.
	Arg  floatText `json:"arg"`
	Duty float64   `json:"duty,omitempty"`
}

// floatText is a float kept as its shortest text, so that NaN compares
// equal to itself and encodes: a JSON number when finite, else a string.
type floatText string

func textOf(v float64) floatText { return floatText(strconv.FormatFloat(v, 'g', -1, 64)) }

func (f floatText) MarshalJSON() ([]byte, error) {
	if v, err := strconv.ParseFloat(string(f), 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
		return []byte(f), nil
	}
	return []byte(strconv.Quote(string(f))), nil
}

// CampaignMaxHours bounds a campaign's plant-hours.
const CampaignMaxHours = 1e6

// CampaignOptions are a campaign's knobs that do not change its result.
type CampaignOptions struct {
	Workers int
	// Progress, when set, is called after each run (from the run's
	// goroutine, one call at a time): runs done of total, plant-hours and
	// trips so far.
	Progress func(done, total int, simHours float64, trips int)
}

// runSeed derives the seed of run i of a campaign.
func runSeed(seed uint64, i int) uint64 {
	return rand.New(rand.NewPCG(seed, uint64(i))).Uint64() >> 16 // short enough to type
}

// Campaign runs random scenarios for at least hours of plant time on workers
// goroutines (each run is itself single-threaded and deterministic, so the
// result does not depend on workers).
func Campaign(hours float64, seed uint64, workers int, base plant.Params) (*CampaignResult, error) {
	return CampaignOpts(hours, seed, base, CampaignOptions{Workers: workers})
}

// CampaignOpts is Campaign with its options.
func CampaignOpts(hours float64, seed uint64, base plant.Params, o CampaignOptions) (*CampaignResult, error) {
	if !(hours > 0 && hours <= CampaignMaxHours) {
		return nil, fmt.Errorf("campaign of %g plant-hours: want a number above 0 and at most %g", hours, float64(CampaignMaxHours))
	}
	runs := int((hours + CampaignRunHours - 1) / CampaignRunHours)
	results := make([]*ScenarioResult, runs)
	errs := make([]error, runs)
	start := time.Now()
	var mu sync.Mutex
	done, simH, trips := 0, 0.0, 0
	Parallel(runs, max(o.Workers, 1), func(i int) {
		results[i], errs[i] = RunScenarioOpts(RandomScenario(runSeed(seed, i)), base, RunOptions{NoQuality: true})
		if o.Progress != nil {
			mu.Lock()
			defer mu.Unlock()
			done++
			if errs[i] == nil {
				simH += results[i].SimSeconds / 3600
				trips += len(results[i].Trips)
			}
			o.Progress(done, runs, simH, trips)
		}
	})
	cr := &CampaignResult{Seed: seed, Runs: runs, Violations: []CampaignViolation{}, FaultsSeen: map[string]int{},
		RunList: make([]CampaignRun, 0, runs)}
	for i, r := range results {
		if errs[i] != nil {
			return nil, errs[i]
		}
		cr.add(r, runSeed(seed, i))
	}
	cr.WallSeconds = time.Since(start).Seconds()
	return cr, nil
}

// add counts run r, drawn from seed rs, into the campaign.
func (cr *CampaignResult) add(r *ScenarioResult, rs uint64) {
	cr.SimHours += r.SimSeconds / 3600
	cr.Trips += len(r.Trips)
	for _, f := range r.Faults {
		cr.FaultsSeen[f]++
	}
	run := CampaignRun{Run: r.Name, Seed: rs, Replay: RandomReplay(rs), Season: r.Season, Pass: r.Pass,
		Faults: campaignFaults(RandomScenario(rs)), Trips: append([]Trip{}, r.Trips...),
		Violations: append([]Violation{}, r.Violations...)}
	for _, v := range r.Violations {
		cr.Violations = append(cr.Violations, CampaignViolation{Violation: v, Run: r.Name, Replay: run.Replay})
	}
	for _, o := range r.Expectations {
		if !o.Pass { // a bad event is a bench bug: report it as loudly
			v := Violation{Invariant: "bench", Detail: o.Expectation + ": " + o.Detail}
			cr.Violations = append(cr.Violations, CampaignViolation{Violation: v, Run: r.Name, Replay: run.Replay})
			run.Violations = append(run.Violations, v)
		}
	}
	cr.RunList = append(cr.RunList, run)
}

// campaignFaults lists the faults sc injects, in the order they come.
func campaignFaults(sc *Scenario) []CampaignFault {
	out := []CampaignFault{}
	for _, e := range sc.Events {
		if e.Fault == "" {
			continue
		}
		out = append(out, CampaignFault{Fault: e.Fault, Target: e.Target, AtS: time.Duration(e.At).Seconds(),
			ForS: time.Duration(e.For).Seconds(), Arg: textOf(e.Arg), Duty: e.Duty})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].AtS < out[j].AtS })
	return out
}
