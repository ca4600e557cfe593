package main

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"

	"hearth/hil"
	"hearth/hil/plant"
	"hearth/hil/report"
)

func hilCampaign(args []string, stdout, stderr io.Writer) int {
	c := newCmd("hearth hil campaign", "[flags]")
	c.about = fmt.Sprintf("Runs random scenarios of %d h each (one to three faults of the catalogue at random times)\n"+
		"for at least --hours of plant time and judges every invariant. Every run is listed with the\n"+
		"command that replays it; exit 1 if an invariant broke.", hil.CampaignRunHours)
	hours := c.Float64("hours", 100, fmt.Sprintf("simulated plant-hours to run (at least; above 0, at most %g)", float64(hil.CampaignMaxHours)))
	c.check("hours", func() bool { return *hours > 0 && *hours <= hil.CampaignMaxHours },
		fmt.Sprintf("must be a number above 0 and at most %g", float64(hil.CampaignMaxHours)))
	seed := c.Uint64("seed", 1, "campaign seed: it draws every run")
	workers := c.workers(runtime.NumCPU(), "runs in parallel (the result does not depend on it)")
	asJSON := c.Bool("json", false, "print one JSON object (run_list: every run, with its replay, faults, trips and violations)")
	plantFile := c.String("plant", "", "plant file (TOML) overriding the reference HeatHub")
	reportDir := c.String("report", "", "write index.html and an SVG for each tripped or failing run into this directory")
	png := pngFlag(c, reportDir)
	prog := progressFlag(c)
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if !c.noArgs(pos, stderr) {
		return 2
	}
	base, err := loadPlant(*plantFile)
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil campaign:", err)
		return 2
	}
	p := newProgress(stderr, !*asJSON || *prog)
	cr, err := hil.CampaignOpts(*hours, *seed, base, hil.CampaignOptions{Workers: *workers,
		Progress: func(done, total int, simH float64, trips int) {
			p.report(done == total, func() string {
				return fmt.Sprintf("campaign: %d/%d runs, %.0f plant-h, %s", done, total, simH, plural(trips, "trip", "trips"))
			})
		}})
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil campaign:", err)
		return 1
	}
	if *reportDir != "" {
		if err := campaignReport(*reportDir, *png, cr, base, *workers); err != nil {
			fmt.Fprintln(stderr, "hearth hil campaign: report:", err)
			return 1
		}
		fmt.Fprintf(stderr, "report: %s\n", *reportDir+"/index.html")
	}
	if *asJSON {
		if code := writeJSON(stdout, cr); code != 0 {
			return code
		}
	} else {
		printCampaign(stdout, cr)
	}
	if len(cr.Violations) > 0 {
		return 1
	}
	return 0
}

// campaignReport runs again, traced, every run of cr that tripped or
// failed (each is deterministic: the same run) and writes their report.
func campaignReport(dir string, png bool, cr *hil.CampaignResult, base plant.Params, workers int) error {
	var seeds []uint64
	for _, r := range cr.RunList {
		if !r.Pass || len(r.Trips) > 0 {
			seeds = append(seeds, r.Seed)
		}
	}
	res := make([]*hil.ScenarioResult, len(seeds))
	errs := make([]error, len(seeds))
	hil.Parallel(len(seeds), workers, func(i int) {
		res[i], errs[i] = hil.RunScenario(hil.RandomScenario(seeds[i]), base, 0, true)
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return report.WriteOpts(dir, fmt.Sprintf("Hearth HIL campaign, seed %d: the tripped and failing runs", cr.Seed), res,
		report.Options{PNG: png})
}

func printCampaign(w io.Writer, cr *hil.CampaignResult) {
	fmt.Fprintf(w, "campaign seed %d: %d runs, %.0f plant-hours in %.1f s, %d trips, %d violations\n",
		cr.Seed, cr.Runs, cr.SimHours, cr.WallSeconds, cr.Trips, len(cr.Violations))
	kinds := make([]string, 0, len(cr.FaultsSeen))
	for k := range cr.FaultsSeen {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(w, "  %-26s %d runs\n", k, cr.FaultsSeen[k])
	}
	for _, r := range cr.RunList {
		if len(r.Trips) == 0 {
			continue
		}
		trips := make([]string, len(r.Trips))
		for i, t := range r.Trips {
			trips[i] = fmt.Sprintf("%s@%.0fs", t.Cause, t.AtS)
		}
		faults := make([]string, len(r.Faults))
		for i, f := range r.Faults {
			faults[i] = fmt.Sprintf("%s@%.0fs", f.Fault, f.AtS)
		}
		fmt.Fprintf(w, "TRIP %s (%s): [%s] after [%s]\n    replay: %s\n", r.Run, r.Season,
			strings.Join(trips, " "), strings.Join(faults, " "), r.Replay)
	}
	for _, v := range cr.Violations {
		fmt.Fprintf(w, "VIOLATION %s in %s at %.1f s: %s\n    replay: %s\n", v.Invariant, v.Run, v.AtS, v.Detail, v.Replay)
	}
}
