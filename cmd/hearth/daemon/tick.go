package daemon

import (
	"sync"
	"sync/atomic"
	"time"

	"hearth/cmd/hearth/daemon/telemetry"
	"hearth/core"
	"hearth/core/edge"
	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

// Stop requests, in the order they escalate.
const (
	running int32 = iota
	stopControlled
	stopCut
)

// ticker is the fixed-rate loop: it owns the edge loop and runs on its own
// locked OS thread.
type ticker struct {
	loop    *edge.Loop
	dev     *hal.Devices
	clock   clock
	period  int64 // ns
	late    int64 // ns
	stamp   stamper
	ev      *events
	jitter  histogram
	work    histogram
	ticks   atomic.Uint64
	over    atomic.Uint64
	lateN   atomic.Uint64
	stop    atomic.Int32
	stopSig atomic.Int32
	reset   atomic.Bool     // an engineer's reset press (the console's), consumed by one tick
	con     hand            // the console's requests and view
	tele    *telemetry.Slot // telemetry's snapshot, at most once a second; nil: none
	tune    tuner           // the live tuning session (the console's tune)
	stopAt  units.Time
	timeout units.Duration
	prio    int
	sched   string // guarded by mu

	mu   sync.Mutex // guards snap
	snap snapshot

	prev snapshot // the tick's own copy, for its events

	lastWriteErr, lastKickErr time.Time // when a failed write, a failed kick was last reported
}

// snapshot is what the stats writer may read of the tick's state.
type snapshot struct {
	loop              edge.Stats
	state             safety.State
	cause             safety.Cause
	latched           bool
	untrusted, alarms uint32
}

// stamper fills in what the edge owns on the daemon.
type stamper struct {
	demand      hal.Level
	maintenance bool // a controlled shutdown: compute down gracefully
	watchdog    bool
	reset       bool // an engineer's reset press on this tick
	held        bool // the engineer's maintenance hold (console)
	override    hal.Override
	calib       [hal.NumTemps]units.Kelvin // probe offsets: the core adds them once safety judged the raw readings
}

// Stamp implements edge.Stamper.
func (s *stamper) Stamp(in *hal.Inputs) {
	in.WeekTime = weekTime(time.Now())
	for i := 0; i < in.NumModules; i++ {
		in.Demand[i] = s.demand
	}
	in.Maintenance = s.maintenance || s.held
	in.Watchdog = s.watchdog
	// An engineer's reset: the console's, after its login. The layer acts
	// on a press, and only with every cause cleared.
	in.ResetRequest = s.reset
	in.Override = s.override
	in.Offset = s.calib // safety judges the raw readings, then calibrates
}

// weekTime is local time since Monday 00:00.
func weekTime(t time.Time) units.Duration {
	h, m, s := t.Clock()
	day := (int(t.Weekday()) + 6) % 7
	return units.Duration(day)*24*units.Hour + units.Duration(h)*units.Hour +
		units.Duration(m)*units.Minute + units.Duration(s)*units.Second + units.Duration(t.Nanosecond())
}

// run ticks until a controlled shutdown has finished or a cut was asked.
// It returns how the loop ended.
func (t *ticker) run() (how int32) {
	sched := realtime(t.prio)
	t.mu.Lock()
	t.sched = sched
	t.mu.Unlock()
	next := mono() + t.period
	for {
		sleepUntil(next)
		wake := mono()
		if t.stop.Load() == stopCut {
			return stopCut // the signal handler cuts; no more writes from here
		}
		lateNs := wake - next
		t.jitter.add(lateNs)
		onTime := lateNs <= t.late
		if !onTime {
			t.lateN.Add(1)
		}
		now := t.clock.now()
		t.take(now)
		t.stamp.reset = t.reset.Swap(false) // one press: one tick with the request
		r := t.loop.Tick(now, &t.stamp, onTime)
		t.tuneStep()
		tripped := r.Status.Latched && !t.prev.latched
		t.observe(&r)
		t.publish(r.Out, r.Status, tripped)
		t.tele.Offer(wake, t.ticks.Load()+1, t.loop.Inputs(), r.Out, r.Status)
		t.ticks.Add(1)
		if done, timedOut := t.shutdownDone(r.Status); done {
			t.deenergise()
			t.ev.send(event{kind: evStopDone, wall: time.Now(), a: b2u(timedOut)})
			return stopControlled
		}
		end := mono()
		t.work.add(end - wake)
		next += t.period
		if end > next { // whole periods missed: count them and skip ahead
			missed := (end-next)/t.period + 1
			t.over.Add(uint64(missed))
			next += missed * t.period
			t.ev.send(event{kind: evOverrun, wall: time.Now(), n: uint64(missed)})
		}
	}
}

// observe turns the tick's status changes into events and publishes the
// stats snapshot. It allocates nothing.
func (t *ticker) observe(r *core.Ready) {
	st, p := r.Status, &t.prev
	cur := snapshot{loop: t.loop.Stats(), state: st.State, cause: st.Cause, latched: st.Latched,
		untrusted: st.Untrusted, alarms: st.Alarms}
	now := time.Time{}
	if cur.state != p.state || cur.latched != p.latched || cur.untrusted != p.untrusted ||
		cur.alarms != p.alarms || cur.loop.PersistErrors != p.loop.PersistErrors ||
		cur.loop.WriteErrors != p.loop.WriteErrors || cur.loop.KickErrors != p.loop.KickErrors {
		now = time.Now()
	}
	if cur.state != p.state {
		t.ev.send(event{kind: evState, wall: now, a: uint32(p.state), b: uint32(cur.state)})
	}
	switch {
	case cur.latched && !p.latched:
		t.ev.send(event{kind: evTrip, wall: now, a: uint32(st.Cause), b: uint32(st.Witness)})
	case !cur.latched && p.latched:
		t.ev.send(event{kind: evReset, wall: now})
	}
	if b := cur.untrusted &^ p.untrusted; b != 0 {
		t.ev.send(event{kind: evUntrusted, wall: now, a: b})
	}
	if b := p.untrusted &^ cur.untrusted; b != 0 {
		t.ev.send(event{kind: evTrusted, wall: now, a: b})
	}
	if b := cur.alarms &^ p.alarms; b != 0 {
		t.ev.send(event{kind: evAlarm, wall: now, a: b})
	}
	if cur.loop.PersistErrors != p.loop.PersistErrors {
		t.ev.send(event{kind: evPersistErr, wall: now, err: t.loop.LastPersistErr})
	}
	t.deviceErrors(&cur, p, now)
	*p = cur
	// The stats' and the console's readers take this lock too: the tick
	// only tries it, and a snapshot it skips is one tick old for them.
	if t.mu.TryLock() {
		t.snap = cur
		t.mu.Unlock()
	}
}

// deviceErrors reports failed writes and kicks with their errors: the
// first, then at most one a second while they go on, so a device that
// fails on every tick cannot flood the event log.
func (t *ticker) deviceErrors(cur, p *snapshot, now time.Time) {
	if cur.loop.WriteErrors != p.loop.WriteErrors && now.Sub(t.lastWriteErr) >= time.Second {
		t.lastWriteErr = now
		t.ev.send(event{kind: evWriteErr, wall: now, err: t.loop.LastWriteErr, n: cur.loop.WriteErrors})
	}
	if cur.loop.KickErrors != p.loop.KickErrors && now.Sub(t.lastKickErr) >= time.Second {
		t.lastKickErr = now
		t.ev.send(event{kind: evKickErr, wall: now, err: t.loop.LastKickErr, n: cur.loop.KickErrors})
	}
}

// shutdownDone reports, during a controlled shutdown, whether every module
// is down (its relay open, or its boards halted: the feed meter reads
// nothing), or whether the shutdown's time has run out.
func (t *ticker) shutdownDone(st *safety.Status) (done, timedOut bool) {
	if t.stop.Load() != stopControlled {
		return false, false
	}
	now := t.clock.now()
	if !t.stamp.maintenance {
		t.stamp.maintenance, t.stopAt = true, now
		t.ev.send(event{kind: evStopBegin, wall: time.Now(), a: uint32(t.stopSig.Load())})
		return false, false
	}
	if now.Sub(t.stopAt) >= t.timeout {
		return true, true
	}
	in := t.loop.Inputs()
	for i := 0; i < in.NumModules; i++ {
		m := &in.Module[i]
		if m.Relay && !(m.Feed.OK() && m.Feed.Value < 1) {
			return false, false
		}
	}
	return true, false
}

// deenergise writes every output's de-energised state, modules first.
func (t *ticker) deenergise() {
	out := hal.Deenergised()
	_ = t.dev.WriteModules(&out)
	_ = t.dev.WriteRest(&out)
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func (t *ticker) stats() Stats {
	t.mu.Lock()
	sn, sched := t.snap, t.sched
	t.mu.Unlock()
	s := Stats{Ticks: t.ticks.Load(), Overruns: t.over.Load(), TickMs: float64(t.period) / 1e6,
		JitterP50Ms: t.jitter.quantileMs(0.5), JitterP99Ms: t.jitter.quantileMs(0.99), JitterMaxMs: t.jitter.maxMs(),
		WorkP50Ms: t.work.quantileMs(0.5), WorkP99Ms: t.work.quantileMs(0.99), WorkMaxMs: t.work.maxMs(),
		Late: t.lateN.Load(), Scheduler: sched, SafetyState: sn.state.String(), Cause: sn.cause.String(),
		Latched: sn.latched, Kicks: sn.loop.Kicks, Persists: sn.loop.Persists, PersistErrs: sn.loop.PersistErrors,
		WriteErrs: sn.loop.WriteErrors, Events: t.ev.logged.Load(), EventsLost: t.ev.dropped.Load(),
	}
	switch t.stop.Load() {
	case stopControlled:
		s.Stopping = "controlled"
	case stopCut:
		s.Stopping = "cut"
	}
	return s
}
