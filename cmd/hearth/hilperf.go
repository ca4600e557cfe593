package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"hearth/hil"
)

func hilPerf(args []string, stdout, stderr io.Writer) int {
	c := newCmd("hearth hil perf", "[flags]")
	c.about = "Runs Hearth and the reference thermostat on the performance days (" + strings.Join(hil.PerfDays, ", ") +
		")\nand prints the comparison as docs/performance.md holds it."
	write := c.String("write", "", "write the markdown table to this file (docs/performance.md)")
	asJSON := c.Bool("json", false, "print the rows as JSON")
	plant := c.String("plant", "", "plant file (TOML) overriding the reference HeatHub")
	workers := c.workers(runtime.NumCPU(), "runs in parallel")
	beforeFile := c.String("before", "", "an earlier `hearth hil perf --json` to set beside today's figures")
	beforeLabel := c.String("before-label", "the earlier plant", "what --before was run on, for the table's prose")
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
	p := newProgress(stderr, !*asJSON || *prog)
	rows, err := hil.PerformanceProgress(base, *workers, func(done, total int) {
		p.report(done == total, func() string { return fmt.Sprintf("perf: %d/%d runs", done, total) })
	})
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
	if *write == "" {
		fmt.Fprint(stdout, md)
		return 0
	}
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
