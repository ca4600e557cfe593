package eventlog

import (
	"bytes"
	"testing"
)

// garbledFixture writes ev(1..30) over several segments and returns the
// directory, the first segment's bytes and the offsets of its records.
func garbledFixture(t *testing.T) (dir string, seg1 []byte, offs []int64) {
	dir = t.TempDir()
	l := open(t, dir, Options{SegmentBytes: 2000, Sync: noSync})
	appendN(t, l, 30)
	closeLog(t, l)
	seg1 = readFile(t, segFile(dir, 1))
	for off, seq := int64(0), uint64(1); off < int64(len(seg1)); seq++ {
		offs = append(offs, off)
		off += frameSize(seq)
	}
	if len(offs) < 8 || l.Stats().Rotations < 2 {
		t.Fatalf("fixture: %d records in the first segment, %+v", len(offs), l.Stats())
	}
	return dir, seg1, offs
}

// checkAllBut requires evs to be ev(1..30) but for the seqs in lost.
func checkAllBut(t *testing.T, evs []Event, lost ...uint64) {
	t.Helper()
	want := uint64(1)
	for _, e := range evs {
		for _, l := range lost {
			if want == l {
				want++
			}
		}
		if !same(e, want) {
			t.Fatalf("read %+v, want ev(%d)", e, want)
		}
		want++
	}
	if want != 31 {
		t.Fatalf("read up to seq %d, want 30", want-1)
	}
}

// A record garbled at any byte in the middle of an older segment costs that
// record only: the reader finds the next magic and reads on.
func TestReadSkipsGarbledRecordAtEveryByte(t *testing.T) {
	dir, seg1, offs := garbledFixture(t)
	for i := offs[4]; i < offs[5]; i++ { // record 5
		for _, x := range []byte{0xff, 0x01, 0x80} {
			g := bytes.Clone(seg1)
			g[i] ^= x
			writeFile(t, segFile(dir, 1), g)
			evs, st := readAll(t, dir)
			checkAllBut(t, evs, 5)
			if st.Missing != 1 || st.GarbledBytes != frameSize(5) || st.TornBytes != 0 {
				t.Fatalf("byte %d ^ %#x: %+v", i, x, st)
			}
		}
	}
}

// Two garbled records in a row; a length field that claims the next records
// too (the reader must look for the magic inside what it claimed, not after
// it) or less than the record; a garbled last record of an older segment.
func TestReadSkipsGarbledRuns(t *testing.T) {
	dir, seg1, offs := garbledFixture(t)
	last := uint64(len(offs))
	cases := []struct {
		name    string
		edit    func(g []byte)
		lost    []uint64
		torn    int64
		garbled int64
	}{
		{"two records", func(g []byte) { g[offs[2]+10] ^= 1; g[offs[3]+1] ^= 1 }, []uint64{3, 4}, 0, frameSize(3) + frameSize(4)},
		{"length too long", func(g []byte) { g[offs[2]+5] = 0x03 }, []uint64{3}, 0, frameSize(3)},
		{"length too short", func(g []byte) { g[offs[2]+4] = 19; g[offs[2]+5] = 0 }, []uint64{3}, 0, frameSize(3)},
		{"last of the segment", func(g []byte) { g[len(g)-3] ^= 0xff }, []uint64{last}, frameSize(last), 0},
	}
	for _, c := range cases {
		g := bytes.Clone(seg1)
		c.edit(g)
		writeFile(t, segFile(dir, 1), g)
		evs, st := readAll(t, dir)
		checkAllBut(t, evs, c.lost...)
		if st.Missing != uint64(len(c.lost)) || st.GarbledBytes != c.garbled || st.TornBytes != c.torn {
			t.Errorf("%s: %+v", c.name, st)
		}
	}
}

// Open in a newest segment with a garbled record before valid ones keeps the
// valid ones, cuts nothing and appends after the last.
func TestOpenKeepsRecordsAfterAGarbledOne(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir, Options{})
	appendN(t, l, 10)
	closeLog(t, l)
	g := readFile(t, segFile(dir, 1))
	g[frameSize(1)+frameSize(2)+8] ^= 0xff // record 3
	writeFile(t, segFile(dir, 1), g)
	l = open(t, dir, Options{})
	if st := l.Stats(); st.Seq != 10 || st.TornBytes != 0 || st.GarbledBytes != frameSize(3) {
		t.Fatalf("Open: %+v", st)
	}
	appendN(t, l, 20)
	closeLog(t, l)
	evs, st := readAll(t, dir)
	if st.Missing != 1 || st.TornBytes != 0 || len(evs) != 29 || !same(evs[2], 4) || !same(evs[28], 30) {
		t.Fatalf("read %d records, %+v", len(evs), st)
	}
}
