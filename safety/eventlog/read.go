package eventlog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// ReadStats say what a read found besides the records.
type ReadStats struct {
	Segments int    // segments read
	Records  uint64 // valid records, since or not
	// GarbledBytes were passed over before a valid record: garbled records
	// (or bytes that never were records) inside a segment.
	GarbledBytes int64
	// TornBytes follow the last valid record of a segment: in the newest, a
	// record being written or a torn one the next Open cuts; in an older
	// one, a garbled record at its end.
	TornBytes int64
	// Missing counts the seqs absent between the first record read and the
	// last: records lost to garbling, or to a rotation during the read.
	Missing uint64
}

// ReadDir calls fn with each valid record in dir, oldest first, whose Wall
// is not before since (a zero since passes every record), until fn returns
// an error, which ReadDir returns. It only reads: it may run while a writer
// has the log open, and sees the records written before it reaches them. A
// segment deleted meanwhile by a rotation is passed over.
//
// A record that is not whole and valid is passed over, not returned: the
// reader looks for the next magic and goes on from there, so a garbled
// record in the middle of a segment costs that record only. A record whose
// seq is not above the one before is not valid either. Seqs are in order,
// but Wall may go backwards (a clock set by NTP after a boot): since is
// applied to each record, not used to stop.
func ReadDir(dir string, since time.Time, fn func(Event) error) error {
	_, err := ReadDirStats(dir, since, fn)
	return err
}

// ReadDirStats is ReadDir, and says what it passed over.
func ReadDirStats(dir string, since time.Time, fn func(Event) error) (ReadStats, error) {
	segs, err := segments(dir)
	if err != nil {
		return ReadStats{}, fmt.Errorf("eventlog: %w", err)
	}
	r := reader{since: since, fn: fn}
	for _, n := range segs {
		if err := r.segment(segPath(dir, n)); err != nil {
			return r.st, err
		}
	}
	return r.st, nil
}

type reader struct {
	since time.Time
	fn    func(Event) error
	last  uint64 // seq of the last record read
	st    ReadStats
}

func (r *reader) segment(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("eventlog: %w", err)
	}
	defer f.Close()
	r.st.Segments++
	sc := newScanner(f, r.last)
	for {
		e, ok, err := sc.next()
		if err != nil {
			return fmt.Errorf("eventlog: %s: %w", path, err)
		}
		if !ok {
			break
		}
		if r.st.Records > 0 {
			r.st.Missing += e.Seq - r.last - 1
		}
		r.last = e.Seq
		r.st.Records++
		if r.since.IsZero() || !e.Wall.Before(r.since) {
			if err := r.fn(e); err != nil {
				return err
			}
		}
	}
	r.st.GarbledBytes += sc.garbled
	r.st.TornBytes += sc.tail()
	return nil
}
