package modules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"sync"
	"time"

	"hearth/hal"
	"hearth/units"
)

// Board is what an agent acts on. Apply must be quick: it caps the CPU
// frequency and hands anything slow (stopping a workload) to the background.
// Shutdown starts the board's shutdown and returns; it reports only a failure
// to start it. Measure returns the board's draw and its hottest SoC (NaN if
// unknown).
type Board interface {
	Apply(hal.Level) error
	Shutdown() error
	Measure() (units.Watt, units.Celsius)
}

// AgentConfig is one agent's identity and timing. Zero durations take the
// defaults in DefaultAgentConfig.
type AgentConfig struct {
	Module uint32
	Key    Key
	// Session identifies this run of the agent, 1..MaxSession, and must
	// exceed the session of every earlier run (see NextSessionFile): leases
	// are bound to it, so one recorded before a restart is refused after it,
	// and the agent's own report counter (Session<<32 upwards) keeps
	// increasing across restarts.
	Session    uint64
	Controller netip.AddrPort // where reports go

	// Grace is how long the board idles without a lease before the agent runs
	// its shutdown; it starts when the lease expires, or at start-up.
	Grace units.Duration
	// MaxLease caps the TTL the agent honours, whatever a lease says.
	MaxLease units.Duration
	// ReportEvery is the heartbeat while leased; HelloEvery while not, so a
	// new controller learns the session quickly.
	ReportEvery, HelloEvery units.Duration
	// ShutdownRetry is how long after a failed shutdown command it is retried.
	ShutdownRetry units.Duration
	// Speed is as HubConfig's: Run's waits are shortened by it.
	Speed float64
}

// DefaultAgentConfig holds the default timing.
var DefaultAgentConfig = AgentConfig{
	Grace:         30 * units.Second,
	MaxLease:      10 * units.Second,
	ReportEvery:   1 * units.Second,
	HelloEvery:    250 * units.Millisecond,
	ShutdownRetry: 10 * units.Second,
}

// AgentStats is a snapshot of an agent's counters and state.
type AgentStats struct {
	Accepted     uint64
	Rejected     [NumRejects]uint64
	Reports      uint64
	SendErrors   uint64
	ApplyErrors  uint64
	LastAccepted uint64    // counter of the last lease accepted
	Level        hal.Level // level applied
	Lease        hal.Level // level of the last lease accepted
	Leased       bool      // an unexpired lease is held
	Expired      bool      // idling for want of a lease
	Shutdown     bool      // the shutdown command has been run
}

// RejectedTotal sums the rejections.
func (s AgentStats) RejectedTotal() uint64 {
	var n uint64
	for _, c := range s.Rejected {
		n += c
	}
	return n
}

// Agent is the module end of the channel and its dead man's switch: it runs
// the board at the level of an authenticated, unexpired lease; without one it
// idles at once and runs the shutdown after a grace period; on LevelOff or
// LevelCut it shuts down at once. It logs every decision.
//
// Handle and Step are the whole behaviour (the clock is injected); Run
// drives them from a socket.
type Agent struct {
	cfg   AgentConfig
	conn  PacketConn
	board Board
	now   func() units.Time
	log   *slog.Logger
	mac   *macer

	mu         sync.Mutex
	started    bool
	last       uint64 // counter of the last accepted lease
	everLeased bool
	lease      hal.Level
	leaseUntil units.Time
	expired    bool
	graceUntil units.Time
	applied    hal.Level
	applyErr   bool
	shut       bool
	shutLevel  hal.Level // what the shutdown caps at: off, or cut
	shutErr    bool
	retryAt    units.Time
	ctr        uint64 // last report counter
	lastReport units.Time
	stats      AgentStats
	wbuf       [MsgSize]byte
}

// NewAgent makes an agent; log may be nil. Call Run, or Start then Handle and
// Step.
func NewAgent(cfg AgentConfig, conn PacketConn, board Board, now func() units.Time, log *slog.Logger) (*Agent, error) {
	d := DefaultAgentConfig
	for _, f := range []struct{ v, def *units.Duration }{
		{&cfg.Grace, &d.Grace}, {&cfg.MaxLease, &d.MaxLease}, {&cfg.ReportEvery, &d.ReportEvery},
		{&cfg.HelloEvery, &d.HelloEvery}, {&cfg.ShutdownRetry, &d.ShutdownRetry},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
		if *f.v < 0 {
			return nil, fmt.Errorf("modules: negative duration in agent config: %v", *f.v)
		}
	}
	switch {
	case cfg.Session == 0 || cfg.Session > MaxSession:
		return nil, fmt.Errorf("modules: agent session %d out of range (1..2^32-1)", cfg.Session)
	case !cfg.Controller.IsValid():
		return nil, errors.New("modules: agent has no controller address")
	case board == nil:
		return nil, errors.New("modules: agent has no board")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Agent{
		cfg: cfg, conn: conn, board: board, now: now, mac: newMacer(cfg.Key),
		log: log.With("module", cfg.Module),
		ctr: cfg.Session << 32,
	}, nil
}

// Start idles the board, starts the grace period (no lease is held yet) and
// says hello to the controller. Run calls it.
func (a *Agent) Start() {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.started {
		return
	}
	a.started = true
	a.applied = hal.Level100 // unknown until idle is applied: assume the worst
	a.expired, a.graceUntil = true, now.Add(a.cfg.Grace)
	a.log.Info("agent started: idle until a lease arrives",
		"session", a.cfg.Session, "controller", a.cfg.Controller, "grace", a.cfg.Grace)
	a.apply(hal.LevelIdle)
	a.report(now)
}

// Stats returns a snapshot of the agent's counters and state.
func (a *Agent) Stats() AgentStats {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.stats
	s.LastAccepted, s.Level, s.Lease = a.last, a.applied, a.lease
	s.Leased = a.everLeased && now < a.leaseUntil
	s.Expired, s.Shutdown = a.expired, a.shut
	return s
}

// Handle takes one datagram received on the agent's socket. An accepted lease
// is acted on and answered with a report at once; anything else changes
// nothing but a counter.
func (a *Agent) Handle(b []byte) Reject {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.accept(b, now)
	if r != Accepted {
		a.stats.Rejected[r]++
		if n := a.stats.Rejected[r]; n&(n-1) == 0 { // 1, 2, 4...: a flood cannot flood the log
			a.log.Warn("datagram rejected", "reason", r, "count", n)
		}
		return r
	}
	a.stats.Accepted++
	a.step(now)
	a.report(now)
	return Accepted
}

func (a *Agent) accept(b []byte, now units.Time) Reject {
	id, r := header(b, KindLease)
	switch {
	case r != Accepted:
		return r
	case id != a.cfg.Module:
		return WrongModule
	case !a.mac.verify(b):
		return Forged
	}
	l, r := decodeLease(b)
	switch {
	case r != Accepted:
		return r
	case l.Session != a.cfg.Session:
		return WrongSession
	case l.Counter == a.last:
		return Replayed
	case l.Counter < a.last:
		return Stale
	}
	a.last = l.Counter
	held := a.everLeased && now < a.leaseUntil
	ttl := min(l.TTL, a.cfg.MaxLease)
	switch {
	case !held || l.Level != a.lease:
		a.log.Info("lease granted", "level", l.Level, "ttl", ttl, "counter", l.Counter)
	case a.log.Enabled(context.Background(), slog.LevelDebug):
		a.log.Debug("lease renewed", "level", l.Level, "ttl", ttl, "counter", l.Counter)
	}
	a.everLeased, a.lease, a.leaseUntil = true, l.Level, now.Add(ttl)
	if a.expired {
		a.expired = false
		if !a.shut {
			a.log.Info("lease restored: shutdown cancelled")
		}
	}
	return Accepted
}

// Step makes the decisions that time alone drives (lease expiry, end of the
// grace period, heartbeat) and returns when it next needs to run.
func (a *Agent) Step() units.Time {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.step(now)
	every := a.cfg.HelloEvery
	held := a.everLeased && now < a.leaseUntil
	if held || a.shut {
		every = a.cfg.ReportEvery
	}
	if now >= a.lastReport.Add(every) {
		a.report(now)
	}
	next := a.lastReport.Add(every)
	switch {
	case a.shut && a.shutErr:
		next = min(next, a.retryAt)
	case a.shut:
	case held:
		next = min(next, a.leaseUntil)
	case a.expired:
		next = min(next, a.graceUntil)
	}
	return next
}

// step is the decision: called with a.mu held.
func (a *Agent) step(now units.Time) {
	held := a.everLeased && now < a.leaseUntil
	if a.shut {
		switch {
		case held && a.lease == hal.LevelCut && a.shutLevel != hal.LevelCut:
			a.log.Warn("hard cut announced while shutting down")
			a.shutLevel = hal.LevelCut
			a.apply(hal.LevelCut)
		case a.shutErr && now >= a.retryAt:
			a.shutdown(now, a.shutLevel, "retrying the shutdown command")
		case a.applied != a.shutLevel || a.applyErr:
			a.apply(a.shutLevel) // the cap was refused: a shutdown may never halt the board
		}
		return
	}
	target := hal.LevelIdle
	if held {
		target = a.lease
	} else if !a.expired {
		a.expired, a.graceUntil = true, a.leaseUntil.Add(a.cfg.Grace)
		a.log.Warn("lease expired: idling now, shutdown after the grace period",
			"lease", a.lease, "shutdown_in", a.graceUntil.Sub(now))
	}
	switch {
	case target == hal.LevelCut:
		a.shutdown(now, target, "hard cut announced: the relay is opening")
	case target == hal.LevelOff:
		a.shutdown(now, target, "graceful shutdown commanded")
	case a.expired && now >= a.graceUntil:
		a.shutdown(now, hal.LevelOff, "no lease for the whole grace period")
	case target != a.applied || a.applyErr:
		a.apply(target)
	}
}

func (a *Agent) apply(l hal.Level) {
	prev := a.applied
	if err := a.board.Apply(l); err != nil {
		a.stats.ApplyErrors++
		if !a.applyErr {
			a.log.Error("level not applied", "level", l, "running", prev, "err", err)
		}
		a.applyErr = true
		return
	}
	a.applied, a.applyErr = l, false
	a.log.Info("level applied", "level", l, "previous", prev)
}

func (a *Agent) shutdown(now units.Time, l hal.Level, why string) {
	a.apply(l) // cap the frequency first: it takes effect at once; if refused, step retries it
	a.shut, a.shutLevel = true, l
	if err := a.board.Shutdown(); err != nil {
		a.shutErr, a.retryAt = true, now.Add(a.cfg.ShutdownRetry)
		a.log.Error("shutdown command failed", "why", why, "retry_in", a.cfg.ShutdownRetry, "err", err)
		return
	}
	a.shutErr = false
	a.log.Warn("shutdown started", "why", why, "level", l)
}

// report signs and sends the agent's state. Called with a.mu held.
func (a *Agent) report(now units.Time) {
	a.ctr++
	p, t := a.board.Measure()
	var f ReportFlags
	if a.everLeased && now < a.leaseUntil {
		f |= FlagLeased
	}
	if a.expired {
		f |= FlagExpired
	}
	if a.shut {
		f |= FlagShutdown
	}
	if a.applyErr {
		f |= FlagApplyError
	}
	var rej uint64
	for _, c := range a.stats.Rejected {
		rej += c
	}
	r := Report{
		Module: a.cfg.Module, Counter: a.ctr, Session: a.cfg.Session,
		Level: a.applied, Flags: f, Power: p, BoardTemp: t,
		Rejected: uint32(min(rej, math.MaxUint32)), Ack: a.last,
	}
	encodeReport(&a.wbuf, &r)
	a.mac.sign(&a.wbuf)
	a.lastReport = now
	a.stats.Reports++
	if _, err := a.conn.WriteToUDPAddrPort(a.wbuf[:], a.cfg.Controller); err != nil {
		a.stats.SendErrors++
		if n := a.stats.SendErrors; n&(n-1) == 0 {
			a.log.Warn("report not sent", "count", n, "err", err)
		}
	}
}

// Run drives the agent until ctx is done or its socket is closed. On the way
// out it caps the board at idle, since nothing enforces a lease any more.
func (a *Agent) Run(ctx context.Context) error {
	a.Start()
	stop := context.AfterFunc(ctx, func() { _ = a.conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	var buf [MsgSize + 1]byte // one more: an oversized datagram must not fit
	for {
		next := a.Step()
		wait := wallWait(next.Sub(a.now()), a.cfg.Speed)
		_ = a.conn.SetReadDeadline(time.Now().Add(max(wait, 0)))
		if ctx.Err() != nil { // checked after setting the deadline: see AfterFunc above
			a.exit("context done")
			return nil
		}
		n, _, err := a.conn.ReadFromUDPAddrPort(buf[:])
		if err == nil {
			a.Handle(buf[:n])
			continue
		}
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
		case errors.Is(err, net.ErrClosed):
			a.exit("socket closed")
			return err
		default:
			a.log.Warn("read failed", "err", err)
			time.Sleep(10 * time.Millisecond) // a persistent error must not spin a core
		}
	}
}

func (a *Agent) exit(why string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.shut && a.applied > hal.LevelIdle {
		a.apply(hal.LevelIdle)
	}
	a.log.Warn("agent stopping: no lease is enforced until it runs again", "why", why, "level", a.applied)
}
