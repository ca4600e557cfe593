package modules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"hearth/hal"
	"hearth/units"
)

// HubConfig is the controller side's timing. Zero fields take the defaults
// in DefaultHubConfig.
type HubConfig struct {
	// TTL is how long a lease lasts from the moment the agent receives it.
	TTL units.Duration
	// Renew is how long after an acknowledged lease was sent the next one is.
	Renew units.Duration
	// RetryMin and RetryMax bound the backoff between retransmissions of a
	// lease that has not been acknowledged (a new level, or a renewal).
	RetryMin, RetryMax units.Duration
	// RetryFor is how long retransmissions keep that pace; after it a module
	// that does not answer (it is off, or its relay is open) gets one lease
	// per Renew, so a hub of dead modules does not flood the LAN.
	RetryFor units.Duration
	// ThrottleDeadline is how long a module has to acknowledge a lower level
	// (idle to 75 %) before its relay is cut.
	ThrottleDeadline units.Duration
	// OffDeadline is how long a graceful shutdown may take: the relay opens
	// then, and it counts as an escalation if the agent never acknowledged.
	OffDeadline units.Duration
	// BootGrace extends the deadlines of a module whose relay was just closed
	// and whose agent has not answered since: its board is still booting.
	BootGrace units.Duration
	// MissingAfter is how long without a report before Status says Missing.
	MissingAfter units.Duration
	// Speed is how many times faster than the wall clock the hub's clock
	// runs (hearth run --sim's sim.speed): Run's waits are shortened by it.
	// 0 or 1: the wall clock.
	Speed float64
}

// wallWait is a wait of d on a clock that runs speed times the wall's.
func wallWait(d units.Duration, speed float64) time.Duration {
	if speed > 1 {
		return time.Duration(float64(d) / speed)
	}
	return time.Duration(d)
}

// DefaultHubConfig is the reference timing: a 3 s lease renewed every second,
// retransmissions from 50 ms backing off to 100 ms for 5 s, then once a
// second; throttles acknowledged within 3 s, graceful shutdowns done within
// 25 s (docs/domain.md: ~20 s). At 30 % loss each way a round trip succeeds with
// probability 0.49, so 3 s of retransmissions (about 30) leave a module
// unconfirmed with probability 0.51^30 ~ 2e-9.
var DefaultHubConfig = HubConfig{
	TTL:              3 * units.Second,
	Renew:            1 * units.Second,
	RetryMin:         50 * units.Millisecond,
	RetryMax:         100 * units.Millisecond,
	RetryFor:         5 * units.Second,
	ThrottleDeadline: 3 * units.Second,
	OffDeadline:      25 * units.Second,
	BootGrace:        60 * units.Second,
	MissingAfter:     3 * units.Second,
}

func (c *HubConfig) fill() error {
	d := DefaultHubConfig
	for _, f := range []struct{ v, def *units.Duration }{
		{&c.TTL, &d.TTL}, {&c.Renew, &d.Renew}, {&c.RetryMin, &d.RetryMin}, {&c.RetryMax, &d.RetryMax},
		{&c.RetryFor, &d.RetryFor},
		{&c.ThrottleDeadline, &d.ThrottleDeadline}, {&c.OffDeadline, &d.OffDeadline},
		{&c.BootGrace, &d.BootGrace}, {&c.MissingAfter, &d.MissingAfter},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
		if *f.v < 0 {
			return fmt.Errorf("modules: negative duration in hub config: %v", *f.v)
		}
	}
	switch {
	case c.TTL < 2*c.Renew:
		return fmt.Errorf("modules: lease TTL %v must be at least twice the renewal period %v", c.TTL, c.Renew)
	case c.TTL > maxTTL:
		return fmt.Errorf("modules: lease TTL %v is too long", c.TTL)
	case c.RetryMax < c.RetryMin:
		return fmt.Errorf("modules: retry cap %v below the first retry %v", c.RetryMax, c.RetryMin)
	}
	return nil
}

// ModuleConfig is one module as the controller knows it.
type ModuleConfig struct {
	ID    uint32         // module id, unique in the hub
	Key   Key            // ModuleKey(hub secret, ID)
	Addr  netip.AddrPort // where its agent listens
	Relay hal.Switch     // its power relay: on = closed = powered (energise to run)
}

// HubStats counts what the controller side did and refused.
type HubStats struct {
	LeasesSent  uint64 // every lease datagram, first sends and retransmissions
	Retransmits uint64 // sends of a lease while an earlier one was unacknowledged
	SendErrors  uint64
	Reports     uint64             // reports accepted
	Rejected    [NumRejects]uint64 // reports refused, by reason
	Escalations uint64             // relays cut because a lower level was not acknowledged
	RelayErrors uint64
}

// ringSize is how many recent sends a module remembers, to know when the
// lease an acknowledgement refers to was sent.
const ringSize = 16

type sent struct {
	counter uint64
	at      units.Time
}

// module is the controller's whole state for one module. Guarded by Hub.mu,
// except relayMu which serialises calls to the relay.
type module struct {
	cfg ModuleConfig
	mac *macer

	// What is commanded.
	commanded    bool // SetLevel has been called: until then no lease is granted
	desired      hal.Level
	desiredAt    units.Time
	lowering     bool   // desired is below the level commanded before it
	levelCounter uint64 // first counter that carried desired; 0 = not sent yet
	acked        bool   // the agent accepted a lease carrying desired
	safe         bool   // its latest report since then is at or below desired
	over         bool   // its latest report since then is above desired: broken or hostile
	confirmed    bool   // it reported exactly desired (latched, for drills and tests)
	confirmedAt  units.Time

	// Sending.
	counter      uint64 // last counter used
	ring         [ringSize]sent
	awaiting     bool       // the last lease sent is not acknowledged yet
	unackedSince units.Time // first send since the last acknowledgement
	nextSend     units.Time
	retry        units.Duration

	// What the agent said.
	session     uint64
	haveSession bool
	sessionAt   units.Time // when the current session was first heard
	reportCtr   uint64
	rep         Report
	heard       bool
	lastAt      units.Time

	// The relay.
	relayMu         sync.Mutex
	relayWant       bool // closed
	relayClosed     bool // last state set successfully
	relayDirty      bool // relayWant not yet applied (or the last attempt failed)
	relayClosedAt   units.Time
	heardSinceClose bool
	escalated       bool // latched: the relay stays open until ResetEscalation
}

type outMsg struct {
	b    [MsgSize]byte
	addr netip.AddrPort
}

// Hub is the controller's end of the channel: it holds every module's lease,
// sends renewals and commands, retransmits what is not acknowledged, reads
// the agents' reports and escalates to the relays. Power is its per-module
// hal.ModulePower.
//
// Tick and HandlePacket are the whole behaviour and take no time of their
// own (the clock is injected), so tests drive a Hub step by step; Run drives
// them from a socket and a timer.
type Hub struct {
	cfg  HubConfig
	conn PacketConn
	now  func() units.Time
	log  *slog.Logger

	byID map[uint32]int // read only after NewHub
	wake chan struct{}

	mu    sync.Mutex
	mods  []module
	stats HubStats

	// Tick's scratch, preallocated so that a round of renewals allocates nothing.
	// Only the goroutine calling Tick touches them.
	out    []outMsg
	relays []int
}

// NewHub makes a Hub for mods sending through conn. now is the controller's
// clock; log may be nil. No lease is granted to a module until its Power's
// SetLevel is first called, and no relay is touched until then.
func NewHub(cfg HubConfig, mods []ModuleConfig, conn PacketConn, now func() units.Time, log *slog.Logger) (*Hub, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Hub{
		cfg: cfg, conn: conn, now: now, log: log,
		byID:   make(map[uint32]int, len(mods)),
		wake:   make(chan struct{}, 1),
		mods:   make([]module, len(mods)),
		out:    make([]outMsg, len(mods)),
		relays: make([]int, 0, len(mods)),
	}
	for i, mc := range mods {
		if _, dup := h.byID[mc.ID]; dup {
			return nil, fmt.Errorf("modules: module %d configured twice", mc.ID)
		}
		if mc.Relay == nil {
			return nil, fmt.Errorf("modules: module %d has no relay", mc.ID)
		}
		if !mc.Addr.IsValid() {
			return nil, fmt.Errorf("modules: module %d has no agent address", mc.ID)
		}
		h.byID[mc.ID] = i
		h.mods[i] = module{cfg: mc, mac: newMacer(mc.Key), retry: cfg.RetryMin}
	}
	return h, nil
}

// Len returns the number of modules.
func (h *Hub) Len() int { return len(h.mods) }

// Power returns the hal.ModulePower of the i-th module (in NewHub's order).
func (h *Hub) Power(i int) *Power { return &Power{h: h, i: i} }

// Stats returns a snapshot of the counters.
func (h *Hub) Stats() HubStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stats
}

// maxSleep bounds how long Tick lets Run sleep, so a missed wake-up costs
// at most this much.
const maxSleep = 100 * units.Millisecond

// Tick sends every lease that is due, escalates modules that have not
// acknowledged a lower level in time, retries relay commands that failed, and
// returns when it next wants to run. Call it from one goroutine at a time
// (Run does): its send buffers are preallocated and reused.
func (h *Hub) Tick() units.Time {
	now := h.now()
	next := now.Add(maxSleep)
	n := 0
	h.relays = h.relays[:0]

	h.mu.Lock()
	for i := range h.mods {
		m := &h.mods[i]
		if d, ok := h.escalate(m, now); ok {
			next = min(next, d)
		}
		if m.relayDirty {
			h.relays = append(h.relays, i)
		}
		if !m.commanded || !m.haveSession {
			continue
		}
		if now >= m.nextSend {
			h.prepare(m, &h.out[n], now)
			n++
		}
		next = min(next, m.nextSend)
	}
	h.mu.Unlock()

	var sendErrs uint64
	for i := range h.out[:n] {
		o := &h.out[i]
		if _, err := h.conn.WriteToUDPAddrPort(o.b[:], o.addr); err != nil {
			sendErrs++
			if sendErrs == 1 {
				h.log.Warn("lease send failed", "addr", o.addr, "err", err)
			}
		}
	}
	if sendErrs > 0 {
		h.mu.Lock()
		h.stats.SendErrors += sendErrs
		h.mu.Unlock()
	}
	for _, i := range h.relays {
		if err := h.syncRelay(i); err != nil {
			next = min(next, now.Add(h.cfg.RetryMax))
		}
	}
	return next
}

// prepare writes m's next lease into o and schedules its retransmission.
func (h *Hub) prepare(m *module, o *outMsg, now units.Time) {
	if m.awaiting {
		h.stats.Retransmits++
	} else {
		m.unackedSince = now
	}
	m.counter++
	if m.levelCounter == 0 {
		m.levelCounter = m.counter
	}
	l := Lease{Module: m.cfg.ID, Counter: m.counter, Session: m.session, Level: m.desired, TTL: h.cfg.TTL}
	encodeLease(&o.b, &l)
	m.mac.sign(&o.b)
	o.addr = m.cfg.Addr
	m.ring[m.counter%ringSize] = sent{counter: m.counter, at: now}
	m.awaiting = true
	if now.Sub(m.unackedSince) >= h.cfg.RetryFor {
		m.nextSend = now.Add(h.cfg.Renew)
	} else {
		m.nextSend = now.Add(m.retry)
		m.retry = min(m.retry*3/2, h.cfg.RetryMax)
	}
	h.stats.LeasesSent++
}

// escalate opens m's relay when a lower level has gone unacknowledged past
// its deadline, or a graceful shutdown has had its time. It returns the
// deadline still pending, if any. Called with h.mu held.
func (h *Hub) escalate(m *module, now units.Time) (units.Time, bool) {
	if !m.commanded || !m.relayWant {
		return 0, false
	}
	var limit units.Duration
	switch {
	case m.desired == hal.LevelOff:
		limit = h.cfg.OffDeadline
	case m.lowering && !m.safe || m.over:
		limit = h.cfg.ThrottleDeadline
	default:
		return 0, false
	}
	// A new session is a rebooted agent: it starts idle and gets a full
	// deadline to acknowledge; so does a board still booting.
	from := max(m.desiredAt, m.sessionAt)
	if !m.heardSinceClose {
		from = max(from, m.relayClosedAt.Add(h.cfg.BootGrace))
	}
	deadline := from.Add(limit)
	if now < deadline {
		return deadline, true
	}
	m.relayWant, m.relayDirty = false, true
	if m.safe {
		h.log.Info("module shut down gracefully: opening its relay",
			"module", m.cfg.ID, "level", m.desired, "after", now.Sub(m.desiredAt))
		return 0, false
	}
	m.escalated = true
	h.stats.Escalations++
	h.log.Warn("module did not acknowledge its level: cutting its relay",
		"module", m.cfg.ID, "level", m.desired, "reported", m.rep.Level, "heard", m.heard,
		"above", m.over, "waited", now.Sub(from))
	return 0, false
}

// syncRelay sets the i-th relay to what is wanted now. relayMu orders the
// calls so the last Set always carries the latest wish.
func (h *Hub) syncRelay(i int) error {
	m := &h.mods[i]
	m.relayMu.Lock()
	defer m.relayMu.Unlock()
	h.mu.Lock()
	want := m.relayWant
	h.mu.Unlock()
	err := m.cfg.Relay.Set(want)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		m.relayDirty = true
		h.stats.RelayErrors++
		h.log.Error("relay command failed", "module", m.cfg.ID, "closed", want, "err", err)
		return fmt.Errorf("modules: relay of module %d: %w", m.cfg.ID, err)
	}
	if m.relayClosed != want {
		h.log.Info("relay set", "module", m.cfg.ID, "closed", want)
	}
	m.relayClosed = want
	m.relayDirty = m.relayWant != want
	return nil
}

// HandlePacket takes one datagram received on the controller's socket and
// returns what became of it.
func (h *Hub) HandlePacket(b []byte) Reject {
	id, r := header(b, KindReport)
	if r != Accepted {
		return h.reject(r, id)
	}
	i, ok := h.byID[id]
	if !ok {
		return h.reject(UnknownModule, id)
	}
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	m := &h.mods[i]
	if !m.mac.verify(b) {
		return h.rejectLocked(Forged, id)
	}
	rep, r := decodeReport(b)
	switch {
	case r != Accepted:
		return h.rejectLocked(r, id)
	case rep.Counter == m.reportCtr:
		return h.rejectLocked(Replayed, id)
	case rep.Counter < m.reportCtr:
		return h.rejectLocked(Stale, id)
	}
	m.reportCtr = rep.Counter
	h.stats.Reports++
	if !m.haveSession || rep.Session != m.session {
		h.log.Info("agent session", "module", id, "session", rep.Session, "previous", m.session)
		m.session, m.haveSession, m.sessionAt = rep.Session, true, now
		m.nextSend, m.retry, m.awaiting = now, h.cfg.RetryMin, false
		h.poke()
	}
	if rep.Ack > m.counter {
		// A controller that restarted learns where its predecessor's counter
		// stood from the agent itself: the report is authenticated.
		h.log.Info("lease counter resynchronised from agent", "module", id, "from", m.counter, "to", rep.Ack)
		m.counter = rep.Ack
	}
	m.rep, m.heard, m.lastAt, m.heardSinceClose = rep, true, now, true
	h.judge(m, &rep, now)
	return Accepted
}

// judge weighs an authentic report's level against the level commanded.
// Called with h.mu held.
func (h *Hub) judge(m *module, rep *Report, now units.Time) {
	if rep.Flags&FlagLeased == 0 {
		// An agent without a lease idles at once (its dead man's switch): one
		// that runs above idle and above its command all the same is broken
		// (a board that rebooted with its cpufreq refusing the cap), whatever
		// lease it acknowledged last.
		above := rep.Level > max(hal.LevelIdle, m.desired)
		if above && !m.over {
			h.log.Warn("agent reports running above idle without a lease", "module", m.cfg.ID,
				"reported", rep.Level, "commanded", m.desired, "flags", rep.Flags)
		}
		m.over = above
		m.safe = m.safe && !above
	}
	if m.levelCounter == 0 || rep.Ack < m.levelCounter {
		return
	}
	m.acked = true
	m.safe, m.over = rep.Level <= m.desired, rep.Level > m.desired
	if m.over {
		h.log.Warn("agent reports a level above its lease", "module", m.cfg.ID, "reported", rep.Level, "lease", m.desired)
	}
	if rep.Level == m.desired && !m.confirmed {
		m.confirmed, m.confirmedAt = true, now
	}
	if s := m.ring[rep.Ack%ringSize]; m.awaiting && s.counter == rep.Ack {
		m.awaiting = false
		m.nextSend, m.retry = s.at.Add(h.cfg.Renew), h.cfg.RetryMin
	}
}

func (h *Hub) reject(r Reject, id uint32) Reject {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rejectLocked(r, id)
}

func (h *Hub) rejectLocked(r Reject, id uint32) Reject {
	h.stats.Rejected[r]++
	if n := h.stats.Rejected[r]; n&(n-1) == 0 { // 1, 2, 4, 8...: a flood cannot flood the log
		h.log.Warn("report rejected", "reason", r, "module", id, "count", n)
	}
	return r
}

func (h *Hub) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Run drives the Hub until ctx is done: a goroutine reads reports, and this
// one calls Tick when it is due or when SetLevel changes a level. The caller
// owns conn and closes it after Run returns.
func (h *Hub) Run(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.readLoop(ctx)
	}()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			_ = h.conn.SetReadDeadline(time.Unix(1, 0)) // unblock the reader
			<-done
			return nil
		case <-t.C:
		case <-h.wake:
		}
		next := h.Tick()
		t.Reset(max(wallWait(next.Sub(h.now()), h.cfg.Speed), 100*time.Microsecond))
	}
}

func (h *Hub) readLoop(ctx context.Context) {
	var buf [MsgSize + 1]byte // one more: an oversized datagram must not fit
	for {
		n, _, err := h.conn.ReadFromUDPAddrPort(buf[:])
		if err == nil {
			h.HandlePacket(buf[:n])
			continue
		}
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, net.ErrClosed) {
			h.log.Error("controller socket closed: no more reports", "err", err)
			return
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			continue
		}
		h.log.Warn("report read failed", "err", err)
		time.Sleep(10 * time.Millisecond) // a persistent error must not spin a core
	}
}
