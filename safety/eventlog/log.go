package eventlog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Options bound the log on the card. The zero Options are the defaults.
type Options struct {
	// SegmentBytes bounds a segment: a record that would take it past this
	// goes into a new segment. Default 1 MiB. A segment always takes one
	// record, however small SegmentBytes is.
	SegmentBytes int64
	// Segments is how many segments are kept, the one being written
	// included; at rotation the oldest beyond it are deleted. Default 8, at
	// least 2 (the segment before an empty newest one gives the next seq).
	Segments int
	// Sync makes a file durable: a segment, or the directory after a
	// segment is created or deleted. Default (*os.File).Sync. Tests count
	// syncs or make them fail.
	Sync func(*os.File) error
}

// Defaults of Options.
const (
	DefaultSegmentBytes = 1 << 20
	DefaultSegments     = 8
)

func (o Options) withDefaults() (Options, error) {
	if o.SegmentBytes == 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.Segments == 0 {
		o.Segments = DefaultSegments
	}
	if o.Sync == nil {
		o.Sync = (*os.File).Sync
	}
	if o.SegmentBytes < 0 || o.Segments < 2 {
		return o, fmt.Errorf("eventlog: options: SegmentBytes %d, Segments %d: want SegmentBytes > 0 and Segments >= 2",
			o.SegmentBytes, o.Segments)
	}
	return o, nil
}

// Stats are the log's counters since Open.
type Stats struct {
	Seq          uint64 // the last seq on disk (assigned, or found by Open); 0 for an empty log
	Records      uint64 // records appended
	Bytes        int64  // bytes appended, frames whole
	Syncs        uint64 // fsyncs of a segment
	DirSyncs     uint64 // fsyncs of the directory
	TornBytes    int64  // cut by Open from the newest segment, after its last valid record
	GarbledBytes int64  // passed over by Open inside the newest segment, before a valid record (kept on disk)
	Rotations    uint64 // segments started because the last one was full
	Removed      uint64 // segments deleted, oldest first
}

// ErrClosed is returned by the methods of a closed Log.
var ErrClosed = errors.New("eventlog: log is closed")

// Log appends to the event log in one directory. It is not safe for
// concurrent use: one goroutine owns it. One process at a time may write a
// directory; nothing enforces it.
type Log struct {
	dir   string
	o     Options
	f     *os.File // the segment being written; nil once closed
	seg   uint64   // its number
	size  int64    // its length: the next record goes there
	segs  []uint64 // the segments on disk, oldest first, seg last
	dirty bool     // bytes written since the last fsync of f
	buf   []byte
	st    Stats
	chunk int // tests: write each record in writes of this many bytes (0: one write)
}

// Open opens the log in dir, creating the directory and the first segment
// if need be. It scans the newest segment, cuts it after its last valid
// record (fsynced) and appends after it; a garbled record before a valid one
// is passed over and kept. It deletes the oldest segments beyond
// o.Segments.
func Open(dir string, o Options) (*Log, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := makeDir(dir, o.Sync); err != nil {
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	segs, err := segments(dir)
	if err != nil {
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	l := &Log{dir: dir, o: o, segs: segs, buf: make([]byte, 0, maxFrame)}
	if len(segs) == 0 {
		err = l.start(1)
	} else {
		err = l.resume()
	}
	if err == nil {
		err = l.prune()
	}
	if err != nil {
		if l.f != nil {
			l.f.Close()
		}
		return nil, fmt.Errorf("eventlog: open %s: %w", dir, err)
	}
	return l, nil
}

// makeDir creates dir if it does not exist, durably.
func makeDir(dir string, sync func(*os.File) error) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dir), sync)
}

// start creates segment n, empty, durably, and makes it the one written.
func (l *Log) start(n uint64) error {
	f, err := os.OpenFile(segPath(l.dir, n), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if err := l.syncDir(); err != nil {
		f.Close()
		return err
	}
	l.f, l.seg, l.size, l.dirty = f, n, 0, false
	l.segs = append(l.segs, n)
	return nil
}

func (l *Log) syncDir() error {
	l.st.DirSyncs++
	return syncDir(l.dir, l.o.Sync)
}
