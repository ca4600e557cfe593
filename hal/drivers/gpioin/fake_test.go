package gpioin

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"hearth/units"
)

// clock is a fake controller clock: it says what the test sets.
type clock struct {
	mu sync.Mutex
	t  units.Time
}

func (c *clock) now() units.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t units.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// step is one answer of a scripted source: an edge, nothing, or a failure.
type step struct {
	e   Edge
	ok  bool
	err error
}

var errSource = errors.New("fake source failed")

// script is an Edges that gives its steps in order, then ends the test's
// Run by cancelling its context.
type script struct {
	mu     sync.Mutex
	steps  []step
	cancel context.CancelFunc
	seq    uint32
}

func (s *script) Next(timeout time.Duration) (Edge, bool, error) {
	if timeout <= 0 {
		return Edge{}, false, ErrTimeout
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.steps) == 0 {
		s.cancel()
		return Edge{}, false, nil
	}
	st := s.steps[0]
	s.steps = s.steps[1:]
	return st.e, st.ok, st.err
}

// edge appends an edge at t with the next sequence number.
func (s *script) edge(t units.Time, rising bool) {
	s.seq++
	s.steps = append(s.steps, step{e: Edge{At: t, Rising: rising, Seq: s.seq}, ok: true})
}

// pulses appends n rising edges at f Hz from t0 (and the falling edges at
// duty, when duty > 0) and returns the time of the last rising edge.
func (s *script) pulses(t0 units.Time, f float64, n int, duty float64) units.Time {
	var last units.Time
	for i := range n {
		last = t0.Add(units.DurationOf(float64(i) / f))
		s.edge(last, true)
		if duty > 0 {
			s.edge(last.Add(units.DurationOf(duty/f)), false)
		}
	}
	return last
}

func (s *script) fail() { s.steps = append(s.steps, step{err: errSource}) }

// runAll runs run over the script until the script is exhausted. The
// bound is for a broken Run only; nothing is timed against it.
func runAll(t *testing.T, s *script, run func(context.Context)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	done := make(chan struct{})
	go func() { run(ctx); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("Run did not end with its context")
	}
}
