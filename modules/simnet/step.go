package simnet

import (
	"fmt"

	"hearth/modules"
	"hearth/units"
)

// Step runs every event due up to now, in time order: datagrams arriving
// (handed to Hub.HandlePacket or Agent.Handle), the hub's Tick and each
// agent's Step at the times they asked for, as their Run loops would. The
// hub also ticks at once at the start, for a level set since the last Step.
// The clock ends at now; a now in the past runs nothing.
func (c *Channel) Step(now units.Time) {
	c.hubAt = min(c.hubAt, c.net.Now())
	for c.runNext(now) {
	}
	c.net.AdvanceTo(now)
}

// runNext runs the earliest event due by `by`, a datagram first, then the
// hub, then the agents in order; it reports false if none is due.
func (c *Channel) runNext(by units.Time) bool {
	at, ok := c.net.NextArrival()
	if !ok {
		at = never
	}
	who := -2 // a datagram
	if c.hubAt < at {
		at, who = c.hubAt, -1
	}
	for i := range c.mods {
		if m := &c.mods[i]; m.agent != nil && m.wake < at {
			at, who = m.wake, i
		}
	}
	if at > by {
		return false
	}
	switch who {
	case -2:
		c.net.Deliver(at)
	case -1:
		c.net.AdvanceTo(at)
		c.hubAt = max(c.hub.Tick(), at+1) // never the same instant twice
		c.net.Note("tick", uint64(c.hubAt))
	default:
		c.net.AdvanceTo(at)
		m := &c.mods[who]
		m.wake = max(m.agent.Step(), at+1)
		c.net.Note("step", uint64(who), uint64(m.wake))
	}
	return true
}

// Restart runs the i-th module's agent again, as its supervisor would after
// a crash, or starts it if it is stopped: a new modules.Agent on the same
// board and address, with the next session from the module's counter (1, 2,
// 3...). The run before it, if any, ends without a word.
func (c *Channel) Restart(i int) error {
	m := &c.mods[i]
	if m.session >= modules.MaxSession {
		return fmt.Errorf("simnet: module %d: %w", m.id, modules.ErrSessionsExhausted)
	}
	cfg := c.acfg
	cfg.Module, cfg.Key, cfg.Session, cfg.Controller = m.id, m.key, m.session+1, HubAddr()
	a, err := modules.NewAgent(cfg, m.ep, m.board, c.net.Now, c.log)
	if err != nil {
		return err
	}
	c.retire(m)
	m.session, m.agent = cfg.Session, a
	m.ep.SetDown(false)
	c.net.Note("start", uint64(i), m.session)
	a.Start()
	m.wake = c.net.Now() // Run steps at once after Start
	return nil
}

// Stop ends the i-th agent's run without a word (its board lost power, or
// it crashed and is not restarted): datagrams to it are dropped until
// Restart.
func (c *Channel) Stop(i int) {
	m := &c.mods[i]
	if m.agent == nil {
		return
	}
	c.retire(m)
	m.agent = nil
	m.ep.SetDown(true)
	c.net.Note("stop", uint64(i))
}

// retire folds the running agent's counters into the module's totals.
func (c *Channel) retire(m *chanModule) {
	if m.agent == nil {
		return
	}
	m.past = m.total()
}

func (m *chanModule) total() AgentTotals {
	t := m.past
	if m.agent == nil {
		return t
	}
	s := m.agent.Stats()
	t.Runs++
	t.Accepted += s.Accepted
	t.Reports += s.Reports
	t.SendErrors += s.SendErrors
	t.ApplyErrors += s.ApplyErrors
	for r, n := range s.Rejected {
		t.Rejected[r] += n
	}
	return t
}

// Stats returns the hub's, every agent's (summed over its runs) and the
// network's counters.
func (c *Channel) Stats() ChannelStats {
	s := ChannelStats{Hub: c.hub.Stats(), Net: c.net.Stats(), Agents: make([]AgentTotals, len(c.mods))}
	for i := range c.mods {
		s.Agents[i] = c.mods[i].total()
	}
	return s
}
