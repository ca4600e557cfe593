package sim

import (
	"hearth/hal"
	"hearth/units"
)

type moduleState uint8

const (
	moduleOff moduleState = iota
	moduleBooting
	moduleRunning
	moduleShutting
)

// Module is a compute module seen from its power feed: a relay, a power meter
// on the feed, and an agent that applies levels after a throttle delay, shuts
// down gracefully, and boots again when asked for a powered level.
type Module struct {
	Now           *units.Time
	IdleW, FullW  units.Watt
	ThrottleDelay units.Duration
	ShutdownTime  units.Duration
	BootTime      units.Duration
	// Lease is how long a command holds: an agent that hears nothing for
	// longer drops to idle at once, and shuts down after LeaseGrace more
	// (layer 4 of protection). 0 disables the lease.
	Lease      units.Duration
	LeaseGrace units.Duration

	// Faults.
	IgnoreThrottle bool // the agent never lowers its level
	IgnoreShutdown bool // the agent never shuts down
	Silent         bool // the agent neither answers nor obeys; the feed meter still reads

	// SoCC is the hottest board's temperature, written by the plant.
	SoCC units.Celsius

	relay     bool
	state     moduleState
	level     hal.Level // level the boards run at
	cmd       hal.Level // last command
	cmdAt     units.Time
	stateAt   units.Time
	lastReply units.Time
	replied   bool // the agent answered at its last step
	leaseTill units.Time
	status    hal.ModuleStatus
	power     units.Watt // cached draw, refreshed when the state changes
}

// Start puts the module in a steady state at level (a warm start).
func (m *Module) Start(l hal.Level) {
	m.cmd, m.cmdAt = l, *m.Now
	if _, on := l.Fraction(); on {
		m.relay, m.state, m.level = true, moduleRunning, l
	} else {
		m.relay, m.state, m.level = l != hal.LevelCut, moduleOff, hal.LevelOff
	}
	m.leaseTill = m.Now.Add(m.Lease)
	m.refresh()
}

// refresh recomputes the cached draw and the report after a change.
func (m *Module) refresh() {
	switch m.state {
	case moduleBooting, moduleShutting:
		m.power = m.IdleW
	case moduleRunning:
		f, _ := m.level.Fraction()
		m.power = m.IdleW + units.Watt(f)*(m.FullW-m.IdleW)
	default:
		m.power = 0
	}
	m.publish()
}

// SetLevel implements hal.ModulePower.
func (m *Module) SetLevel(l hal.Level) error {
	if l == hal.LevelCut {
		// The relay is hardware: it opens whatever the agent does.
		m.relay, m.state, m.level = false, moduleOff, hal.LevelOff
		m.refresh()
	} else {
		m.relay = true
	}
	if l != m.cmd {
		m.cmd, m.cmdAt = l, *m.Now
	}
	m.leaseTill = m.Now.Add(m.Lease)
	return nil
}

// wanted is the level the agent works toward: the command, or what its
// lease allows once the controller has gone quiet.
func (m *Module) wanted(now units.Time) hal.Level {
	if m.Lease <= 0 || now <= m.leaseTill {
		return m.cmd
	}
	if now > m.leaseTill.Add(m.LeaseGrace) {
		return min(m.cmd, hal.LevelOff)
	}
	return min(m.cmd, hal.LevelIdle)
}

// Command returns the last command.
func (m *Module) Command() hal.Level { return m.cmd }

// Advance runs the agent and the boards over one step.
func (m *Module) Advance() {
	now := *m.Now
	if !m.relay {
		m.state, m.level, m.power = moduleOff, hal.LevelOff, 0
		m.publish()
		return
	}
	if m.Silent {
		m.replied = false
		m.publish()
		return // a hung agent: the boards keep doing what they did
	}
	want := m.wanted(now)
	lapsed := want != m.cmd // the lease has run out: act at once
	_, wantOn := want.Fraction()
	switch m.state {
	case moduleOff:
		if wantOn {
			m.state, m.stateAt = moduleBooting, now
		}
	case moduleBooting:
		if now.Sub(m.stateAt) >= m.BootTime {
			m.state, m.level = moduleRunning, hal.LevelIdle
		}
	case moduleRunning:
		if want == m.level || (!lapsed && now.Sub(m.cmdAt) < m.ThrottleDelay) {
			break
		}
		switch {
		case !wantOn:
			if !m.IgnoreShutdown || lapsed {
				m.state, m.stateAt = moduleShutting, now
			}
		case want < m.level && m.IgnoreThrottle && !lapsed:
		default:
			m.level = want
		}
	case moduleShutting:
		if now.Sub(m.stateAt) >= m.ShutdownTime {
			m.state, m.level = moduleOff, hal.LevelOff
		}
	}
	m.replied, m.lastReply = true, now
	m.refresh()
}

// Power returns the module's electrical draw, all of which becomes heat in
// its oil.
func (m *Module) Power() units.Watt { return m.power }

// Level returns the level the boards actually run at (LevelOff when unpowered).
func (m *Module) Level() hal.Level {
	if m.state == moduleRunning {
		return m.level
	}
	return hal.LevelOff
}

// Powered reports whether the boards draw power.
func (m *Module) Powered() bool { return m.state != moduleOff }

// Status implements hal.ModulePower. The report is assembled when the
// module's state changes (publish), not on every read.
func (m *Module) Status() hal.ModuleStatus { return m.status }

// publish assembles what the controller can see of the module now: the feed
// meter always reads; the agent answers unless it hangs.
func (m *Module) publish() {
	now := *m.Now
	st := &m.status
	st.Relay, st.Power, st.BoardTemp = m.relay, m.power, m.SoCC
	st.Level = m.Level()
	switch {
	case !m.relay:
		// Nothing can answer without power; the feed meter reads zero.
		st.Status, st.At = hal.StatusOK, now
	case m.replied:
		st.Status, st.At = hal.StatusOK, m.lastReply
	default:
		st.Status, st.At = hal.StatusMissing, m.lastReply
	}
}
