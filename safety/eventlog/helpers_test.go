package eventlog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var base = time.Date(2026, 12, 1, 21, 56, 36, 123_000_000, time.UTC)

// ev returns the event the tests append as seq: its content follows from
// seq, so a record read back can be checked whole. One in four is a safety
// kind.
func ev(seq uint64) Event {
	kinds := [8]Kind{KindTrip, KindInfo, KindOverrun, KindInfo, KindFault, KindInfo, KindClear, KindInfo}
	return Event{
		Wall:  base.Add(time.Duration(seq) * time.Second),
		Kind:  kinds[seq%8],
		Cause: fmt.Sprintf("cause_%d", seq%7),
		Msg:   strings.Repeat("m", int(seq*37%200)) + fmt.Sprint(seq),
	}
}

// same reports whether e is ev(seq) as read back.
func same(e Event, seq uint64) bool {
	w := ev(seq)
	return e.Seq == seq && e.Wall.Equal(w.Wall) && e.Kind == w.Kind && e.Cause == w.Cause && e.Msg == w.Msg
}

// noSync is an Options.Sync for the tests that are not about durability:
// fsyncs cost milliseconds each, and nothing here cuts the power.
func noSync(*os.File) error { return nil }

func frameSize(seq uint64) int64 {
	e := ev(seq)
	e.Seq = seq
	return int64(len(appendFrame(nil, &e)))
}

func open(t testing.TB, dir string, o Options) *Log {
	t.Helper()
	l, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func closeLog(t testing.TB, l *Log) {
	t.Helper()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

// appendN appends ev(seq) for the next n seqs, checking each seq.
func appendN(t testing.TB, l *Log, n int) {
	t.Helper()
	for range n {
		want := l.Stats().Seq + 1
		seq, err := l.Append(ev(want))
		if err != nil || seq != want {
			t.Fatalf("Append: seq %d, err %v; want seq %d", seq, err, want)
		}
	}
}

// readAll reads dir whole.
func readAll(t testing.TB, dir string) ([]Event, ReadStats) {
	t.Helper()
	var evs []Event
	st, err := ReadDirStats(dir, time.Time{}, func(e Event) error { evs = append(evs, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return evs, st
}

// checkRun requires evs to be ev(first) .. ev(last), whole and in order.
func checkRun(t testing.TB, evs []Event, first, last uint64) {
	t.Helper()
	if uint64(len(evs)) != last-first+1 {
		t.Fatalf("read %d records, want seqs %d..%d", len(evs), first, last)
	}
	for i, e := range evs {
		if !same(e, first+uint64(i)) {
			t.Fatalf("record %d: %+v, want ev(%d)", i, e, first+uint64(i))
		}
	}
}

// cleanStats requires a read that passed over nothing.
func cleanStats(t testing.TB, st ReadStats) {
	t.Helper()
	if st.GarbledBytes != 0 || st.TornBytes != 0 || st.Missing != 0 {
		t.Fatalf("read passed over something: %+v", st)
	}
}

func segFile(dir string, n uint64) string { return filepath.Join(dir, segName(n)) }

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
}
