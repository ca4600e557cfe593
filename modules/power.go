package modules

import (
	"fmt"

	"hearth/hal"
	"hearth/units"
)

// Power is one module's hal.ModulePower over the channel and its relay.
//
// SetLevel never waits on the network: it records the level and wakes the
// Hub, which sends it and retransmits until the agent acknowledges. LevelCut
// also opens the relay at once, in the caller's goroutine, whatever the
// network does. LevelOff leaves the relay closed for the graceful shutdown
// and opens it after HubConfig.OffDeadline. A lower level the agent does not
// acknowledge within its deadline opens the relay too, and that escalation
// is latched until ResetEscalation.
type Power struct {
	h *Hub
	i int
}

var _ hal.ModulePower = (*Power)(nil)

// Module returns the module id.
func (p *Power) Module() uint32 { return p.h.mods[p.i].cfg.ID }

// SetLevel commands level l. Calling it again with the same level is cheap
// and changes nothing (the control loop calls it every cycle).
func (p *Power) SetLevel(l hal.Level) error {
	if l >= hal.NumLevels {
		return fmt.Errorf("modules: module %d: no such level %d", p.Module(), l)
	}
	h := p.h
	now := h.now()
	h.mu.Lock()
	m := &h.mods[p.i]
	if m.commanded && l == m.desired {
		retry := l == hal.LevelCut && m.relayDirty
		h.mu.Unlock()
		if retry {
			return h.syncRelay(p.i)
		}
		return nil
	}
	prev, had := m.desired, m.commanded
	m.commanded, m.desired, m.desiredAt = true, l, now
	m.lowering = had && l < prev
	m.levelCounter, m.acked, m.safe, m.over, m.confirmed = 0, false, false, false, false
	m.nextSend, m.retry, m.awaiting = now, h.cfg.RetryMin, false // a fresh burst of retransmissions
	want := m.relayWant
	switch {
	case l == hal.LevelCut:
		want = false
	case l >= hal.LevelIdle:
		want = !m.escalated
	} // LevelOff keeps the relay as it is: closed for the shutdown, or open.
	if want != m.relayWant || !had {
		m.relayWant, m.relayDirty = want, true
		if want {
			m.relayClosedAt, m.heardSinceClose = now, false
		}
	}
	h.mu.Unlock()
	h.log.Info("module level commanded", "module", m.cfg.ID, "level", l, "previous", prev)
	h.poke()
	if l == hal.LevelCut {
		return h.syncRelay(p.i)
	}
	return nil
}

// Status reports the last level, power and board temperature the agent
// acknowledged, when it last answered, and whether the relay is closed.
// Status is StatusOK while reports arrive within HubConfig.MissingAfter.
func (p *Power) Status() hal.ModuleStatus {
	h := p.h
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	m := &h.mods[p.i]
	s := hal.ModuleStatus{
		Relay:     m.relayClosed,
		Level:     m.rep.Level,
		Power:     m.rep.Power,
		BoardTemp: m.rep.BoardTemp,
		At:        m.lastAt,
		Status:    hal.StatusMissing,
	}
	if m.heard && now.Sub(m.lastAt) <= h.cfg.MissingAfter {
		s.Status = hal.StatusOK
	}
	return s
}

// Confirmed reports the level last commanded and, if the agent has reported
// running at exactly that level since, when that report arrived.
func (p *Power) Confirmed() (l hal.Level, at units.Time, ok bool) {
	h := p.h
	h.mu.Lock()
	defer h.mu.Unlock()
	m := &h.mods[p.i]
	return m.desired, m.confirmedAt, m.confirmed
}

// Escalated reports whether the relay was cut because the module did not
// acknowledge a lower level in time.
func (p *Power) Escalated() bool {
	h := p.h
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mods[p.i].escalated
}

// ResetEscalation clears the latch set by an escalation: an operator's
// decision, never the network's. If the level commanded is idle or above the
// relay closes again, and the board gets HubConfig.BootGrace to come back.
func (p *Power) ResetEscalation() {
	h := p.h
	now := h.now()
	h.mu.Lock()
	m := &h.mods[p.i]
	if !m.escalated {
		h.mu.Unlock()
		return
	}
	m.escalated = false
	if m.commanded && m.desired >= hal.LevelIdle {
		m.relayWant, m.relayDirty = true, true
		m.relayClosedAt, m.heardSinceClose = now, false
	}
	h.mu.Unlock()
	h.log.Info("escalation reset", "module", p.Module())
	h.poke()
}
