package main

import (
	"fmt"
	"io"
	"runtime"

	"hearth/hil"
)

// hilYear runs the representative days of every month of a UK climate and
// prints the annual figures.
func hilYear(args []string, stdout, stderr io.Writer) int {
	c := newCmd("hearth hil year", "[flags]")
	c.about = "Runs --days days of every month of an Essex climate and prints the annual figures; exit 1 on a trip\nor a broken invariant."
	asJSON := c.Bool("json", false, "print one JSON object")
	days := c.intIn("days", 7, 1, 31, "consecutive days run for each month, from Monday 00:00 (1..31)")
	seed := c.Uint64("seed", 1, "plant seed of every month's run")
	workers := c.workers(runtime.NumCPU(), "months run in parallel (the result does not depend on it)")
	plant := c.String("plant", "", "plant file (TOML) overriding the reference HeatHub")
	quiet := c.Bool("quiet", false, "no progress on stderr")
	prog := progressFlag(c)
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if !c.noArgs(pos, stderr) {
		return 2
	}
	base, err := loadPlant(*plant)
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil year:", err)
		return 2
	}
	o := hil.YearOptions{DaysPerMonth: *days, Seed: *seed, Workers: *workers}
	if !*quiet && (!*asJSON || *prog) {
		p := newProgress(stderr, true)
		o.Progress = func(done, total int) {
			p.report(done == total, func() string { return fmt.Sprintf("year: %d/%d months run", done, total) })
		}
	}
	y, err := hil.Year(base, o)
	if err != nil {
		fmt.Fprintln(stderr, "hearth hil year:", err)
		return 1
	}
	if *asJSON {
		return writeJSON(stdout, y)
	}
	printYear(stdout, y)
	if y.Trips > 0 || y.Violations > 0 {
		return 1
	}
	return 0
}

func printYear(w io.Writer, y *hil.YearResult) {
	fmt.Fprintf(w, "year: %d days per month run, seed %d, Essex climate\n\n", y.DaysPerMonth, y.Seed)
	fmt.Fprintf(w, "%-5s %6s %6s %6s %7s %9s %8s %8s %9s %8s %9s %8s %5s\n", "month", "out C", "erf", "bound", "avail",
		"heat kWh", "tank", "rads", "backup", "immers", "dumped", "compute", "trips")
	row := func(name string, f hil.YearFigures) {
		fmt.Fprintf(w, "%-5s %6.1f %6.3f %6.3f %7.4f %9.0f %8.0f %8.0f %9.0f %8.0f %9.0f %8.0f %5d\n", name, f.OutdoorMeanC, f.ERF,
			f.ERFBound, f.ComputeAvailability, f.HeatDeliveredKWh, f.ToTankKWh, f.ToHeatingKWh, f.BackupKWh, f.ImmersionKWh,
			f.DumpedKWh, f.ComputeKWh, f.Trips)
	}
	for _, m := range y.Months {
		row(m.Month, m)
	}
	row("year", y.YearFigures)
	fmt.Fprintf(w, "\nindoor minimum %.1f C, oil into the modules at most %.1f C, hot-water shortfall %.2f kWh, %d invariant episodes\n",
		y.IndoorMinC, y.OilMaxC, y.DHWShortfallKWh, y.Violations)
}
