package tripstore

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"hearth/safety"
)

func same(a, b safety.TripRecord) bool {
	return a.Cause == b.Cause && a.Latched == b.Latched && a.AtNs == b.AtNs && a.WallNs == b.WallNs &&
		math.Float64bits(a.Value) == math.Float64bits(b.Value) && a.Seq == b.Seq
}

func open(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func save(t testing.TB, s *Store, r safety.TripRecord) {
	t.Helper()
	if err := s.Save(r); err != nil {
		t.Fatal(err)
	}
}

// mustLoad loads and requires a valid record.
func mustLoad(t testing.TB, s *Store) safety.TripRecord {
	t.Helper()
	r, ok, err := s.Load()
	if err != nil || !ok {
		t.Fatalf("Load: ok %v, err %v", ok, err)
	}
	return r
}

var (
	rec1 = safety.TripRecord{Cause: safety.CauseOilInHigh, Latched: true, AtNs: 5e9, WallNs: 1.7e18, Value: 58.5}
	rec2 = safety.TripRecord{Cause: safety.CauseLeak, Latched: true, AtNs: 9e9, WallNs: 1.8e18, Value: math.NaN()}
	rec3 = safety.TripRecord{Cause: safety.CauseLeak, Latched: false, AtNs: 10e9, WallNs: 1.9e18, Value: math.NaN()}
)

func withSeq(r safety.TripRecord, seq uint64) safety.TripRecord { r.Seq = seq; return r }

func TestEmptyStoreHasNoRecord(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var", "hearth")
	s := open(t, dir)
	if _, ok, err := s.Load(); ok || err != nil {
		t.Fatalf("fresh store: ok %v, err %v", ok, err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("Open did not create %s: %v", dir, err)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	save(t, s, safety.TripRecord{Cause: rec1.Cause, Latched: true, AtNs: rec1.AtNs, WallNs: rec1.WallNs, Value: rec1.Value, Seq: 99})
	if got := mustLoad(t, s); !same(got, withSeq(rec1, 1)) {
		t.Fatalf("got %+v, want %+v (the store numbers records)", got, withSeq(rec1, 1))
	}
	save(t, s, rec2)
	if got := mustLoad(t, s); !same(got, withSeq(rec2, 2)) {
		t.Fatalf("got %+v, want %+v", got, withSeq(rec2, 2))
	}
	// A new process continues the numbering and overwrites the older slot.
	s2 := open(t, dir)
	if got := mustLoad(t, s2); !same(got, withSeq(rec2, 2)) {
		t.Fatalf("reopened: got %+v", got)
	}
	save(t, s2, rec3)
	if got := mustLoad(t, s2); !same(got, withSeq(rec3, 3)) || got.Latched {
		t.Fatalf("reset record: got %+v", got)
	}
	seqs := map[uint64]bool{}
	for _, name := range slotNames {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var r safety.TripRecord
		if err := r.UnmarshalBinary(b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		seqs[r.Seq] = true
	}
	if !seqs[2] || !seqs[3] {
		t.Errorf("slots hold %v, want the two newest records 2 and 3", seqs)
	}
}

func TestSaveRefusesAnUnknownCause(t *testing.T) {
	s := open(t, t.TempDir())
	save(t, s, rec1)
	if err := s.Save(safety.TripRecord{Cause: safety.NumCauses}); err == nil {
		t.Fatal("Save accepted an unknown cause")
	}
	save(t, s, rec2)
	if got := mustLoad(t, s); got.Seq != 2 {
		t.Errorf("a refused Save consumed a sequence number: %+v", got)
	}
}

// newestSlot returns the path of the slot that holds the record with seq.
func newestSlot(t *testing.T, dir string, seq uint64) string {
	t.Helper()
	for _, name := range slotNames {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		var r safety.TripRecord
		if r.UnmarshalBinary(b) == nil && r.Seq == seq {
			return filepath.Join(dir, name)
		}
	}
	t.Fatalf("no slot holds seq %d", seq)
	return ""
}

// A power cut that left the newest slot torn (the rename reached the disk,
// the data did not) leaves the previous record readable, and the next Save
// writes over the torn slot, not over the only valid record.
func TestTornNewestSlotLeavesThePreviousRecord(t *testing.T) {
	good, _ := withSeq(rec2, 2).MarshalBinary()
	torn := map[string][]byte{
		"empty":         {},
		"one byte":      good[:1],
		"half":          good[:safety.TripRecordSize/2],
		"all but one":   good[:safety.TripRecordSize-1],
		"zeros":         make([]byte, safety.TripRecordSize),
		"tail zeroed":   append(append([]byte(nil), good[:30]...), make([]byte, 14)...),
		"garbled byte":  func() []byte { b := append([]byte(nil), good...); b[17] ^= 0x40; return b }(),
		"garbage after": append(append([]byte(nil), good...), 0xEE),
		"another file":  []byte("# hearth.toml\n[safety]\noil_in.trip_c = 58\n"),
		"erased flash": func() []byte {
			b := make([]byte, safety.TripRecordSize)
			for i := range b {
				b[i] = 0xFF
			}
			return b
		}(),
		"large and junk": make([]byte, 1<<20),
	}
	for name, data := range torn {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir)
			save(t, s, rec1)
			save(t, s, rec2)
			if err := os.WriteFile(newestSlot(t, dir, 2), data, 0o600); err != nil {
				t.Fatal(err)
			}
			s2 := open(t, dir) // the process after the power cut
			if got := mustLoad(t, s2); !same(got, withSeq(rec1, 1)) {
				t.Fatalf("got %+v, want the previous record %+v", got, withSeq(rec1, 1))
			}
			save(t, s2, rec3)
			if got := mustLoad(t, s2); !same(got, withSeq(rec3, 2)) {
				t.Fatalf("after the next Save: got %+v", got)
			}
			if got := mustLoad(t, open(t, dir)); !same(got, withSeq(rec3, 2)) {
				t.Fatalf("after reopening: got %+v", got)
			}
			// The previous valid record survived the Save that followed.
			newestSlot(t, dir, 1)
		})
	}
}

var errPowerCut = errors.New("power cut")

// A power cut between the temp file and the rename leaves both slots as they
// were; the next process removes the temp file.
func TestPowerCutBeforeRename(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	save(t, s, rec1)
	var tmpSeen string
	s.beforeRename = func(tmp string) error { tmpSeen = tmp; return errPowerCut }
	if err := s.Save(rec2); !errors.Is(err, errPowerCut) {
		t.Fatalf("Save: %v", err)
	}
	if _, err := os.Stat(tmpSeen); err != nil {
		t.Fatalf("the crash should have left %s: %v", tmpSeen, err)
	}
	s2 := open(t, dir)
	if _, err := os.Stat(tmpSeen); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open left the stale temp file: %v", err)
	}
	if got := mustLoad(t, s2); !same(got, withSeq(rec1, 1)) {
		t.Fatalf("got %+v, want %+v", got, withSeq(rec1, 1))
	}
}

// A torn temp file (the crash hit mid-write) is never read as a record.
func TestTornTempFileIgnored(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	save(t, s, rec1)
	good, _ := withSeq(rec2, 2).MarshalBinary()
	for _, name := range slotNames {
		if err := os.WriteFile(filepath.Join(dir, name+tmpSuffix), good[:20], 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got := mustLoad(t, s); !same(got, withSeq(rec1, 1)) {
		t.Fatalf("got %+v", got)
	}
}

func TestEveryRecordCorruptIsAnError(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	save(t, s, rec1)
	save(t, s, rec2)
	for _, name := range slotNames {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("garbage"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s2 := open(t, dir)
	if _, ok, err := s2.Load(); ok || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("ok %v, err %v; want ErrCorrupt", ok, err)
	}
	save(t, s2, rec3)
	if got := mustLoad(t, s2); !same(got, withSeq(rec3, 1)) {
		t.Fatalf("got %+v", got)
	}
}

func TestUnreadableSlotIsAnError(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	save(t, s, rec1)
	if err := os.Mkdir(filepath.Join(dir, slotNames[1]), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Load(); ok || err == nil || errors.Is(err, ErrCorrupt) {
		t.Fatalf("ok %v, err %v; want a read error", ok, err)
	}
}

func addStoreSeeds(f *testing.F) {
	good, _ := withSeq(rec2, 2).MarshalBinary()
	f.Add([]byte{}, true)
	f.Add(good[:43], true)
	f.Add(good[:10], false)
	g := append([]byte(nil), good...)
	g[3] ^= 1
	f.Add(g, true)
	f.Add(make([]byte, safety.TripRecordSize), false)
	f.Add(append(append([]byte(nil), good...), good...), true)
}

// Whatever a power cut or a failing card leaves in one slot, Load returns a
// record that was saved, or an error: never a record nobody wrote.
func FuzzCorruptSlot(f *testing.F) {
	addStoreSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, newest bool) {
		dir := t.TempDir()
		s := open(t, dir)
		save(t, s, rec1)
		save(t, s, rec2)
		victim := withSeq(rec1, 1)
		if newest {
			victim = withSeq(rec2, 2)
		}
		var path string
		for _, name := range slotNames {
			b, _ := os.ReadFile(filepath.Join(dir, name))
			var r safety.TripRecord
			if r.UnmarshalBinary(b) == nil && r.Seq == victim.Seq {
				path = filepath.Join(dir, name)
			}
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, ok, err := open(t, dir).Load()
		if err != nil || !ok {
			t.Fatalf("one slot intact, yet ok %v, err %v", ok, err)
		}
		if same(got, withSeq(rec1, 1)) || same(got, withSeq(rec2, 2)) {
			return
		}
		// Only a genuine record (the bytes are its exact encoding) may be
		// returned besides the saved ones.
		var r safety.TripRecord
		if r.UnmarshalBinary(data) != nil || !same(r, got) {
			t.Fatalf("Load returned %+v, which nobody saved (slot holds %x)", got, data)
		}
	})
}
