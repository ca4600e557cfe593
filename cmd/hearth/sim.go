package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"hearth/hil"
	"hearth/hil/plant"
	"hearth/hil/report"
	"hearth/units"
)

func init() {
	register("sim", "run the controller against the reference simulated plant", runSim)
}

func runSim(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hearth sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	duration := fs.Duration("duration", 24*time.Hour, "simulated time to run")
	season := fs.String("season", "winter", "weather of the day: winter, spring or summer")
	seed := fs.Uint64("seed", 1, "seed of every random choice (sensor noise)")
	speed := fs.Float64("speed", 0, "N times real time with a live status line; 0 = as fast as possible")
	asJSON := fs.Bool("json", false, "print exactly one JSON object on stdout")
	reportDir := fs.String("report", "", "write index.html and an SVG of the run into this directory")
	cfgPath := configFlag(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hearth sim: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *duration <= 0 || *speed < 0 {
		fmt.Fprintln(stderr, "hearth sim: --duration must be positive and --speed not negative")
		return 2
	}
	cfg, err := hil.DefaultConfig(plant.Season(*season), *seed)
	if err != nil {
		fmt.Fprintln(stderr, "hearth sim:", err)
		return 2
	}
	if cfg.Core, err = loadConfig(*cfgPath); err != nil {
		fmt.Fprintln(stderr, "hearth sim:", err)
		return 2
	}
	cfg.Duration = units.Duration(*duration)
	cfg.Trace = *reportDir != ""
	s, err := hil.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "hearth sim:", err)
		return 1
	}

	start := time.Now()
	if *speed > 0 {
		paced(s, *speed, start, stderr)
	} else {
		for !s.Done() {
			s.Step()
		}
	}
	r := s.Result()
	r.Season = *season
	r.WallSeconds = time.Since(start).Seconds()
	if *reportDir != "" {
		sr := &hil.ScenarioResult{Name: "sim-" + *season, Pass: len(s.Violations()) == 0 && len(r.Trips) == 0,
			Description: fmt.Sprintf("hearth sim: %s, %s, seed %d", *season, *duration, *seed),
			Faults:      []string{}, Result: r, Expectations: []hil.Outcome{}, Violations: s.Violations(),
			Replay: fmt.Sprintf("hearth sim --season %s --duration %s --seed %d", *season, *duration, *seed), Trace: s.Trace()}
		if err := report.Write(*reportDir, "Hearth sim", []*hil.ScenarioResult{sr}); err != nil {
			fmt.Fprintln(stderr, "hearth sim: report:", err)
			return 1
		}
		fmt.Fprintf(stderr, "report: %s\n", filepath.Join(*reportDir, "index.html"))
	}

	if *asJSON {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(r); err != nil {
			fmt.Fprintln(stderr, "hearth sim:", err)
			return 1
		}
		return 0
	}
	printSummary(stdout, &r)
	return 0
}

// paced runs s at speed times real time, redrawing a status line on w.
func paced(s *hil.Sim, speed float64, start time.Time, w io.Writer) {
	lastDraw := time.Time{}
	for !s.Done() {
		s.Step()
		simT := time.Duration(s.Plant.Now)
		if ahead := time.Duration(float64(simT)/speed) - time.Since(start); ahead > 0 {
			time.Sleep(ahead)
		}
		if time.Since(lastDraw) >= 200*time.Millisecond || s.Done() {
			lastDraw = time.Now()
			st := s.Plant.S
			fmt.Fprintf(w, "\r%8s  %-9s oil in %5.1f C  out %5.1f C  flow %5.1f C  tank %5.1f C  indoor %5.1f C  outside %5.1f C  load %4.2f kW ",
				simT.Truncate(time.Second), s.Core.Safety.Status().State, st.OilInC, st.OilOutC, st.WaterFlowC,
				st.TankTopC, st.IndoorC, st.OutdoorC, float64(s.Plant.ComputePower())/1000)
		}
	}
	fmt.Fprintln(w)
}

func printSummary(w io.Writer, r *hil.Result) {
	e := r.EnergyKWh
	fmt.Fprintf(w, "Hearth sim: %s day, %.0f h simulated in %.2f s (%d ticks), seed %d\n",
		r.Season, r.SimSeconds/3600, r.WallSeconds, r.Ticks, r.Seed)
	fmt.Fprintf(w, "safety state at the end: %s; trips: %d\n", r.SafetyState, len(r.Trips))
	for _, t := range r.Trips {
		fmt.Fprintf(w, "  trip at %.0f s: %s\n", t.AtS, t.Cause)
	}
	fmt.Fprintf(w, "highest temperatures: oil into modules %.1f C, oil out %.1f C, water flow %.1f C, tank %.1f C\n",
		r.MaxTempC.OilModuleIn, r.MaxTempC.OilModuleOut, r.MaxTempC.WaterFlow, r.MaxTempC.Tank)
	fmt.Fprintf(w, "indoor air between %.1f and %.1f C\n", r.MinTempC.Indoor, r.MaxTempC.Indoor)
	fmt.Fprintf(w, "energy (kWh): compute %.2f, parasitic %.2f -> tank %.2f, heating %.2f, dumped %.2f, losses %.2f, stored %+.2f (imbalance %.4f)\n",
		e.Compute, e.Parasitic, e.ToTank, e.ToHeating, e.Dumped, e.Losses, e.StoredChange, r.EnergyImbalance)
	fmt.Fprintf(w, "ERF %.3f, compute availability %.4f, hot water below 40 C: %.3f kWh, immersion %.2f kWh\n",
		r.ERF, r.ComputeAvailability, r.DHWShortfallKWh, e.Immersion)
}
