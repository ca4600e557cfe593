package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"hearth/hil"
	"hearth/hil/plant"
	"hearth/hil/report"
)

func init() {
	register("hil", "the HIL bench: list, faults, run, campaign, perf, year", runHIL)
}

const hilUsage = `usage: hearth hil SUBCOMMAND [flags] [ARGS]

subcommands:
  list      [SCENARIO ...]   the built-in scenarios: name, season, duration, faults
  faults                     the fault catalogue: kinds, targets, arguments, the safe state expected
  run       [SCENARIO ...]   run scenarios (every built-in without one) and judge them; exit 1 if one fails
  campaign                   random runs for --hours of plant time, every run listed with its replay
  perf                       Hearth against the reference thermostat on the performance days
  year                       the representative days of every month of a UK climate

A SCENARIO is a built-in's name (oil-leak-winter), its file's name (oil-leak:
every season it comes in), a glob over either ('oil-*'), or a scenario file
(a path with a '/' or ending in .toml).

Run 'hearth hil SUBCOMMAND --help' for its arguments and flags.
`

var hilSubcommands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"list": hilList, "faults": hilFaults, "run": hilRun, "campaign": hilCampaign, "perf": hilPerf, "year": hilYear,
}

func runHIL(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, hilUsage)
		return 2
	}
	if isHelp(args[0]) {
		if len(args) > 1 && hilSubcommands[args[1]] != nil {
			return hilSubcommands[args[1]]([]string{"--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, hilUsage)
		return 0
	}
	if run := hilSubcommands[args[0]]; run != nil {
		return run(args[1:], stdout, stderr)
	}
	names := make([]string, 0, len(hilSubcommands))
	for n := range hilSubcommands {
		names = append(names, n)
	}
	fmt.Fprintf(stderr, "hearth hil: unknown subcommand %q%s\n%s", args[0], didYouMean(args[0], names), hilUsage)
	return 2
}

func writeJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return 1
	}
	return 0
}

func hilList(args []string, stdout, stderr io.Writer) int {
	c := newCmd("hearth hil list", "[flags] [SCENARIO ...]")
	c.about = "Lists the built-in scenarios, or those the SCENARIOs name (see 'hearth hil --help')."
	asJSON := c.Bool("json", false, "print JSON")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	all, err := hil.Builtins()
	if len(pos) > 0 && err == nil {
		all, err = selectScenarios(pos)
	}
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil list:", err)
		return 1
	}
	type entry struct {
		Name        string   `json:"name"`
		Season      string   `json:"season"`
		Duration    string   `json:"duration"`
		Faults      []string `json:"faults"`
		Description string   `json:"description"`
	}
	list := make([]entry, len(all))
	for i, s := range all {
		list[i] = entry{s.Name, s.Season, time.Duration(s.Duration).String(), s.Faults(), s.Description}
	}
	if *asJSON {
		return writeJSON(stdout, list)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSEASON\tDURATION\tFAULTS\tDESCRIPTION")
	for _, e := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Name, e.Season, e.Duration, strings.Join(e.Faults, ","), e.Description)
	}
	tw.Flush()
	return 0
}

func hilFaults(args []string, stdout, stderr io.Writer) int {
	c := newCmd("hearth hil faults", "[--json]")
	asJSON := c.Bool("json", false, "print JSON")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if !c.noArgs(pos, stderr) {
		return 2
	}
	if *asJSON {
		return writeJSON(stdout, plant.Catalogue)
	}
	for _, f := range plant.Catalogue {
		fmt.Fprintf(stdout, "%s\n    %s\n", f.Kind, f.Description)
		if len(f.Targets) > 0 {
			fmt.Fprintf(stdout, "    targets: %s\n", strings.Join(f.Targets, ", "))
		}
		if f.Arg != "" {
			fmt.Fprintf(stdout, "    arg: %s (default %g)\n", f.Arg, f.DefaultArg)
		}
		fmt.Fprintf(stdout, "    expected: %s\n", f.SafeState)
	}
	return 0
}

func loadPlant(path string) (plant.Params, error) {
	if path == "" {
		return plant.DefaultParams(), nil
	}
	return plant.LoadParams(path)
}

// runAll runs the scenarios on workers goroutines, results in input order,
// with a progress line now and then.
func runAll(scs []*hil.Scenario, base plant.Params, o hil.RunOptions, workers int, p *progress, tr *traceFlags) ([]*hil.ScenarioResult, error) {
	res := make([]*hil.ScenarioResult, len(scs))
	errs := make([]error, len(scs))
	var mu sync.Mutex
	done, failed, simH := 0, 0, 0.0
	hil.Parallel(len(scs), workers, func(i int) {
		res[i], errs[i] = runTraced(scs[i], base, o, tr, len(scs) > 1)
		mu.Lock()
		defer mu.Unlock()
		done++
		if errs[i] == nil {
			simH += res[i].SimSeconds / 3600
			if !res[i].Pass {
				failed++
			}
		}
		p.report(done == len(scs), func() string {
			return fmt.Sprintf("hil run: %d/%d scenarios, %.0f plant-h, %d failed", done, len(scs), simH, failed)
		})
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// hilRunFlags are hil run's flags.
type hilRunFlags struct {
	asJSON, progress, png     *bool
	reportDir, plant, cfgPath *string
	seed, random              *uint64
	workers                   *int
	trace                     *traceFlags
}

// runTraced runs one scenario, into its trace file when --trace asks.
func runTraced(sc *hil.Scenario, base plant.Params, o hil.RunOptions, tr *traceFlags, several bool) (*hil.ScenarioResult, error) {
	if tr == nil || tr.path == "" {
		return hil.RunScenarioOpts(sc, base, o)
	}
	f, to, err := tr.open(sc.Name, several)
	if err != nil {
		return nil, err
	}
	o.TraceOut, o.TraceFormat, o.TraceEvery = to.TraceOut, to.TraceFormat, to.TraceEvery
	r, err := hil.RunScenarioOpts(sc, base, o)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return r, err
}

func newHILRunFlags() (*cmdFlags, *hilRunFlags) {
	c := newCmd("hearth hil run", "[flags] [SCENARIO ...]")
	c.about = "Runs the SCENARIOs (every built-in without one) and judges each; exit 1 if one fails.\n" +
		"A SCENARIO is a built-in's name (oil-leak-winter), its file's name (oil-leak: every season it\n" +
		"comes in), a glob over either ('oil-*'), or a scenario file (a path with a '/' or ending in .toml)."
	f := &hilRunFlags{
		asJSON:    c.Bool("json", false, "print one JSON object"),
		reportDir: c.String("report", "", "write index.html and an SVG per scenario into this directory"),
		seed:      c.Uint64("seed", 0, "seed for every scenario (0: each scenario's own)"),
		random:    c.Uint64("random", 0, "run the random campaign scenario drawn from this seed (as a campaign prints)"),
		plant:     c.String("plant", "", "plant file (TOML) overriding the reference HeatHub"),
		workers:   c.workers(runtime.NumCPU(), "scenarios run in parallel"),
		cfgPath:   configFlag(c.FlagSet),
		progress:  progressFlag(c),
	}
	f.png = pngFlag(c, f.reportDir)
	f.trace = addTraceFlags(c)
	return c, f
}

func hilRun(args []string, stdout, stderr io.Writer) int {
	c, f := newHILRunFlags()
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	base, err := loadPlant(*f.plant)
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil run:", err)
		return 2
	}
	coreCfg, err := loadConfig(*f.cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil run:", err)
		return 2
	}
	var scs []*hil.Scenario
	switch {
	case *f.random != 0:
		scs = append(scs, hil.RandomScenario(*f.random))
	case len(pos) == 0:
		if scs, err = hil.Builtins(); err != nil {
			fmt.Fprintln(stderr, "hearth hil run:", err)
			return 1
		}
	}
	named, err := selectScenarios(pos)
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil run:", err)
		return 2
	}
	scs = append(scs, named...)
	start := time.Now()
	p := newProgress(stderr, !*f.asJSON || *f.progress)
	res, err := runAll(scs, base, hil.RunOptions{Seed: *f.seed, Trace: *f.reportDir != "", Core: &coreCfg}, *f.workers, p, f.trace)
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil run:", err)
		return 1
	}
	return hilRunReport(res, *f.reportDir, *f.png, *f.asJSON, time.Since(start), stdout, stderr)
}

// hilRunReport writes the report and the verdicts of hil run.
func hilRunReport(res []*hil.ScenarioResult, reportDir string, png, asJSON bool, wall time.Duration, stdout, stderr io.Writer) int {
	failed := 0
	for _, r := range res {
		if !r.Pass {
			failed++
		}
	}
	if reportDir != "" {
		if err := report.WriteOpts(reportDir, "Hearth HIL run", res, report.Options{PNG: png}); err != nil {
			fmt.Fprintln(stderr, "hearth hil run: report:", err)
			return 1
		}
		fmt.Fprintf(stderr, "report: %s\n", reportDir+"/index.html")
	}
	if asJSON {
		code := writeJSON(stdout, struct {
			Scenarios   []*hil.ScenarioResult `json:"scenarios"`
			Passed      int                   `json:"passed"`
			Failed      int                   `json:"failed"`
			WallSeconds float64               `json:"wall_seconds"`
		}{res, len(res) - failed, failed, wall.Seconds()})
		if code != 0 {
			return code
		}
	} else {
		printRun(stdout, res, wall)
	}
	if failed > 0 {
		return 1
	}
	return 0
}

func printRun(w io.Writer, res []*hil.ScenarioResult, wall time.Duration) {
	failed := 0
	for _, r := range res {
		verdict := "PASS"
		if !r.Pass {
			verdict = "FAIL"
			failed++
		}
		trips := make([]string, len(r.Trips))
		for i, t := range r.Trips {
			trips[i] = fmt.Sprintf("%s@%.0fs", t.Cause, t.AtS)
		}
		fmt.Fprintf(w, "%s %-40s oil in max %5.1f C  erf %.3f  avail %.4f  trips [%s]  %.2fs\n", verdict, r.Name,
			r.MaxTempC.OilModuleIn, r.ERF, r.ComputeAvailability, strings.Join(trips, " "), r.WallSeconds)
		for _, o := range r.Expectations {
			if !o.Pass {
				fmt.Fprintf(w, "    expectation failed: %s (%s)\n", o.Expectation, o.Detail)
			}
		}
		for _, v := range r.Violations {
			fmt.Fprintf(w, "    invariant broken: %s at %.1f s: %s\n", v.Invariant, v.AtS, v.Detail)
		}
		if !r.Pass {
			fmt.Fprintf(w, "    replay: %s\n", r.Replay)
		}
	}
	fmt.Fprintf(w, "%d scenarios, %d passed, %d failed in %.1f s\n", len(res), len(res)-failed, failed, wall.Seconds())
}

// readPerfRows reads an earlier `hearth hil perf --json`.
func readPerfRows(path string) ([]hil.PerfRow, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows []hil.PerfRow
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return rows, nil
}
