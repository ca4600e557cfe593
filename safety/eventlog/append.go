package eventlog

import (
	"fmt"
	"time"
)

// Append writes e as the next record and returns its seq. It stamps Wall
// with time.Now() if it is zero, cuts the text to its bounds, and starts a
// new segment first if e would take the current one past SegmentBytes. If
// e.Kind.Safety(), Append returns only once the record is fsynced, with
// every record before it; any other record is written to the file (a crash
// of the process does not lose it) but reaches the card only at the next
// safety record, Sync or Close. To make a record of another kind durable at
// once, call Sync after it.
//
// On an error with seq 0 nothing was written. On an error with seq not 0
// the record was written but its fsync failed: it may not survive a power
// cut. The log stays usable after either.
func (l *Log) Append(e Event) (seq uint64, err error) {
	if l.f == nil {
		return 0, ErrClosed
	}
	if !e.Kind.Valid() {
		return 0, fmt.Errorf("eventlog: append: %v is not a kind", e.Kind)
	}
	if e.Wall.IsZero() {
		e.Wall = time.Now()
	} else if time.Unix(0, e.Wall.UnixNano()).Compare(e.Wall) != 0 {
		return 0, fmt.Errorf("eventlog: append: wall time %v out of range", e.Wall)
	}
	e.Seq = l.st.Seq + 1
	l.buf = appendFrame(l.buf[:0], &e)
	if l.size > 0 && l.size+int64(len(l.buf)) > l.o.SegmentBytes {
		if err := l.rotate(); err != nil {
			return 0, fmt.Errorf("eventlog: rotating: %w", err)
		}
	}
	if err := l.write(l.buf); err != nil {
		return 0, fmt.Errorf("eventlog: append to %s: %w", segName(l.seg), err)
	}
	l.st.Seq = e.Seq
	if e.Kind.Safety() {
		if err := l.Sync(); err != nil {
			return e.Seq, err
		}
	}
	return e.Seq, nil
}

// write puts b at the end of the segment. A short write is cut off again,
// so that the next record follows the last whole one.
func (l *Log) write(b []byte) error {
	n, err := l.writeAt(b)
	if err != nil {
		if n > 0 {
			l.f.Truncate(l.size) // best effort: a reader passes over a torn record anyway
		}
		return err
	}
	l.size += int64(n)
	l.dirty = true
	l.st.Records++
	l.st.Bytes += int64(n)
	return nil
}

// Sync makes every record appended so far durable. It does nothing if
// nothing was written since the last fsync.
func (l *Log) Sync() error {
	if l.f == nil {
		return ErrClosed
	}
	if !l.dirty {
		return nil
	}
	l.st.Syncs++
	if err := l.o.Sync(l.f); err != nil {
		return fmt.Errorf("eventlog: fsync %s: %w", segName(l.seg), err)
	}
	l.dirty = false
	return nil
}

// Close syncs and closes the log. The Log is unusable after, even if Close
// fails.
func (l *Log) Close() error {
	if l.f == nil {
		return ErrClosed
	}
	err := l.Sync()
	if cerr := l.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("eventlog: %w", cerr)
	}
	l.f = nil
	return err
}

// Stats returns the counters since Open.
func (l *Log) Stats() Stats { return l.st }

// writeAt writes b at the segment's end: in one write, or, when a test set
// chunk, in writes of chunk bytes, so that a SIGKILL can land inside a
// record as a power cut can on the card.
func (l *Log) writeAt(b []byte) (int, error) {
	if l.chunk <= 0 {
		return l.f.WriteAt(b, l.size)
	}
	n := 0
	for n < len(b) {
		m, err := l.f.WriteAt(b[n:min(n+l.chunk, len(b))], l.size+int64(n))
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
