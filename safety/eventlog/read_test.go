package eventlog

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"time"
)

func TestReadSince(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, Options{})
	appendN(t, l, 10)
	// A clock set back by NTP: seq 11 is logged with a wall time before seq 1.
	if _, err := l.Append(Event{Kind: KindInfo, Wall: base.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 1) // ev(12), at base + 12 s
	closeLog(t, l)
	var seqs []uint64
	err := ReadDir(dir, base.Add(8*time.Second), func(e Event) error { seqs = append(seqs, e.Seq); return nil })
	if err != nil || len(seqs) != 4 || seqs[0] != 8 || seqs[3] != 12 {
		t.Fatalf("since base+8s: %v, %v; want 8, 9, 10, 12", seqs, err)
	}
}

func TestReadStopsOnCallbackError(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, Options{})
	appendN(t, l, 10)
	closeLog(t, l)
	stop := errors.New("enough")
	n := 0
	err := ReadDir(dir, time.Time{}, func(Event) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("err %v after %d records", err, n)
	}
	if err := ReadDir(filepath.Join(dir, "nope"), time.Time{}, func(Event) error { return nil }); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a missing directory: %v", err)
	}
}

// ReadDir leaves a torn tail where it is: cutting it is Open's job.
func TestReadDoesNotModify(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, Options{})
	appendN(t, l, 5)
	closeLog(t, l)
	path := segFile(dir, 1)
	torn := append(readFile(t, path), frameMagic+"\x40\x00partial"...)
	writeFile(t, path, torn)
	evs, st := readAll(t, dir)
	checkRun(t, evs, 1, 5)
	if st.TornBytes != int64(len(frameMagic)+9) || !bytes.Equal(readFile(t, path), torn) {
		t.Fatalf("stats %+v; file changed: %v", st, !bytes.Equal(readFile(t, path), torn))
	}
}

// A reader running beside the writer, through rotations, sees whole records
// in order, each run a prefix of what the writer wrote.
func TestReadWhileWriting(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, Options{SegmentBytes: 4000, Segments: 4, Sync: noSync})
	done := make(chan struct{})
	go func() { // the writer's goroutine: no t.Fatal here
		defer close(done)
		for seq := uint64(1); seq <= 2000; seq++ {
			if got, err := l.Append(ev(seq)); got != seq || err != nil {
				t.Errorf("Append: seq %d, %v; want %d", got, err, seq)
				return
			}
		}
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	}()
	reads := 0
	for stop := false; !stop; reads++ {
		select {
		case <-done:
			stop = true
		default:
		}
		var prev uint64
		_, err := ReadDirStats(dir, time.Time{}, func(e Event) error {
			if e.Seq <= prev || !same(e, e.Seq) {
				t.Errorf("read seq %d after %d: %+v", e.Seq, prev, e)
			}
			prev = e.Seq
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	evs, st := readAll(t, dir)
	cleanStats(t, st)
	checkRun(t, evs, evs[0].Seq, 2000)
	t.Logf("%d reads beside the writer", reads)
}
