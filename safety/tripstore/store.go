// Package tripstore persists the safety layer's latest trip record, so that
// a latched trip survives a power cut: a controller that reboots into a plant
// it tripped keeps compute cut until an engineer resets it.
//
// It is an edge package: it does the file I/O that package safety must never
// do, and nothing else. It holds no safety logic: what a record means is
// safety's business.
//
// The store is a directory with two slots. Each Save writes the slot that
// does not hold the newest valid record (temp file, fsync, rename over the
// slot, fsync the directory), and Load returns the valid record with the
// highest sequence number. A torn, truncated or garbled newest slot therefore
// leaves the previous record readable, and a crash before the rename leaves
// both slots untouched. One process uses a store at a time.
package tripstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"hearth/safety"
)

// slotNames are the two slot files, in the order Load prefers on a tie.
var slotNames = [2]string{"trip-a.rec", "trip-b.rec"}

const tmpSuffix = ".tmp"

// ErrCorrupt is returned by Load when a slot exists but no slot holds a
// valid record. The caller must fail safe: start latched, with the cause
// unknown, and let an engineer look.
var ErrCorrupt = errors.New("tripstore: no valid trip record, but the store is not empty")

// Store is a trip store in one directory. Its methods may be called from
// several goroutines; the edge usually calls them from one.
type Store struct {
	dir string

	mu   sync.Mutex
	seq  uint64 // sequence number of the newest valid record; 0 if none
	next int    // the slot the next Save writes: never the newest valid one

	// beforeRename, if set, runs after the temp file is synced and before the
	// rename; an error aborts Save there. Tests use it to cut the power.
	beforeRename func(tmp string) error
}

// Open opens the store in dir, creating the directory if needed, and removes
// temp files a crash mid-Save left behind. It does not fail on corrupt slots:
// Load reports those, and Save can still write.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tripstore: %w", err)
	}
	s := &Store{dir: dir}
	for _, name := range slotNames {
		if err := os.Remove(s.path(name) + tmpSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("tripstore: removing a stale temp file: %w", err)
		}
	}
	sc, err := s.scan()
	if err != nil {
		return nil, err
	}
	s.seq = sc.rec.Seq
	if sc.found {
		s.next = 1 - sc.slot
	}
	return s, nil
}

func (s *Store) path(name string) string { return filepath.Join(s.dir, name) }

// Load returns the newest valid record. ok is false when the store holds
// none: a fresh store (err nil), every slot corrupt (ErrCorrupt), or a slot
// that cannot be read (another error). A corrupt slot beside a valid one is
// the expected trace of a torn write and is not an error.
func (s *Store) Load() (rec safety.TripRecord, ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, err := s.scan()
	if err != nil {
		return safety.TripRecord{}, false, err
	}
	if !sc.found && sc.present {
		return safety.TripRecord{}, false, ErrCorrupt
	}
	return sc.rec, sc.found, nil
}

type scanResult struct {
	rec     safety.TripRecord
	slot    int  // where rec is
	found   bool // a valid record exists
	present bool // a slot file exists
}

// scan reads both slots and picks the valid record with the highest Seq.
func (s *Store) scan() (scanResult, error) {
	var sc scanResult
	for i, name := range slotNames {
		b, err := readSlot(s.path(name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return scanResult{}, fmt.Errorf("tripstore: reading %s: %w", name, err)
		}
		sc.present = true
		var r safety.TripRecord
		if r.UnmarshalBinary(b) != nil {
			continue
		}
		if !sc.found || r.Seq > sc.rec.Seq {
			sc.rec, sc.slot, sc.found = r, i, true
		}
	}
	return sc, nil
}

// readSlot reads at most one byte more than a record, so that a huge file
// costs nothing and still fails the size check.
func readSlot(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, safety.TripRecordSize+1))
}

// Save persists rec as the newest record. The store numbers records: rec.Seq
// is ignored and replaced by one more than the newest. Save returns only once
// the record is durable (file and directory fsynced); after an error the
// previous record is still the one Load returns, or the new one if the rename
// reached the disk. Save takes tens of milliseconds on an SD card: the edge
// calls it after writing the tick's outputs, never before.
func (s *Store) Save(rec safety.TripRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Seq = s.seq + 1
	b, err := rec.MarshalBinary()
	if err != nil {
		return fmt.Errorf("tripstore: %w", err)
	}
	if err := s.writeSlot(slotNames[s.next], b); err != nil {
		return err
	}
	s.seq, s.next = rec.Seq, 1-s.next
	return nil
}

// writeSlot replaces one slot atomically and durably.
func (s *Store) writeSlot(name string, b []byte) error {
	path := s.path(name)
	tmp := path + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("tripstore: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("tripstore: writing %s: %w", tmp, err)
	}
	if s.beforeRename != nil {
		if err := s.beforeRename(tmp); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("tripstore: %w", err)
	}
	return syncDir(s.dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("tripstore: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("tripstore: syncing %s: %w", dir, err)
	}
	return nil
}
