package eventlog

import (
	"bufio"
	"bytes"
	"io"
)

// scanner reads the valid records of one segment in order. Where a frame is
// not valid (torn, garbled, or a seq not above the last one) it moves one
// byte on and looks for the next magic, so a garbled record in the middle of
// a segment costs that record only. Memory is bounded by its buffer, never
// by the segment.
type scanner struct {
	r       *bufio.Reader
	off     int64  // offset of r's next byte
	end     int64  // offset just past the last valid record; 0 if none
	last    uint64 // seq of the last valid record, or the floor given
	records int
	garbled int64 // bytes passed over before a valid record
}

// newScanner scans r from its start, accepting only seqs above last.
func newScanner(r io.Reader, last uint64) *scanner {
	return &scanner{r: bufio.NewReaderSize(r, 64<<10), last: last}
}

// next returns the next valid record, or ok false at the end of the
// segment. err is an I/O error only: what is not a record is passed over.
func (s *scanner) next() (e Event, ok bool, err error) {
	for {
		start := s.off
		n, err := s.frameHere()
		if err != nil {
			return Event{}, false, err
		}
		if n > 0 {
			f, _ := s.r.Peek(n)
			e, derr := decodeFrame(f)
			if derr == nil && e.Seq > s.last {
				s.discard(n)
				s.garbled += start - s.end
				s.end, s.last = s.off, e.Seq
				s.records++
				return e, true, nil
			}
		}
		if more, err := s.skip(); !more || err != nil {
			return Event{}, false, err
		}
	}
}

// frameHere returns the length of the frame that starts at the reader's
// position if its header is sound and all its bytes are there, else 0.
func (s *scanner) frameHere() (int, error) {
	h, err := s.r.Peek(headerSize)
	if len(h) < headerSize {
		return 0, eofOK(err)
	}
	n, ferr := frameLen(h)
	if ferr != nil {
		return 0, nil
	}
	if f, err := s.r.Peek(n); len(f) < n {
		return 0, eofOK(err)
	}
	return n, nil
}

// skip moves past the current byte to the next one that may start a magic.
// more is false at the end of the segment.
func (s *scanner) skip() (more bool, err error) {
	if _, err := s.r.Peek(1); err != nil {
		return false, eofOK(err)
	}
	s.discard(1)
	for {
		n := max(s.r.Buffered(), 1)
		buf, err := s.r.Peek(n)
		if len(buf) == 0 {
			return false, eofOK(err)
		}
		if i := bytes.IndexByte(buf, frameMagic[0]); i >= 0 {
			s.discard(i)
			return true, nil
		}
		s.discard(len(buf))
	}
}

func (s *scanner) discard(n int) {
	d, _ := s.r.Discard(n)
	s.off += int64(d)
}

// tail returns the bytes after the last valid record, once next has
// returned ok false: a torn record, or one still being written.
func (s *scanner) tail() int64 { return s.off - s.end }

// eofOK maps the end of the segment to nil.
func eofOK(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// drain reads the rest of the segment, for its counters.
func (s *scanner) drain() error {
	for {
		_, ok, err := s.next()
		if err != nil || !ok {
			return err
		}
	}
}
