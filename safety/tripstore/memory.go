package tripstore

import (
	"fmt"

	"hearth/safety"
)

// Memory is a trip store held in memory, for the HIL bench: it keeps the
// very bytes Store writes to a slot, so that a simulated power cut restores
// what the Pi would read back. It is not safe for concurrent use.
type Memory struct {
	b   []byte
	seq uint64
	// Corrupt, if set, makes the next Load find a garbled record (a test of
	// the boot rule: a corrupt store starts latched).
	Corrupt bool
}

// Load returns the record last saved, as Store.Load does.
func (m *Memory) Load() (rec safety.TripRecord, ok bool, err error) {
	if m.Corrupt {
		return safety.TripRecord{}, false, ErrCorrupt
	}
	if m.b == nil {
		return safety.TripRecord{}, false, nil
	}
	if err := rec.UnmarshalBinary(m.b); err != nil {
		return safety.TripRecord{}, false, ErrCorrupt
	}
	return rec, true, nil
}

// Save keeps rec, numbered one past the last, in its binary encoding.
func (m *Memory) Save(rec safety.TripRecord) error {
	rec.Seq = m.seq + 1
	b, err := rec.AppendBinary(m.b[:0])
	if err != nil {
		return fmt.Errorf("tripstore: %w", err)
	}
	m.b, m.seq = b, rec.Seq
	return nil
}
