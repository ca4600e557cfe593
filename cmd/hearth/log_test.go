package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hearth/safety/eventlog"
)

// writeEvents writes evs to a new log in a temp dir and returns the dir.
func writeEvents(t *testing.T, evs ...eventlog.Event) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "events")
	l, err := eventlog.Open(dir, eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if _, err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func logRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = dispatch(append([]string{"log"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

var trip = time.Date(2026, 12, 1, 21, 56, 36, 123_456_789, time.UTC)

func TestLogText(t *testing.T) {
	dir := writeEvents(t,
		eventlog.Event{Wall: trip.Add(-time.Minute), Kind: eventlog.KindStart},
		eventlog.Event{Wall: trip, Kind: eventlog.KindTrip, Cause: "oil_in_high", Msg: "oil in 58.5 C, trip at 58.0 C"},
		eventlog.Event{Wall: trip.Add(time.Second), Kind: eventlog.KindInfo, Msg: "two\nlines \x1b[31m"})
	code, out, errs := logRun(t, "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "2026-12-01T21:55:36.123Z  seq=1  start  -\n" +
		"2026-12-01T21:56:36.123Z  seq=2  trip  oil_in_high  oil in 58.5 C, trip at 58.0 C\n" +
		"2026-12-01T21:56:37.123Z  seq=3  info  -  \"two\\nlines \\x1b[31m\"\n"
	if out != want {
		t.Fatalf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if errs != "" {
		t.Errorf("stderr: %s", errs)
	}
}

func TestLogJSONSince(t *testing.T) {
	now := time.Now().UTC()
	dir := writeEvents(t,
		eventlog.Event{Wall: now.Add(-200 * time.Hour), Kind: eventlog.KindStart},
		eventlog.Event{Wall: now.Add(-100 * time.Hour), Kind: eventlog.KindFault, Cause: "sensor", Msg: `probe "B" <open>`},
		eventlog.Event{Wall: now.Add(-time.Hour), Kind: eventlog.KindReset, Cause: "oil_in_high"})
	for since, want := range map[string][]float64{"150h": {2, 3}, "2h": {3}, "": {1, 2, 3},
		now.Add(-101 * time.Hour).Format(time.RFC3339): {2, 3}} {
		code, out, errs := logRun(t, "--json", "--since", since, "--dir", dir)
		if code != 0 {
			t.Fatalf("--since %q: exit %d: %s", since, code, errs)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(want) {
			t.Fatalf("--since %q: %d lines, want %d:\n%s", since, len(lines), len(want), out)
		}
		for i, line := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("line %d is not a JSON object: %v\n%s", i+1, err, line)
			}
			if m["seq"] != want[i] || len(m) != 5 {
				t.Errorf("--since %q line %d: %s", since, i+1, line)
			}
		}
	}
	_, out, _ := logRun(t, "--json", "--since", "150h", "--dir", dir)
	first := strings.SplitN(out, "\n", 2)[0]
	wantTime := now.Add(-100 * time.Hour).Format(time.RFC3339Nano)
	if first != `{"seq":2,"time":"`+wantTime+`","kind":"fault","cause":"sensor","msg":"probe \"B\" <open>"}` {
		t.Errorf("line %s", first)
	}
}

func TestLogWarnsOfGarbledRecords(t *testing.T) {
	evs := make([]eventlog.Event, 5)
	for i := range evs {
		evs[i] = eventlog.Event{Wall: trip, Kind: eventlog.KindInfo, Msg: "hello"}
	}
	dir := writeEvents(t, evs...)
	path := filepath.Join(dir, "events-000001.log")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff // inside record 3
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
	code, out, errs := logRun(t, "--dir", dir)
	if code != 0 || strings.Count(out, "\n") != 4 || strings.Contains(out, "seq=3 ") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if !strings.Contains(errs, "1 records missing") {
		t.Errorf("stderr: %s", errs)
	}
}

func TestLogErrors(t *testing.T) {
	if code, _, errs := logRun(t, "--dir", filepath.Join(t.TempDir(), "none")); code != 1 {
		t.Errorf("a missing directory: exit %d, %s", code, errs)
	}
	for _, args := range [][]string{{"--since", "yesterday"}, {"--since", "-2h"}, {"extra"}, {"--no-such-flag"}} {
		if code, _, _ := logRun(t, args...); code != 2 {
			t.Errorf("hearth log %v: exit %d, want 2", args, code)
		}
	}
}
