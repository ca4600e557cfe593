package gpioin

import (
	"context"
	"sync"
	"time"

	"hearth/hal"
	"hearth/units"
)

// Bounded waits of the Run goroutines.
const (
	countPoll    = 100 * time.Millisecond // longest wait for an edge, so Run sees its context end
	errorBackoff = 100 * time.Millisecond // pause after a failed wait, so a dead source is not spun on
	ringSize     = 128                    // rising edges kept (their span, not their count, sets the resolution)
)

// counter turns the rising edges of a pulse output into a frequency: the
// flow meters' and the fan tachometer's.
type counter struct {
	src       Edges
	now       func() units.Time
	timeout   units.Duration // no edge for this long: the frequency is 0
	minPeriod units.Duration // a shorter interval is not physical
	window    units.Duration // the rising edges counted
	poll      time.Duration
	backoff   time.Duration

	mu       sync.Mutex
	start    units.Time // construction: before timeout has passed, no edge means nothing known
	ring     [ringSize]units.Time
	n        int // rising edges in ring
	head     int // next slot
	shortAt  units.Time
	anyShort bool
	errAt    units.Time
	failed   bool // the latest event of the source was a failure
	tr       tracker
}

func newCounter(src Edges, now func() units.Time, timeout, minPeriod units.Duration) *counter {
	return &counter{src: src, now: now, timeout: timeout, minPeriod: minPeriod,
		window: units.Second, poll: countPoll, backoff: errorBackoff, start: now()}
}

// run counts edges until ctx ends. Every wait is bounded by poll or backoff.
func (c *counter) run(ctx context.Context) {
	for ctx.Err() == nil {
		e, ok, err := c.src.Next(c.poll)
		switch {
		case err != nil:
			c.fail()
			sleep(ctx, c.backoff)
		case ok:
			c.record(e)
		case ctx.Err() == nil:
			c.answered() // a whole wait with no edge: the source works again
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (c *counter) answered() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed = false
}

func (c *counter) fail() {
	at := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed, c.errAt = true, at
	c.tr.stats.Errors++
}

func (c *counter) record(e Edge) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed = false
	if !e.Rising {
		c.tr.both = true // the source gives both edges: a repeat is a lost one
	}
	c.tr.see(e)
	if !e.Rising {
		return
	}
	if c.n > 0 {
		if last := c.ring[(c.head+ringSize-1)%ringSize]; e.At.Sub(last) < c.minPeriod {
			c.tr.stats.Short++
			c.shortAt, c.anyShort = e.At, true
		}
	}
	c.ring[c.head] = e.At
	c.head = (c.head + 1) % ringSize
	c.n = min(c.n+1, ringSize)
}

// back returns the i-th latest rising edge (0: the latest).
func (c *counter) back(i int) units.Time { return c.ring[(c.head+2*ringSize-1-i)%ringSize] }

// rate returns the pulse frequency at now in Hz and the sample's status:
//   - StatusBus when the source's latest answer was a failure (a later
//     edge, or a whole wait with none, clears it);
//   - StatusMissing when no edge came and timeout has not yet passed;
//   - 0 Hz, StatusOK when no edge came within timeout (a stopped meter);
//   - StatusRange when an interval within the window was shorter than
//     physically possible (extra edges over-read: the dangerous way).
//
// Otherwise the frequency is the count of the window's rising edges over
// their span, exact at any rate (with fewer than two in the window, the
// last interval); and never more than 1/(time since the last edge), so a
// meter that slows or stops reads less at once, never more.
func (c *counter) rate(now units.Time) (float64, hal.Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failed {
		return 0, hal.StatusBus
	}
	if c.n == 0 || now.Sub(c.back(0)) > c.timeout {
		if c.n == 0 && now.Sub(c.start) < c.timeout {
			return 0, hal.StatusMissing
		}
		return 0, hal.StatusOK
	}
	status := hal.StatusOK
	if c.anyShort && now.Sub(c.shortAt) <= c.window {
		status = hal.StatusRange
	}
	k := 1
	for k < c.n && now.Sub(c.back(k)) <= c.window {
		k++
	}
	var edges int
	switch {
	case k >= 2:
		edges = k
	case c.n >= 2:
		edges = 2
	default:
		return 0, status // one edge tells no period
	}
	span := c.back(0).Sub(c.back(edges - 1))
	if span <= 0 {
		return 0, hal.StatusRange // stamps that do not advance: no rate
	}
	hz := float64(edges-1) / span.Seconds()
	if since := now.Sub(c.back(0)); since > 0 {
		hz = min(hz, 1/since.Seconds()) // the next edge is late: slower than that
	}
	return hz, status
}

func (c *counter) stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tr.stats
}
