package gpioin

import (
	"errors"
	"time"

	"hearth/units"

	"periph.io/x/conn/v3/gpio"
)

// Edge is one edge of an input line.
type Edge struct {
	At     units.Time // when the edge was seen (the controller's clock)
	Rising bool       // low to high
	// Seq numbers the source's edges: one more than the previous edge's,
	// unless the source lost edges in between (a gap is edges lost).
	Seq uint32
}

// Edges is a source of edges. Next waits at most timeout (which must be
// positive) for the next edge; ok is false when none came. An error means
// the source failed: nothing was measured.
type Edges interface {
	Next(timeout time.Duration) (e Edge, ok bool, err error)
}

// ErrTimeout is returned by Next when it was given a timeout that is not
// positive: periph's drivers disagree on what 0 and -1 mean (wait forever,
// or not at all), so none is passed on.
var ErrTimeout = errors.New("gpioin: the edge timeout must be positive")

// PinEdges is the edge source of a periph gpio.PinIn.
//
// WaitForEdge says neither when nor which way the line moved. The edge is
// stamped with now() on waking, so a goroutine that wakes late stamps late,
// and edges queued meanwhile come out bunched (the decoders see intervals
// shorter than physically possible and say so). In BothEdges mode the
// direction is the level read after waking, which a fast line may already
// have left: two rising edges in a row are then counted as a missed edge.
type PinEdges struct {
	p     gpio.PinIn
	edge  gpio.Edge
	now   func() units.Time
	seq   uint32
	clock func() time.Time // the monotonic clock that tells an early return
}

// NewPinEdges configures p as an input with pull and edge detection
// (RisingEdge, FallingEdge or BothEdges) and returns its edge source.
func NewPinEdges(p gpio.PinIn, pull gpio.Pull, edge gpio.Edge, now func() units.Time) (*PinEdges, error) {
	if edge == gpio.NoEdge {
		return nil, errors.New("gpioin: an edge source needs edge detection")
	}
	if err := p.In(pull, edge); err != nil {
		return nil, err
	}
	return &PinEdges{p: p, edge: edge, now: now, clock: time.Now}, nil
}

// Next implements Edges.
//
// periph's WaitForEdge returns false both on a timeout and on a failure
// (gpioioctl logs the failure); a false that comes back before half the
// timeout has passed is taken as a failure.
func (s *PinEdges) Next(timeout time.Duration) (Edge, bool, error) {
	if timeout <= 0 {
		return Edge{}, false, ErrTimeout
	}
	start := s.clock()
	if !s.p.WaitForEdge(timeout) {
		if s.clock().Sub(start) < timeout/2 {
			return Edge{}, false, errors.New("gpioin: " + s.p.Name() + ": WaitForEdge failed at once")
		}
		return Edge{}, false, nil
	}
	at := s.now()
	s.seq++
	rising := s.edge == gpio.RisingEdge
	if s.edge == gpio.BothEdges {
		rising = s.p.Read() == gpio.High
	}
	return Edge{At: at, Rising: rising, Seq: s.seq}, true, nil
}

// Stats counts what a decoder could not trust in its edges.
type Stats struct {
	Edges  uint64 // edges received
	Missed uint64 // edges lost: sequence gaps, and two edges the same way in a row
	Short  uint64 // intervals shorter than physically possible: noise, bounce, or bunched stamps
	Errors uint64 // failures of the source
}

// tracker checks a stream of edges for the ones lost.
type tracker struct {
	both    bool // the source gives both edges
	started bool
	last    Edge
	stats   Stats
}

// see records e and returns how many edges were lost before it.
func (t *tracker) see(e Edge) uint64 {
	t.stats.Edges++
	var lost uint64
	if t.started {
		if gap := e.Seq - t.last.Seq; gap > 1 {
			lost = uint64(gap - 1)
		} else if t.both && gap == 1 && e.Rising == t.last.Rising {
			lost = 1 // two edges the same way: the one between was lost
		}
	}
	t.started = true
	t.last = e
	t.stats.Missed += lost
	return lost
}
