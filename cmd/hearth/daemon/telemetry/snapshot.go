// Package telemetry publishes the hub's state off the control loop: as
// retained JSON and Home Assistant device discovery over MQTT (mqtt.go,
// discovery.go), and as Prometheus metrics on /metrics (metrics.go).
//
// The tick never waits for it. At most once a second the tick copies its
// inputs, outputs and safety status into a Slot, trying the slot's lock
// and skipping (counted) if it is held; one goroutine takes the copy,
// turns it into a State (this file) and hands it on through an atomic
// pointer and a one-slot channel with a non-blocking send (dropped
// messages counted). Nothing read from MQTT reaches the tick: the daemon
// subscribes to no command topic (docs/telemetry.md says why).
package telemetry

import (
	"sync"
	"sync/atomic"
	"time"

	"hearth/hal"
	"hearth/safety"
)

// Every is how often the tick copies a snapshot, and the state is
// published.
const Every = time.Second

// Raw is what the tick copies for telemetry.
type Raw struct {
	Ticks uint64
	In    hal.Inputs
	Out   hal.Outputs
	St    safety.Status
}

// Slot is where the tick leaves a Raw at most once per Every. The tick
// only tries its lock: a reader holding it costs the tick nothing but a
// snapshot one tick later (Skipped counts those).
type Slot struct {
	mu   sync.Mutex
	raw  Raw
	seq  atomic.Uint64 // copies made; written under mu
	last int64         // the tick's own: when (monotonic ns) it last copied
	// Skipped counts the ticks that found the slot held by a reader.
	Skipped atomic.Uint64
}

// Offer is called by the tick on every tick, with its monotonic clock: it
// copies at most once per Every, allocates nothing and never waits.
func (s *Slot) Offer(mono int64, ticks uint64, in *hal.Inputs, out *hal.Outputs, st *safety.Status) {
	if s == nil || (s.last != 0 && mono-s.last < int64(Every)) {
		return
	}
	if !s.mu.TryLock() {
		s.Skipped.Add(1)
		return // tried again on the next tick
	}
	s.raw.Ticks = ticks
	s.raw.In = *in
	s.raw.Out = *out
	s.raw.St = *st
	s.seq.Add(1)
	s.mu.Unlock()
	s.last = mono
}

// Take copies the latest snapshot into dst when it is newer than seen, and
// returns its sequence number.
func (s *Slot) Take(dst *Raw, seen uint64) (uint64, bool) {
	if s.seq.Load() == seen {
		return seen, false
	}
	s.mu.Lock()
	*dst = s.raw
	n := s.seq.Load()
	s.mu.Unlock()
	return n, true
}
