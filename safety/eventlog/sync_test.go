package eventlog

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// syncCounter is an Options.Sync that counts the fsyncs of segments and of
// directories, and fails while fail is set.
type syncCounter struct {
	seg, dir int
	fail     error
}

func (c *syncCounter) sync(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.IsDir() {
		c.dir++
	} else {
		c.seg++
	}
	return c.fail
}

func TestFsyncPolicy(t *testing.T) {
	var c syncCounter
	dir := filepath.Join(t.TempDir(), "events")
	l := open(t, dir, Options{Sync: c.sync})
	if c.seg != 0 || c.dir != 2 { // the new directory in its parent, the first segment in it
		t.Fatalf("Open of a new log: %d segment syncs, %d directory syncs", c.seg, c.dir)
	}
	steps := []struct {
		name string
		do   func() error
		want int // segment syncs after
	}{
		{"info", func() error { _, err := l.Append(Event{Kind: KindInfo}); return err }, 0},
		{"trip", func() error { _, err := l.Append(Event{Kind: KindTrip, Cause: "oil_in_high"}); return err }, 1},
		{"Sync with nothing new", l.Sync, 1},
		{"overrun", func() error { _, err := l.Append(Event{Kind: KindOverrun}); return err }, 1},
		{"start", func() error { _, err := l.Append(Event{Kind: KindStart}); return err }, 1},
		{"Sync", l.Sync, 2},
		{"info before Close", func() error { _, err := l.Append(Event{Kind: KindInfo}); return err }, 2},
		{"Close", l.Close, 3},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if c.seg != s.want {
			t.Fatalf("after %s: %d segment syncs, want %d", s.name, c.seg, s.want)
		}
	}
	if st := l.Stats(); st.Syncs != 3 || st.Records != 5 {
		t.Fatalf("stats %+v", st)
	}
	if _, err := l.Append(Event{Kind: KindInfo}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
}

// Each kind syncs on its own exactly when it is a safety kind.
func TestEveryKindSyncsAsItSays(t *testing.T) {
	var c syncCounter
	l := open(t, t.TempDir(), Options{Sync: c.sync})
	defer l.Close()
	for k := KindStart; k < numKinds; k++ {
		before := c.seg
		if _, err := l.Append(Event{Kind: k}); err != nil {
			t.Fatal(err)
		}
		if synced := c.seg > before; synced != k.Safety() {
			t.Errorf("%v: synced %v, Safety %v", k, synced, k.Safety())
		}
	}
	if _, err := l.Append(Event{}); err == nil {
		t.Error("Append took an event of kind 0")
	}
}

// A rotation syncs the full segment before the next one takes a record, and
// the directory after creating and after deleting a segment.
func TestRotationSyncs(t *testing.T) {
	var c syncCounter
	l := open(t, t.TempDir(), Options{SegmentBytes: 100, Segments: 2, Sync: c.sync})
	defer l.Close()
	c = syncCounter{}
	info := Event{Kind: KindInfo, Msg: "seventy bytes or so, so that two do not fit in a segment of 100"}
	for range 3 {
		if _, err := l.Append(info); err != nil {
			t.Fatal(err)
		}
	}
	// Second append: sync segment 1, create 2 (dir). Third: sync 2, create 3
	// (dir), delete 1 (dir).
	if c.seg != 2 || c.dir != 3 || l.Stats().Rotations != 2 || l.Stats().Removed != 1 {
		t.Fatalf("%d segment syncs, %d directory syncs, %+v", c.seg, c.dir, l.Stats())
	}
}

// A failed fsync is reported with the seq of the record, which was written;
// the log goes on once the card answers again.
func TestFailedSyncIsReported(t *testing.T) {
	var c syncCounter
	dir := t.TempDir()
	l := open(t, dir, Options{Sync: c.sync})
	c.fail = errors.New("card gone")
	seq, err := l.Append(Event{Kind: KindTrip})
	if seq != 1 || !errors.Is(err, c.fail) {
		t.Fatalf("Append: seq %d, err %v", seq, err)
	}
	c.fail = nil
	if seq, err = l.Append(Event{Kind: KindReset}); seq != 2 || err != nil {
		t.Fatalf("Append after: seq %d, err %v", seq, err)
	}
	closeLog(t, l)
	if evs, _ := readAll(t, dir); len(evs) != 2 {
		t.Fatalf("read %d records", len(evs))
	}
}
