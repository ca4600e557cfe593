package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"context"

	"hearth/hal/board"
	"hearth/units"
)

func init() {
	register("probe", "open a board file's chips and lines: what answers, what is missing, what reads implausibly", runProbe)
}

// probeRegistry is the registry probe opens boards through: the host's,
// unless a test puts its fakes here.
var probeRegistry = board.Host

func runProbe(args []string, stdout, stderr io.Writer) int {
	c := newCmd("hearth probe", "[flags]")
	fs := c.FlagSet
	path := fs.String("board", "/etc/hearth/board.toml", "the board file")
	asJSON := fs.Bool("json", false, "the report as one JSON object: board, channels (name, wired, trip, verdict, status, value, unit, text, why), missing, missing_trip, implausible, ok")
	wait := units.Duration(2500 * units.Millisecond)
	fs.TextVar(&wait, "wait", wait, "how long the inputs are given before they are read: a DS18B20 conversion (750ms), a flow meter's edge timeout (2s)")
	wiring := fs.Bool("wiring", false, "print the board's wiring table (Markdown) and exit, opening nothing")
	scan := fs.Bool("scan", false, "search the 1-wire bus for DS18B20s: every ROM found, with the channel the board gives it, and every ROM the board names that is not there (exit 1)")
	only := fs.String("only", "", "probe only these channels: names or prefixes, comma-separated (temp.oil_in_a, flow.): the water bath, one pump")
	lock := fs.String("lock", board.DefaultLock, "the board's lock, which the daemon holds while it runs: probe refuses to open chips under it")
	c.check("wait", func() bool { return wait > 0 }, "must be above 0")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if !c.noArgs(pos, stderr) {
		return 2
	}
	f, err := board.Load(*path)
	if err != nil {
		fmt.Fprintln(stderr, "hearth probe: the board file is refused:")
		for _, e := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(stderr, "  "+e)
		}
		return 2
	}
	if *wiring {
		fmt.Fprint(stdout, f.Wiring())
		return 0
	}
	release, err := board.Lock(*lock)
	if err != nil {
		fmt.Fprintln(stderr, "hearth probe:", err)
		return 2
	}
	defer release()
	if *scan {
		return runScan(f, *asJSON, stdout, stderr)
	}
	rep := probe(*path, f, time.Duration(wait), pick(*only))
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		printProbe(stdout, rep)
	}
	if !rep.OK {
		return 1
	}
	return 0
}

// probe opens the board, lets its inputs run for wait (the first read
// starts the DS18B20s' conversion), and reads every channel.
func probe(path string, f *board.File, wait time.Duration, only func(string) bool) board.Report {
	start := time.Now()
	now := func() units.Time { return units.Time(time.Since(start)) }
	h := board.Open(f, probeRegistry(), now)
	defer h.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	h.Run(ctx, &wg, units.Second, func(string, error) {})
	h.Warm(wait, 100*time.Millisecond)
	rep := board.Probe(path, h, only)
	cancel()
	wg.Wait()
	return rep
}

// runScan is probe --scan: the 1-wire bus searched.
func runScan(f *board.File, asJSON bool, stdout, stderr io.Writer) int {
	found, err := board.ScanOneWire(f, probeRegistry())
	if err != nil {
		fmt.Fprintln(stderr, "hearth probe --scan:", err)
		return 1
	}
	code := 0
	for _, fd := range found {
		if !fd.OnBus {
			code = 1
		}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(found)
		return code
	}
	for _, fd := range found {
		switch {
		case !fd.OnBus:
			fmt.Fprintf(stdout, "%s  %s: NOT on the bus\n", fd.ROM, fd.Channel)
		case fd.Channel == "":
			fmt.Fprintf(stdout, "%s  on the bus, not in the board file\n", fd.ROM)
		default:
			fmt.Fprintf(stdout, "%s  %s\n", fd.ROM, fd.Channel)
		}
	}
	return code
}

// pick is --only's filter: a channel is picked when its name is one of the
// list's, or begins with one ending in ".".
func pick(list string) func(string) bool {
	if list == "" {
		return nil
	}
	names := strings.Split(list, ",")
	return func(name string) bool {
		for _, n := range names {
			n = strings.TrimSpace(n)
			if name == n || (strings.HasSuffix(n, ".") && strings.HasPrefix(name, n)) {
				return true
			}
		}
		return false
	}
}

func printProbe(w io.Writer, r board.Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tVERDICT\tVALUE\tWIRED TO\tWHY")
	for _, c := range r.Channels {
		trip := ""
		if c.Trip {
			trip = " *"
		}
		val := c.Text
		if val == "" {
			val = "-"
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%s\n", c.Name, trip, c.Verdict, val, c.Wired, c.Why)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d channels: %d missing (%d a trip hangs on), %d implausible. * = a trip hangs on it.\n",
		len(r.Channels), len(r.Missing), len(r.MissingTrip), len(r.Implausible))
	if len(r.MissingTrip) > 0 {
		fmt.Fprintf(w, "missing, a trip hangs on: %s\n", strings.Join(r.MissingTrip, ", "))
	}
	if r.OK {
		fmt.Fprintln(w, "ok: every channel a trip hangs on answered and reads plausibly")
	} else {
		fmt.Fprintln(w, "NOT OK: the hub must not run until every channel marked * answers and reads plausibly")
	}
}
