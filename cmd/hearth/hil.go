package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"hearth/hil"
	"hearth/hil/plant"
	"hearth/hil/report"
)

func init() {
	register("hil", "the HIL bench: list, faults, run, campaign, perf, year", runHIL)
}

func runHIL(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: hearth hil list|faults|run|campaign|perf|year [flags]")
		return 2
	}
	switch args[0] {
	case "list":
		return hilList(args[1:], stdout, stderr)
	case "faults":
		return hilFaults(args[1:], stdout, stderr)
	case "run":
		return hilRun(args[1:], stdout, stderr)
	case "campaign":
		return hilCampaign(args[1:], stdout, stderr)
	case "perf":
		return hilPerf(args[1:], stdout, stderr)
	case "year":
		return hilYear(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "hearth hil: unknown subcommand %q (want list, faults, run, campaign, perf or year)\n", args[0])
	return 2
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
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
	fs := newFlags("hearth hil list", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if fs.Parse(args) != nil {
		return 2
	}
	all, err := hil.Builtins()
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
	fs := newFlags("hearth hil faults", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if fs.Parse(args) != nil {
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

// runAll runs the scenarios on workers goroutines, results in input order.
func runAll(scs []*hil.Scenario, base plant.Params, o hil.RunOptions, workers int) ([]*hil.ScenarioResult, error) {
	res := make([]*hil.ScenarioResult, len(scs))
	errs := make([]error, len(scs))
	hil.Parallel(len(scs), workers, func(i int) {
		res[i], errs[i] = hil.RunScenarioOpts(scs[i], base, o)
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

func hilRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("hearth hil run", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object")
	reportDir := fs.String("report", "", "write index.html and an SVG per scenario into this directory")
	seed := fs.Uint64("seed", 0, "seed for every scenario (0: each scenario's own)")
	random := fs.Uint64("random", 0, "run the random campaign scenario drawn from this seed (as a campaign prints)")
	plant := fs.String("plant", "", "plant file (TOML) overriding the reference HeatHub")
	workers := fs.Int("workers", runtime.NumCPU(), "scenarios run in parallel")
	cfgPath := configFlag(fs)
	if fs.Parse(args) != nil {
		return 2
	}
	base, err := loadPlant(*plant)
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil run:", err)
		return 2
	}
	coreCfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil run:", err)
		return 2
	}
	var scs []*hil.Scenario
	switch {
	case *random != 0:
		scs = append(scs, hil.RandomScenario(*random))
	case fs.NArg() == 0:
		if scs, err = hil.Builtins(); err != nil {
			fmt.Fprintln(stderr, "hearth hil run:", err)
			return 1
		}
	}
	for _, a := range fs.Args() {
		found, err := hil.Lookup(a)
		if err != nil {
			fmt.Fprintln(stderr, "hearth hil run:", err)
			return 2
		}
		scs = append(scs, found...)
	}
	start := time.Now()
	res, err := runAll(scs, base, hil.RunOptions{Seed: *seed, Trace: *reportDir != "", Core: &coreCfg}, *workers)
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil run:", err)
		return 1
	}
	failed := 0
	for _, r := range res {
		if !r.Pass {
			failed++
		}
	}
	if *reportDir != "" {
		if err := report.Write(*reportDir, "Hearth HIL run", res); err != nil {
			fmt.Fprintln(stderr, "hearth hil run: report:", err)
			return 1
		}
		fmt.Fprintf(stderr, "report: %s\n", *reportDir+"/index.html")
	}
	if *asJSON {
		code := writeJSON(stdout, struct {
			Scenarios   []*hil.ScenarioResult `json:"scenarios"`
			Passed      int                   `json:"passed"`
			Failed      int                   `json:"failed"`
			WallSeconds float64               `json:"wall_seconds"`
		}{res, len(res) - failed, failed, time.Since(start).Seconds()})
		if code != 0 {
			return code
		}
	} else {
		printRun(stdout, res, time.Since(start))
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

func hilPerf(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("hearth hil perf", stderr)
	write := fs.String("write", "", "write the markdown table to this file (docs/performance.md)")
	asJSON := fs.Bool("json", false, "print the rows as JSON")
	plant := fs.String("plant", "", "plant file (TOML) overriding the reference HeatHub")
	workers := fs.Int("workers", runtime.NumCPU(), "runs in parallel")
	beforeFile := fs.String("before", "", "an earlier `hearth hil perf --json` to set beside today's figures")
	beforeLabel := fs.String("before-label", "the earlier plant", "what --before was run on, for the table's prose")
	if fs.Parse(args) != nil {
		return 2
	}
	base, err := loadPlant(*plant)
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil perf:", err)
		return 2
	}
	var before []hil.PerfRow
	if *beforeFile != "" {
		if before, err = readPerfRows(*beforeFile); err != nil {
			fmt.Fprintln(stderr, "hearth hil perf:", err)
			return 2
		}
	}
	rows, err := hil.Performance(base, *workers)
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil perf:", err)
		return 1
	}
	if *asJSON {
		return writeJSON(stdout, rows)
	}
	md := hil.PerfMarkdown(rows)
	if before != nil {
		md = strings.TrimSuffix(md, hil.PerfEnd) + hil.PerfBeforeAfter(*beforeLabel, before, rows) + hil.PerfEnd
	}
	if *write != "" {
		old, err := os.ReadFile(*write)
		if err != nil && !os.IsNotExist(err) {
			fmt.Fprintln(stderr, "hearth hil perf:", err)
			return 1
		}
		if err := os.WriteFile(*write, []byte(hil.PerfDocument(string(old), md)), 0o644); err != nil {
			fmt.Fprintln(stderr, "hearth hil perf:", err)
			return 1
		}
		fmt.Fprintln(stderr, "wrote", *write)
		return 0
	}
	fmt.Fprint(stdout, md)
	return 0
}

func hilCampaign(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("hearth hil campaign", stderr)
	hours := fs.Float64("hours", 100, "simulated plant-hours to run (at least)")
	seed := fs.Uint64("seed", 1, "campaign seed: it draws every run")
	workers := fs.Int("workers", runtime.NumCPU(), "runs in parallel (the result does not depend on it)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	plant := fs.String("plant", "", "plant file (TOML) overriding the reference HeatHub")
	if fs.Parse(args) != nil {
		return 2
	}
	if *hours <= 0 {
		fmt.Fprintln(stderr, "hearth hil campaign: --hours must be positive")
		return 2
	}
	base, err := loadPlant(*plant)
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil campaign:", err)
		return 2
	}
	cr, err := hil.Campaign(*hours, *seed, *workers, base)
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil campaign:", err)
		return 1
	}
	if *asJSON {
		if code := writeJSON(stdout, cr); code != 0 {
			return code
		}
	} else {
		fmt.Fprintf(stdout, "campaign seed %d: %d runs, %.0f plant-hours in %.1f s, %d trips, %d violations\n",
			cr.Seed, cr.Runs, cr.SimHours, cr.WallSeconds, cr.Trips, len(cr.Violations))
		kinds := make([]string, 0, len(cr.FaultsSeen))
		for k := range cr.FaultsSeen {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			fmt.Fprintf(stdout, "  %-26s %d runs\n", k, cr.FaultsSeen[k])
		}
		for _, v := range cr.Violations {
			fmt.Fprintf(stdout, "VIOLATION %s in %s at %.1f s: %s\n    replay: %s\n", v.Invariant, v.Run, v.AtS, v.Detail, v.Replay)
		}
	}
	if len(cr.Violations) > 0 {
		return 1
	}
	return 0
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
