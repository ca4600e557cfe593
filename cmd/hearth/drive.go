package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"hearth/hal/board"
	"hearth/units"
)

func init() {
	register("drive", "commissioning: drive one output of a board for a bounded time (the daemon stopped), watch it answer", runDrive)
}

// driveRegistry is the registry drive opens boards through (a test puts
// emulated chips here).
var driveRegistry = board.Host

// driveMax bounds --for: heat sources (modules, heater) the shortest.
const (
	driveMax     = 10 * time.Minute
	driveMaxHeat = 2 * time.Minute
)

// driveSample is one look at the output and what answers it.
type driveSample struct {
	At       float64           `json:"t_s"`
	Readings map[string]string `json:"readings"`
}

// driveResult is `hearth drive --json`'s report.
type driveResult struct {
	Channel string        `json:"channel"`
	Value   string        `json:"value"`
	ForS    float64       `json:"for_s"`
	Samples []driveSample `json:"samples"`
	Stopped string        `json:"stopped"` // "time", "signal", "interlock: ..."
	Verdict string        `json:"verdict"` // what was checked, and what was seen
	OK      bool          `json:"ok"`
}

func runDrive(args []string, stdout, stderr io.Writer) int {
	c := newCmd("hearth drive", "--board FILE [--for D] [--every D] [--json] CHANNEL VALUE")
	c.about = "  pump.oil|pump.water SPEED (0..1), valve.dump|valve.tank POSITION (0..1), fan SPEED (0..1),\n" +
		"  alarm on|off, heater on|off, module.N on|off (N: the module's id)"
	fs := c.FlagSet
	path := fs.String("board", "/etc/hearth/board.toml", "the board file")
	lock := fs.String("lock", board.DefaultLock, "the board's lock (the daemon holds it while it runs: stop it first)")
	dur := units.Duration(30 * units.Second)
	every := units.Duration(500 * units.Millisecond)
	fs.TextVar(&dur, "for", dur, "how long to drive the output (at most 10m; modules and the heater 2m)")
	fs.TextVar(&every, "every", every, "how often the output's readings are printed")
	asJSON := fs.Bool("json", false, "the report as one JSON object: channel, value, for_s, samples, stopped, verdict, ok")
	c.check("for", func() bool { return dur > 0 }, "must be above 0")
	c.check("every", func() bool { return every > 0 }, "must be above 0")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		fmt.Fprintf(stderr, "hearth drive: want CHANNEL VALUE, got %d arguments\n", len(pos))
		c.usage(stderr)
		return 2
	}
	f, err := board.Load(*path)
	if err != nil {
		fmt.Fprintln(stderr, "hearth drive: the board file is refused:\n  "+strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return 2
	}
	release, err := board.Lock(*lock)
	if err != nil {
		fmt.Fprintln(stderr, "hearth drive:", err)
		return 2
	}
	defer release()
	res, code := drive(f, pos[0], pos[1], time.Duration(dur), time.Duration(every), stdout, *asJSON, stderr)
	if *asJSON && res != nil {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	}
	return code
}

// drive opens the board, checks the target's interlock, drives it, watches
// it, puts it back to its de-energised state and judges what it saw.
func drive(f *board.File, name, value string, d, every time.Duration, stdout io.Writer, quiet bool, stderr io.Writer) (*driveResult, int) {
	start := time.Now()
	now := func() units.Time { return units.Time(time.Since(start)) }
	h := board.Open(f, driveRegistry(), now)
	defer h.Close()
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	var wg sync.WaitGroup
	h.Run(ctx, &wg, units.Second, func(string, error) {})
	defer func() { cancel(); wg.Wait() }()
	tg, err := target(h, name, value)
	if err == nil && d > tg.maxFor {
		err = fmt.Errorf("--for %v: at most %v for %s", d, tg.maxFor, name)
	}
	if err != nil {
		fmt.Fprintln(stderr, "hearth drive:", err)
		return nil, 2
	}
	h.Warm(1200*time.Millisecond, 100*time.Millisecond) // the inputs the interlock reads
	res := &driveResult{Channel: name, Value: value, ForS: d.Seconds()}
	if why := tg.interlock(); why != "" {
		res.Stopped, res.Verdict = "refused", "refused: "+why
		return res, driveReport(res, stdout, quiet)
	}
	if err := tg.set(); err != nil {
		fmt.Fprintln(stderr, "hearth drive:", err)
		_ = tg.safe()
		return nil, 1
	}
	res.Stopped = watch(ctx, h, tg, res, d, every, start, stdout, quiet)
	verdict := tg.check(h) // seen while driven
	if err := tg.safe(); err != nil {
		verdict += fmt.Sprintf("; putting it back failed: %v", err)
	} else if tg.after != nil {
		verdict += "; " + tg.after(h)
	}
	res.Verdict, res.OK = verdict, !strings.Contains(verdict, "FAIL")
	return res, driveReport(res, stdout, quiet)
}

// watch prints the target's readings every period until d passes, a
// signal comes or the interlock trips; it says which.
func watch(ctx context.Context, h *board.Hub, tg *driveTarget, res *driveResult, d, every time.Duration,
	start time.Time, stdout io.Writer, quiet bool) string {
	t := time.NewTicker(every)
	defer t.Stop()
	end := time.After(d)
	for {
		s := driveSample{At: time.Since(start).Seconds(), Readings: map[string]string{}}
		var line []string
		for _, n := range tg.watch {
			rd := read(h, n)
			s.Readings[n] = rd
			line = append(line, n+": "+rd)
		}
		res.Samples = append(res.Samples, s)
		if !quiet {
			fmt.Fprintf(stdout, "%6.1fs  %s = %s  |  %s\n", s.At, res.Channel, res.Value, strings.Join(line, "  |  "))
		}
		if why := tg.interlock(); why != "" {
			return "interlock: " + why
		}
		select {
		case <-ctx.Done():
			return "signal"
		case <-end:
			return "time"
		case <-t.C:
		}
	}
}

func read(h *board.Hub, name string) string {
	c := h.Channel(name)
	switch {
	case c == nil:
		return "not on the board"
	case c.Missing():
		return "missing"
	}
	rd := c.Read()
	return fmt.Sprintf("%s (%s)", rd.Text, rd.Status)
}

func driveReport(res *driveResult, stdout io.Writer, quiet bool) int {
	if !quiet {
		fmt.Fprintf(stdout, "stopped: %s\n%s\n", res.Stopped, res.Verdict)
	}
	if res.OK {
		return 0
	}
	return 1
}

// parseOn reads on|off.
func parseOn(v string) (bool, error) {
	switch v {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, fmt.Errorf("%q: want on or off", v)
}

// parseRatio reads 0..1.
func parseRatio(v string) (units.Ratio, error) {
	r, err := strconv.ParseFloat(v, 64)
	if err != nil || r < 0 || r > 1 {
		return 0, fmt.Errorf("%q: want a number from 0 to 1", v)
	}
	return units.Ratio(r), nil
}
