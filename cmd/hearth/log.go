package main

import (
	"path/filepath"

	"hearth/cmd/hearth/daemon"

	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"hearth/safety/eventlog"
	"hearth/units"
)

func init() {
	register("log", "print the event log: trips, faults, resets, overrides, starts, stops", runLog)
}

// defaultEventDir is where the daemon keeps its event log: events/ under
// its state_dir.
const defaultEventDir = "/var/lib/hearth/events"

func runLog(args []string, stdout, stderr io.Writer) int {
	c := newCmd("hearth log", "[flags]")
	fs := c.FlagSet
	asJSON := fs.Bool("json", false, "one JSON object per event and line (JSON Lines): seq, time, kind, cause, msg")
	sinceArg := fs.String("since", "", "only events at or after this time: RFC 3339 (2026-12-01T21:00:00Z), or a duration before now (2h, 150h)")
	dir := fs.String("dir", defaultEventDir, "the event log's directory (events/ under the daemon's state_dir)")
	config := fs.String("config", "", "read the daemon's configuration for its state_dir (instead of --dir)")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if *config != "" {
		cfg, err := daemon.Load(*config)
		if err != nil {
			fmt.Fprintln(stderr, "hearth log:", err)
			return 2
		}
		*dir = filepath.Join(cfg.Daemon.StateDir, "events")
	}
	if !c.noArgs(pos, stderr) {
		return 2
	}
	since, err := parseSince(*sinceArg, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "hearth log:", err)
		return 2
	}
	w := bufio.NewWriter(stdout)
	n, st, err := printLog(w, *dir, since, *asJSON)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintln(stderr, "hearth log:", err)
		return 1
	}
	warnLog(stderr, n, st)
	return 0
}

// parseSince reads --since: empty (every event), an RFC 3339 time, or a
// duration that long before now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	d, err := units.ParseDuration(s)
	if _, bare := strconv.ParseInt(s, 10, 64); bare == nil || err != nil || d < 0 {
		// A bare number, which the configuration reads as nanoseconds, has
		// no unit a person would mean here.
		return time.Time{}, fmt.Errorf("--since %q: want an RFC 3339 time (2026-12-01T21:00:00Z) or a duration (2h, 150h)", s)
	}
	return now.Add(-time.Duration(d)), nil
}

// printLog prints each event in dir from since, and returns how many.
func printLog(w io.Writer, dir string, since time.Time, asJSON bool) (int, eventlog.ReadStats, error) {
	emit := printText
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		emit = func(_ io.Writer, e eventlog.Event) error { return enc.Encode(jsonEvent(e)) }
	}
	n := 0
	st, err := eventlog.ReadDirStats(dir, since, func(e eventlog.Event) error {
		n++
		return emit(w, e)
	})
	return n, st, err
}

// eventJSON is one line of --json.
type eventJSON struct {
	Seq   uint64 `json:"seq"`
	Time  string `json:"time"` // RFC 3339, nanoseconds, UTC
	Kind  string `json:"kind"`
	Cause string `json:"cause"`
	Msg   string `json:"msg"`
}

func jsonEvent(e eventlog.Event) eventJSON {
	return eventJSON{Seq: e.Seq, Time: e.Wall.UTC().Format(time.RFC3339Nano), Kind: e.Kind.String(),
		Cause: e.Cause, Msg: e.Msg}
}

// printText prints one line: time to the millisecond, seq, kind, cause ("-"
// if none) and the message, two spaces apart.
func printText(w io.Writer, e eventlog.Event) error {
	cause := e.Cause
	if cause == "" {
		cause = "-"
	}
	line := fmt.Sprintf("%s  seq=%d  %s  %s", e.Wall.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		e.Seq, e.Kind, textField(cause, true))
	if e.Msg != "" {
		line += "  " + textField(e.Msg, false)
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

// textField returns s as is, or Go-quoted if it holds a control character
// (a newline would break the one-line-per-event rule, an escape would talk
// to the terminal), if it starts with a quote (it would read as quoted) or,
// for a field that is not the last, if it holds a space.
func textField(s string, inner bool) string {
	odd := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) || inner && unicode.IsSpace(r) })
	if odd < 0 && !strings.HasPrefix(s, `"`) {
		return s
	}
	return strconv.Quote(s)
}

// warnLog tells stderr what the read passed over; it is not an error.
func warnLog(stderr io.Writer, n int, st eventlog.ReadStats) {
	if st.GarbledBytes > 0 || st.Missing > 0 {
		fmt.Fprintf(stderr, "hearth log: warning: %d garbled bytes passed over, %d records missing (seq gaps)\n",
			st.GarbledBytes, st.Missing)
	}
	if st.TornBytes > 0 {
		fmt.Fprintf(stderr, "hearth log: %d bytes after the last whole record of a segment: a record being written, "+
			"or a torn one the daemon cuts when it next starts\n", st.TornBytes)
	}
	if n == 0 {
		fmt.Fprintln(stderr, "hearth log: no events")
	}
}
