package eventlog

import (
	"bytes"
	"testing"
)

// tornFixture writes ev(1..10) in one segment and returns its bytes and
// where the last record starts.
func tornFixture(t *testing.T) (data []byte, start int64) {
	dir := t.TempDir()
	l := open(t, dir, Options{Sync: noSync})
	appendN(t, l, 10)
	closeLog(t, l)
	data = readFile(t, segFile(dir, 1))
	return data, int64(len(data)) - frameSize(10)
}

// reopen writes data as the only segment of a fresh log, opens it, checks
// what Open cut, appends ev(10) again and checks the log reads whole.
func reopen(t *testing.T, data []byte, wantTorn int64) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, segFile(dir, 1), data)
	l := open(t, dir, Options{Sync: noSync})
	if st := l.Stats(); st.TornBytes != wantTorn || st.Seq != 9 || st.GarbledBytes != 0 {
		t.Fatalf("Open: %+v; want %d torn bytes cut, seq 9", st, wantTorn)
	}
	appendN(t, l, 1)
	closeLog(t, l)
	evs, st := readAll(t, dir)
	cleanStats(t, st)
	checkRun(t, evs, 1, 10)
}

// A write torn at any byte of the last record: Open cuts exactly that
// record, and the next append is read whole after the one before.
func TestOpenCutsTornTailAtEveryOffset(t *testing.T) {
	data, start := tornFixture(t)
	for cut := start; cut < int64(len(data)); cut++ {
		reopen(t, data[:cut], cut-start)
	}
}

// The last record whole in length but garbled at any byte (xor 0xff, or a
// zero as an unwritten block reads after a power cut): Open cuts it.
func TestOpenCutsGarbledLastRecordAtEveryByte(t *testing.T) {
	data, start := tornFixture(t)
	for i := start; i < int64(len(data)); i++ {
		for _, garble := range []func(byte) byte{func(b byte) byte { return b ^ 0xff }, func(byte) byte { return 0 }} {
			g := bytes.Clone(data)
			if g[i] = garble(g[i]); g[i] == data[i] {
				continue
			}
			reopen(t, g, int64(len(data))-start)
		}
	}
}

// The last record's blocks read as zeros, as a file extended but never
// written does after a power cut: the zeros are cut and nothing else is.
func TestOpenCutsZeroFilledTail(t *testing.T) {
	data, start := tornFixture(t)
	g := append(bytes.Clone(data[:start]), make([]byte, 4096)...)
	reopen(t, g, 4096)
}

// A newest segment that holds no whole record (a crash just after a
// rotation, torn inside its first record): the seq goes on from the
// segment before.
func TestOpenEmptyNewestSegmentKeepsSeq(t *testing.T) {
	dir := t.TempDir()
	o := Options{SegmentBytes: 1000, Segments: 4, Sync: noSync}
	l := open(t, dir, o)
	appendN(t, l, 20)
	closeLog(t, l)
	segs, _ := segments(dir)
	newest := segFile(dir, segs[len(segs)-1])
	data := readFile(t, newest)
	before := 20 - uint64(countRecords(t, data)) // the last seq of the segment before
	if len(segs) < 2 || before == 20 {
		t.Fatalf("segments %v, %d records in the newest", segs, 20-before)
	}
	torn := frameSize(before+1) - 1
	writeFile(t, newest, data[:torn])
	l = open(t, dir, o)
	if st := l.Stats(); st.TornBytes != torn || st.Seq != before {
		t.Fatalf("Open: %+v; want %d bytes cut, seq %d", st, torn, before)
	}
	appendN(t, l, 5)
	closeLog(t, l)
	evs, st := readAll(t, dir)
	cleanStats(t, st)
	checkRun(t, evs, evs[0].Seq, before+5)
}

func countRecords(t *testing.T, data []byte) int {
	sc := newScanner(bytes.NewReader(data), 0)
	if err := sc.drain(); err != nil {
		t.Fatal(err)
	}
	return sc.records
}
