package main

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"hearth/hil"
	"hearth/units"
)

// traceFlags are --trace FILE, --trace-every and --trace-format, shared by
// `hearth sim` and `hearth hil run`.
type traceFlags struct {
	path, format string
	every        time.Duration
}

// pngFlag is --png: a PNG of each report figure beside its SVG, only with
// --report DIR (dir).
func pngFlag(c *cmdFlags, dir *string) *bool {
	png := c.Bool("png", false, "with --report: write a PNG of each figure beside its SVG")
	c.check("png", func() bool { return !*png || *dir != "" }, "only with --report DIR")
	return png
}

func addTraceFlags(c *cmdFlags) *traceFlags {
	t := &traceFlags{}
	fs := c.FlagSet
	fs.StringVar(&t.path, "trace", "", "write every tick's true and measured values, commands, applied outputs, state and causes to `FILE` (CSV, or JSON lines for .jsonl)")
	fs.DurationVar(&t.every, "trace-every", 0, "one trace row per this much simulated time (0: every 100 ms tick)")
	fs.StringVar(&t.format, "trace-format", "", "trace format: csv or jsonl (default: from the file's extension, csv otherwise)")
	c.check("trace-every", func() bool { return t.every >= 0 && (t.every == 0 || t.path != "") }, "0 or more, and only with --trace FILE")
	c.check("trace-format", func() bool { return t.format == "" || (t.format == "csv" || t.format == "jsonl") && t.path != "" },
		"csv or jsonl, and only with --trace FILE")
	return t
}

func (t *traceFlags) formatOf(path string) string {
	if t.format != "" {
		return t.format
	}
	if e := strings.ToLower(filepath.Ext(path)); e == ".jsonl" || e == ".ndjson" {
		return "jsonl"
	}
	return "csv"
}

// pathFor is the file of one scenario's trace: FILE itself for one, else
// FILE's name with the scenario's before its extension.
func (t *traceFlags) pathFor(name string, several bool) string {
	if !several {
		return t.path
	}
	ext := filepath.Ext(t.path)
	return strings.TrimSuffix(t.path, ext) + "-" + name + ext
}

// open creates the trace file of one run.
func (t *traceFlags) open(name string, several bool) (*os.File, hil.RunOptions, error) {
	p := t.pathFor(name, several)
	f, err := os.Create(p)
	if err != nil {
		return nil, hil.RunOptions{}, err
	}
	return f, hil.RunOptions{TraceOut: f, TraceFormat: t.formatOf(p), TraceEvery: units.Duration(t.every)}, nil
}
