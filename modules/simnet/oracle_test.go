package simnet

import (
	"encoding/binary"
	"fmt"

	"hearth/hal"
	"hearth/modules"
	"hearth/units"
)

// oracle is what the VOPR knows of a module from the outside: the leases its
// agent accepted and the reports the hub accepted (read off the wire, from
// the format in docs/modules.md), the commands given and the relay's moves.
type oracle struct {
	// The agent's current run.
	runStart    units.Time
	shutAtStart int
	leased      bool // accepted a lease in this run
	leaseLevel  hal.Level
	leaseUntil  units.Time

	// The hub's view.
	hubSession      uint64
	sessionAt       units.Time
	heardSinceClose bool
	closedAt        units.Time

	// The command.
	commanded bool
	cmd       hal.Level
	cmdAt     units.Time
	lowering  bool

	// The hub accepted a report showing the board above the command, the
	// first of them at overSince, and none at or below it since.
	over      bool
	overSince units.Time

	// The relay last opened at or after the hub's deadline, and whether the
	// hub had latched an escalation at the last look.
	openedLate bool
	escalated  bool
}

func (o *oracle) agentStarted(now units.Time, shutdowns int) {
	o.runStart, o.shutAtStart, o.leased = now, shutdowns, false
}

func (o *oracle) relayClosed(now units.Time) { o.closedAt, o.heardSinceClose = now, false }

func (o *oracle) command(l hal.Level, now units.Time) {
	if o.commanded && l == o.cmd {
		return // the hub ignores it too
	}
	o.lowering = o.commanded && l < o.cmd
	o.commanded, o.cmd, o.cmdAt, o.over = true, l, now, false
}

// observe takes every datagram that came due.
func (w *world) observe(d Delivery) {
	if d.Fate != Delivered {
		return
	}
	w.figs.delivered[d.How]++
	toHub := d.To == HubAddr()
	if d.Result != modules.Accepted {
		if toHub {
			w.figs.hubRejects[d.Result]++
		} else {
			w.figs.agentRejects[d.Result]++
		}
		if d.How != Original {
			w.figs.injectedRejected++
		}
		return
	}
	if d.How != Original && w.fail == nil {
		w.fail = fmt.Errorf("a %v datagram to %v was accepted at %v", d.How, d.To, d.At)
	}
	if len(d.Data) != modules.MsgSize {
		return
	}
	id := binary.BigEndian.Uint32(d.Data[4:8])
	o := &w.mods[id-1].oracle
	if toHub {
		if s := binary.BigEndian.Uint64(d.Data[16:24]); s != o.hubSession {
			o.hubSession, o.sessionAt = s, d.At
		}
		o.heardSinceClose = true
		switch above := hal.Level(d.Data[24]) > o.cmd; {
		case above && !o.over:
			o.over, o.overSince = true, d.At
		case !above:
			o.over = false
		}
		return
	}
	ttl := units.Duration(binary.BigEndian.Uint32(d.Data[28:32])) * units.Millisecond
	o.leased, o.leaseLevel, o.leaseUntil = true, hal.Level(d.Data[24]), d.At.Add(min(ttl, w.acfg.MaxLease))
}

// check holds every invariant at now, after the world has reacted.
func (w *world) check(now units.Time) error {
	if w.fail != nil {
		return w.fail
	}
	for i, m := range w.mods {
		if err := w.checkAgent(m, now); err != nil {
			return fmt.Errorf("module %d (%v): %w", i, m.state, err)
		}
		if err := w.checkRelay(m, now); err != nil {
			return fmt.Errorf("module %d (%v): %w", i, m.state, err)
		}
	}
	return nil
}

// checkAgent: (a) the board never runs above the lease its agent holds, idles
// the instant it ends, and is shut down once a grace period has passed
// without one. A board whose cpufreq refuses writes is exempt from the first
// two until its agent's next retry (its next step, within a report period).
func (w *world) checkAgent(m *vmod, now units.Time) error {
	if m.state != running && m.state != halting {
		return nil
	}
	held := m.leased && now < m.leaseUntil
	stuck := m.board.failApply || now < m.stuckUntil.Add(w.acfg.ReportEvery+w.dt)
	switch {
	case stuck:
	case held && m.board.level > m.leaseLevel:
		return fmt.Errorf("board at %v above its lease at %v (until %v)", m.board.level, m.leaseLevel, m.leaseUntil)
	case !held && m.board.level > hal.LevelIdle:
		return fmt.Errorf("board at %v without a lease (last ended %v, leased %v)", m.board.level, m.leaseUntil, m.leased)
	}
	from := m.runStart
	if m.leased {
		from = max(from, m.leaseUntil)
	}
	if !held && now >= from.Add(w.acfg.Grace) && m.board.shutdowns == m.shutAtStart {
		return fmt.Errorf("no lease since %v and no shutdown after the %v grace period", from, w.acfg.Grace)
	}
	return nil
}

// deadline is when the hub may open m's relay for want of an answer: its
// deadline runs from the command, or from the hub hearing a new session, or
// from the end of the boot grace while the hub has not heard the module since
// its relay closed (docs/modules.md).
func (w *world) deadline(m *vmod) units.Time {
	from := max(m.cmdAt, m.sessionAt)
	if !m.heardSinceClose {
		from = max(from, m.closedAt.Add(w.hcfg.BootGrace))
	}
	if m.cmd == hal.LevelOff {
		return from.Add(w.hcfg.OffDeadline)
	}
	return from.Add(w.hcfg.ThrottleDeadline)
}

// checkRelay: (c) a cut module's relay is open; a graceful shutdown's relay
// opens by its deadline; no escalation comes before its deadline; and a
// board running above its command on a closed relay is cut by the deadline
// of what the hub knows (runningAbove).
func (w *world) checkRelay(m *vmod, now units.Time) error {
	esc := w.c.Power(m.relay.i).Escalated()
	if esc && !m.escalated && !m.openedLate {
		return fmt.Errorf("escalated before its deadline %v (command %v at %v)", w.deadline(m), m.cmd, m.cmdAt)
	}
	m.escalated = esc
	if !m.commanded || !m.relay.closed {
		return nil
	}
	switch {
	case m.cmd == hal.LevelCut:
		return fmt.Errorf("relay closed while cut (since %v)", m.cmdAt)
	case m.cmd == hal.LevelOff && now >= w.deadline(m):
		return fmt.Errorf("relay still closed after off at %v (deadline %v)", m.cmdAt, w.deadline(m))
	case m.cmd >= hal.LevelIdle && m.board.level > m.cmd && m.state != unpowered && m.state != booting && m.state != halted:
		return w.runningAbove(m, now)
	}
	return nil
}

// runningAbove: the board runs above its command on a closed relay, its
// agent alive or not. If it has run since before the command was given (a
// lower level its agent did not take, or a dead or hung agent) the hub must
// have cut it by the command's deadline: it had no acknowledgement. If its
// agent started since (a board that boots stuck above idle), the hub can
// only act on what it hears: it must cut it by the deadline running from the
// first report it accepted showing the board above the command.
func (w *world) runningAbove(m *vmod, now units.Time) error {
	switch {
	case m.lowering && m.runStart <= m.cmdAt && now >= w.deadline(m):
		return fmt.Errorf("board at %v on a closed relay after a lower level %v at %v (deadline %v)",
			m.board.level, m.cmd, m.cmdAt, w.deadline(m))
	case m.over && now >= max(w.deadline(m), m.overSince.Add(w.hcfg.ThrottleDeadline)):
		return fmt.Errorf("board at %v on a closed relay, reported above its command %v since %v (command at %v)",
			m.board.level, m.cmd, m.overSince, m.cmdAt)
	}
	return nil
}

// checkCounts: (b) every refusal the network saw is in the receivers'
// counters, reason by reason.
func (w *world) checkCounts() error {
	s := w.c.Stats()
	var agents [modules.NumRejects]uint64
	for _, a := range s.Agents {
		for r, n := range a.Rejected {
			agents[r] += n
		}
	}
	if agents != w.figs.agentRejects || s.Hub.Rejected != w.figs.hubRejects {
		return fmt.Errorf("refusals seen %v (agents) %v (hub), counted %v %v",
			w.figs.agentRejects, w.figs.hubRejects, agents, s.Hub.Rejected)
	}
	return nil
}
