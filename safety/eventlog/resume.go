package eventlog

import (
	"fmt"
	"os"
)

// resume opens the newest segment for writing, cuts its torn tail and finds
// the last seq, in an older segment if the newest holds no record.
func (l *Log) resume() error {
	n := l.segs[len(l.segs)-1]
	f, err := os.OpenFile(segPath(l.dir, n), os.O_RDWR, 0)
	if err != nil {
		return err
	}
	l.f, l.seg = f, n
	sc := newScanner(f, 0)
	if err := sc.drain(); err != nil {
		return fmt.Errorf("%s: %w", segName(n), err)
	}
	l.size, l.st.Seq, l.st.GarbledBytes = sc.end, sc.last, sc.garbled
	if tail := sc.tail(); tail > 0 {
		if err := l.cut(tail); err != nil {
			return fmt.Errorf("%s: cutting %d torn bytes: %w", segName(n), tail, err)
		}
	}
	if sc.records == 0 {
		return l.seqFromOlder()
	}
	return nil
}

// cut truncates the segment after its last valid record, durably.
func (l *Log) cut(tail int64) error {
	if err := l.f.Truncate(l.size); err != nil {
		return err
	}
	l.st.TornBytes = tail
	l.st.Syncs++
	return l.o.Sync(l.f)
}

// seqFromOlder takes the last seq from the newest older segment that holds a
// record, so that seqs go on increasing after a crash just after a rotation.
func (l *Log) seqFromOlder() error {
	for i := len(l.segs) - 2; i >= 0; i-- {
		f, err := os.Open(segPath(l.dir, l.segs[i]))
		if err != nil {
			return err
		}
		sc := newScanner(f, 0)
		err = sc.drain()
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", segName(l.segs[i]), err)
		}
		if sc.records > 0 {
			l.st.Seq = sc.last
			return nil
		}
	}
	return nil
}
