package eventlog

import (
	"os"
	"testing"
)

// dirUsage returns the segments in dir and their total size.
func dirUsage(t *testing.T, dir string) (n int, bytes int64) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range ents {
		fi, err := ent.Info()
		if err != nil {
			t.Fatal(err)
		}
		n++
		bytes += fi.Size()
	}
	return n, bytes
}

// Appending forty times what the bound holds keeps the directory within
// Segments*SegmentBytes at every step, and the seqs run on across segments
// and across Close and Open.
func TestRotationKeepsTheBound(t *testing.T) {
	dir := t.TempDir()
	o := Options{SegmentBytes: 2000, Segments: 3, Sync: noSync}
	l := open(t, dir, o)
	var written int64
	for written < 40*2000*3 {
		appendN(t, l, 1)
		written = l.Stats().Bytes
		if n, b := dirUsage(t, dir); n > o.Segments || b > int64(o.Segments)*o.SegmentBytes {
			t.Fatalf("after seq %d: %d files, %d bytes", l.Stats().Seq, n, b)
		}
	}
	closeLog(t, l)
	st := l.Stats()
	t.Logf("%d records, %d bytes, %d rotations, %d segments removed", st.Records, st.Bytes, st.Rotations, st.Removed)
	if st.Rotations < 100 || st.Removed != st.Rotations-uint64(o.Segments)+1 {
		t.Fatalf("stats %+v", st)
	}

	l = open(t, dir, o)
	if l.Stats().Seq != st.Seq {
		t.Fatalf("reopened at seq %d, closed at %d", l.Stats().Seq, st.Seq)
	}
	appendN(t, l, 100)
	closeLog(t, l)
	evs, rst := readAll(t, dir)
	cleanStats(t, rst)
	checkRun(t, evs, evs[0].Seq, st.Seq+100)
	if segs, _ := segments(dir); len(segs) != o.Segments || segs[0] == 1 {
		t.Fatalf("segments %v", segs)
	}
}

// A segment smaller than a record holds one record each.
func TestTinySegmentsHoldOneRecordEach(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, Options{SegmentBytes: 10, Segments: 2})
	appendN(t, l, 7)
	closeLog(t, l)
	evs, st := readAll(t, dir)
	cleanStats(t, st)
	checkRun(t, evs, 6, 7)
	if segs, _ := segments(dir); len(segs) != 2 || segs[0] != 6 {
		t.Fatalf("segments %v", segs)
	}
}

// Lowering Segments prunes at Open; foreign files are left alone; bad
// options are refused.
func TestOpenPrunesAndLeavesForeignFiles(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, Options{SegmentBytes: 500, Segments: 6})
	appendN(t, l, 40)
	closeLog(t, l)
	writeFile(t, dir+"/notes.txt", []byte("hello"))
	writeFile(t, dir+"/events-1.log", []byte("not a segment name"))
	l = open(t, dir, Options{SegmentBytes: 500, Segments: 2})
	closeLog(t, l)
	if segs, _ := segments(dir); len(segs) != 2 {
		t.Fatalf("segments %v after Open with Segments 2", segs)
	}
	if n, _ := dirUsage(t, dir); n != 4 {
		t.Fatalf("%d files, want 2 segments and 2 foreign files", n)
	}
	for _, o := range []Options{{Segments: 1}, {SegmentBytes: -1}} {
		if _, err := Open(dir, o); err == nil {
			t.Errorf("Open accepted %+v", o)
		}
	}
}

func TestSegmentNames(t *testing.T) {
	for name, want := range map[string]uint64{"events-000001.log": 1, "events-1234567.log": 1234567,
		"events-1.log": 0, "events-000000.log": 0, "events-0000001.log": 0, "events-000001.log.tmp": 0, "x-000001.log": 0} {
		n, ok := segNumber(name)
		if n != want || ok != (want != 0) {
			t.Errorf("segNumber(%q) = %d, %v", name, n, ok)
		}
	}
}
