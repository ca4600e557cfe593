package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"time"

	"hearth/hil"
	"hearth/hil/plant"
	"hearth/hil/report"
	"hearth/units"
)

func init() {
	register("sim", "run the controller against the reference simulated plant; exit 1 on a trip or a broken invariant", runSim)
}

// simFlags are sim's flags.
type simFlags struct {
	duration          *time.Duration
	season, reportDir *string
	cfgPath           *string
	seed              *uint64
	speed             *float64
	asJSON, png       *bool
	trace             *traceFlags
}

func newSimFlags() (*cmdFlags, *simFlags) {
	c := newCmd("hearth sim", "[flags]")
	c.about = "Runs the controller on a fault-free day of the reference plant and prints what it did. Exit 1\n" +
		"when the day trips or breaks an invariant of the bench: a fault-free day must do neither."
	f := &simFlags{
		duration:  c.positiveDuration("duration", 24*time.Hour, "simulated time to run (above 0)"),
		season:    c.String("season", "winter", "weather of the day: winter, spring or summer"),
		seed:      c.Uint64("seed", 1, "seed of every random choice (sensor noise)"),
		speed:     c.Float64("speed", 0, "N times real time with a live status line; 0 = as fast as possible"),
		asJSON:    c.Bool("json", false, "print exactly one JSON object on stdout"),
		reportDir: c.String("report", "", "write index.html and an SVG of the run into this directory"),
		cfgPath:   configFlag(c.FlagSet),
	}
	f.png = pngFlag(c, f.reportDir)
	f.trace = addTraceFlags(c)
	c.check("speed", func() bool { return finite(*f.speed) && *f.speed >= 0 }, "must be a finite number, 0 or above")
	return c, f
}

func runSim(args []string, stdout, stderr io.Writer) int {
	c, f := newSimFlags()
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if !c.noArgs(pos, stderr) {
		return 2
	}
	cfg, err := hil.DefaultConfig(plant.Season(*f.season), *f.seed)
	if err != nil {
		fmt.Fprintln(stderr, "hearth sim:", err)
		return 2
	}
	if cfg.Core, err = loadConfig(*f.cfgPath); err != nil {
		fmt.Fprintln(stderr, "hearth sim:", err)
		return 2
	}
	cfg.Duration = units.Duration(*f.duration)
	cfg.Trace = *f.reportDir != ""
	s, err := hil.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "hearth sim:", err)
		return 1
	}
	closeTrace, err := simTrace(s, f.trace)
	if err != nil {
		fmt.Fprintln(stderr, "hearth sim: trace:", err)
		return 1
	}
	start := time.Now()
	out := runSimSteps(s, *f.speed, start, stderr)
	if err := closeTrace(); err != nil {
		fmt.Fprintln(stderr, "hearth sim: trace:", err)
		return 1
	}
	r := s.Result()
	r.Season = *f.season
	r.WallSeconds = time.Since(start).Seconds()
	sum := simSummary{r: &r, limits: cfg.Core.Safety, violations: s.Violations(), outdoor: out,
		replay: fmt.Sprintf("hearth sim --season %s --duration %s --seed %d", *f.season, *f.duration, *f.seed)}
	if *f.reportDir != "" {
		if code := simReport(*f.reportDir, *f.png, s, &sum, stderr); code != 0 {
			return code
		}
		sum.report = filepath.Join(*f.reportDir, "index.html")
	}
	if *f.asJSON {
		if err := json.NewEncoder(stdout).Encode(r); err != nil {
			fmt.Fprintln(stderr, "hearth sim:", err)
			return 1
		}
	} else {
		sum.print(stdout)
	}
	if !sum.pass() {
		return 1
	}
	return 0
}

// simTrace opens --trace's file on s; the function it returns writes the
// last row and closes it.
func simTrace(s *hil.Sim, tr *traceFlags) (func() error, error) {
	if tr.path == "" {
		return func() error { return nil }, nil
	}
	f, o, err := tr.open("", false)
	if err != nil {
		return nil, err
	}
	if err := s.TraceTo(f, o.TraceFormat, o.TraceEvery); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		err := s.FlushTrace()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}, nil
}

// runSimSteps runs s to its end, paced when speed > 0, and returns the
// range of the outdoor air over the run.
func runSimSteps(s *hil.Sim, speed float64, start time.Time, stderr io.Writer) [2]float64 {
	out := [2]float64{math.Inf(1), math.Inf(-1)}
	seen := func() {
		o := float64(s.Plant.S.OutdoorC)
		out[0], out[1] = min(out[0], o), max(out[1], o)
	}
	if speed > 0 {
		paced(s, speed, start, stderr, seen)
		return out
	}
	for !s.Done() {
		s.Step()
		seen()
	}
	return out
}

func simReport(dir string, png bool, s *hil.Sim, sum *simSummary, stderr io.Writer) int {
	r := sum.r
	sr := &hil.ScenarioResult{Name: "sim-" + r.Season, Pass: sum.pass(),
		Description: fmt.Sprintf("hearth sim: %s, %s, seed %d", r.Season, time.Duration(r.SimSeconds*float64(time.Second)), r.Seed),
		Faults:      []string{}, Result: *r, Expectations: []hil.Outcome{}, Violations: sum.violations,
		Replay: sum.replay, Trace: s.Trace()}
	if err := report.WriteOpts(dir, "Hearth sim", []*hil.ScenarioResult{sr}, report.Options{PNG: png}); err != nil {
		fmt.Fprintln(stderr, "hearth sim: report:", err)
		return 1
	}
	fmt.Fprintf(stderr, "report: %s\n", filepath.Join(dir, "index.html"))
	return 0
}

// paced runs s at speed times real time, redrawing a status line on w and
// calling seen after each tick.
func paced(s *hil.Sim, speed float64, start time.Time, w io.Writer, seen func()) {
	lastDraw := time.Time{}
	for !s.Done() {
		s.Step()
		seen()
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
