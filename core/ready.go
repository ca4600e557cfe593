package core

import (
	"math"

	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

// Ready is what one tick hands to its caller, after the manner of
// etcd-io/raft's Ready: the core decides what must be made durable and what
// must be written, and the caller does the I/O.
type Ready struct {
	// Out is the command for every output, safety's last word.
	Out *hal.Outputs
	// Status is the safety layer's status after the tick.
	Status *safety.Status
	// Persist is true when the latch changed this tick (a trip, or its
	// reset): Record must then be saved to the trip store. The caller stamps
	// Record.WallNs (the core has no wall clock).
	Persist bool
	Record  safety.TripRecord
}

// ready assembles the tick's Ready. The latch is persisted when it differs
// from what the store holds: a new trip, a reset, or a latch the store has
// not got (a corrupt store at boot: the latch is written again, whole).
func (c *Core) ready() Ready {
	r := Ready{Out: &c.out, Status: &c.st}
	if c.st.Latched == c.durable {
		return r
	}
	r.Persist = true
	r.Record = safety.TripRecord{Cause: c.st.Cause, Latched: c.st.Latched, AtNs: int64(c.st.TripAt), Value: math.NaN()}
	// The caller reports a failed save through Unsaved; until then the
	// record counts as durable, so one trip is not persisted every tick.
	c.durable = c.st.Latched
	return r
}

// Unsaved tells the core that the record of the last Ready was not made
// durable: the next tick asks again.
func (c *Core) Unsaved() { c.durable = !c.st.Latched }

// Restore applies the boot rules to what the trip store held, before the
// first Step. rec and found are the store's newest record and whether there
// was one; err is the error reading it.
//
//   - no record, or a record of a reset: the layer starts as built;
//   - a latched trip: the layer starts tripped on its cause, at now (the
//     record's time is on the clock of an earlier boot);
//   - an unreadable or corrupt store: the layer starts latched on a
//     self-test trip (fail safe: a latch that cannot be ruled out is one),
//     and the first Ready persists that latch again.
//
// It returns whether the layer starts latched.
func (c *Core) Restore(rec safety.TripRecord, found bool, err error, now units.Time) bool {
	switch {
	case err != nil:
		c.Safety.Restore(safety.CauseSelfTest, now)
		c.durable = false
	case found && rec.Latched:
		c.Safety.Restore(rec.Cause, now)
		c.durable = true
	default:
		c.durable = false
	}
	c.st = c.Safety.Status()
	return c.st.Latched
}
