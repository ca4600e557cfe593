package eventlog

import (
	"errors"
	"io/fs"
	"os"
)

// rotate starts the next segment. The full one is fsynced first, so that a
// power cut never keeps a newer segment's records and loses an older one's:
// Open repairs the newest segment only. On an error before the new segment
// exists the log goes on writing the full one.
func (l *Log) rotate() error {
	if err := l.Sync(); err != nil {
		return err
	}
	old := l.f
	if err := l.start(l.seg + 1); err != nil {
		return err
	}
	old.Close()
	l.st.Rotations++
	return l.prune()
}

// prune deletes the oldest segments beyond Options.Segments, and syncs the
// directory if it deleted any. One already gone counts as deleted; one that
// cannot be deleted stops the pruning until the next rotation.
func (l *Log) prune() error {
	var err error
	removed := 0
	for len(l.segs)-removed > l.o.Segments {
		err = os.Remove(segPath(l.dir, l.segs[removed]))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			break
		}
		err = nil
		removed++
	}
	if removed == 0 {
		return err
	}
	l.segs = l.segs[removed:]
	l.st.Removed += uint64(removed)
	if serr := l.syncDir(); err == nil {
		err = serr
	}
	return err
}
