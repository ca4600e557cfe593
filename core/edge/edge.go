// Package edge is the loop both of the core's callers share, the HIL bench
// and the daemon on the Pi: read every device, stamp the inputs, step the
// core, write the outputs, persist a trip, kick the watchdog.
//
// One tick, in order:
//
//  1. read: every device's latest sample into the inputs (the daemon's
//     devices are samplers, so a read never waits on a bus);
//  2. stamp: the fields the edge owns (time, week time, demand, a reset
//     request, the watchdog) by the caller's Stamper;
//  3. step: the pure core, which returns a core.Ready;
//  4. write the modules: a cut opens its relay now, before anything else,
//     so that neither a slow disk nor a hung pump write can delay it;
//  5. persist: the trip record, when Ready asks, durable before the other
//     outputs are written;
//  6. write the rest: pumps, valves, fan, heater, alarm;
//  7. kick: the watchdog, only while the caller says the tick is on time
//     and the safety layer is healthy.
//
// Why the modules come before the record. A trip record protects a latch
// from being forgotten. Writing the cut first never loses that protection:
// a crash between the cut and the save reboots unlatched exactly as a crash
// just before the tick would have, and the witnesses that tripped see the
// plant again. Saving first would make every trip wait tens of milliseconds
// on the SD card with compute still on. A module raised on the tick of a
// reset is raised before its record is durable; a crash then reboots
// latched, which is the safe side.
//
// The loop holds no policy of its own: what to persist is the core's
// decision (core.Ready), when to kick is the caller's, and the bench keeps
// its faults, plant and scoring outside.
package edge

import (
	"hearth/core"
	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

// Store is where the latched trip survives a power cut:
// safety/tripstore.Store on the Pi, tripstore.Memory on the bench.
type Store interface {
	Load() (rec safety.TripRecord, found bool, err error)
	Save(rec safety.TripRecord) error
}

// Stamper fills in the inputs the edge owns, after the devices are read.
type Stamper interface {
	Stamp(in *hal.Inputs)
}

// Kicker feeds the watchdog.
type Kicker interface {
	Kick() error
}

// Stats counts what the loop did and what failed.
type Stats struct {
	Ticks         uint64
	Persists      uint64 // records saved
	PersistErrors uint64 // saves that failed (asked again next tick)
	WriteErrors   uint64 // ticks on which a device write failed
	Kicks         uint64
	KickErrors    uint64
	Unhealthy     uint64 // ticks the watchdog was not kicked: late, or safety not healthy
}

// Loop is one controller's edge. Its fields are set before Boot; the loop
// is used from one goroutine.
type Loop struct {
	Core  *core.Core
	Dev   *hal.Devices
	Store Store
	Dog   Kicker // nil: none (the bench models its watchdog itself)
	// Wall returns the wall clock in Unix nanoseconds for trip records (for
	// people); nil stamps 0.
	Wall func() int64

	in      hal.Inputs
	asserts int  // the safety layer's assertion failures at the last tick
	sick    bool // an assertion failed once: the layer is not trusted to feed the watchdog again
	stats   Stats
	// LastWriteErr and LastPersistErr are the last errors, for the caller's log.
	LastWriteErr, LastPersistErr, LastKickErr error
}

// Boot loads the trip store and applies the core's boot rules. It returns
// whether the core starts latched and the store's error, if any (the core
// then starts latched, fail safe).
func (l *Loop) Boot(now units.Time) (latched bool, err error) {
	rec, found, err := l.Store.Load()
	latched = l.Core.Restore(rec, found, err, now)
	l.asserts = l.Core.Status().AssertFailures
	return latched, err
}

// Inputs returns the inputs of the last tick.
func (l *Loop) Inputs() *hal.Inputs { return &l.in }

// Stats returns the loop's counters.
func (l *Loop) Stats() Stats { return l.stats }

// Tick runs one tick at controller time now. onTime is the caller's word
// that the tick started on time; the watchdog is kicked only then, and only
// while the safety layer is healthy: after an assertion fails after
// arbitration (a programming error; the layer latches an internal trip) or
// the state machine refuses a transition, it is never kicked again, so the
// watchdog resets the Pi, which boots latched from the trip store.
func (l *Loop) Tick(now units.Time, st Stamper, onTime bool) core.Ready {
	in := &l.in
	l.Dev.Read(in)
	in.Now = now
	st.Stamp(in)
	r := l.Core.Step(in)
	l.stats.Ticks++
	werr := l.Dev.WriteModules(r.Out)
	if r.Persist {
		l.persist(&r)
	}
	if err := l.Dev.WriteRest(r.Out); werr == nil {
		werr = err
	}
	if werr != nil {
		l.stats.WriteErrors++
		l.LastWriteErr = werr
	}
	if r.Status.AssertFailures != l.asserts || r.Status.FireErrors != 0 {
		l.sick = true // for good: the watchdog fires, and the Pi reboots latched
	}
	l.asserts = r.Status.AssertFailures
	if onTime && !l.sick {
		l.kick()
	} else {
		l.stats.Unhealthy++
	}
	return r
}

func (l *Loop) persist(r *core.Ready) {
	if l.Wall != nil {
		r.Record.WallNs = l.Wall()
	}
	if err := l.Store.Save(r.Record); err != nil {
		l.stats.PersistErrors++
		l.LastPersistErr = err
		l.Core.Unsaved()
		return
	}
	l.stats.Persists++
}

func (l *Loop) kick() {
	if l.Dog == nil {
		return
	}
	if err := l.Dog.Kick(); err != nil {
		l.stats.KickErrors++
		l.LastKickErr = err
		return
	}
	l.stats.Kicks++
}
