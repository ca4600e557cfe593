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
//
// The relay follows modules.Power: LevelCut opens it at once; idle and above
// close it; LevelOff leaves it as it is (closed for the graceful shutdown,
// or open) and opens it OffDeadline after the Off command. The feed meter
// reads the true draw at every step. The agent answers only while its
// boards run or shut down: not while the relay is open, not while it boots
// (BootTime from the moment it starts), not once it has halted.
type Module struct {
	Now           *units.Time
	IdleW, FullW  units.Watt
	ThrottleDelay units.Duration
	ShutdownTime  units.Duration
	BootTime      units.Duration
	// OffDeadline is how long after an Off command the relay opens, as the
	// hub does once the graceful shutdown has had its time.
	OffDeadline units.Duration
	// Lease is how long a command holds: an agent that hears nothing for
	// longer drops to idle at once, and shuts down after LeaseGrace more
	// (layer 4 of protection). 0 disables the lease.
	Lease      units.Duration
	LeaseGrace units.Duration

	// Faults.
	IgnoreThrottle bool // the agent never lowers its level
	IgnoreShutdown bool // the agent never shuts down
	Silent         bool // the agent neither answers nor obeys; the feed meter still reads
	// FalsePower makes the agent report FalsePowerW (NaN, negative, a
	// per-board figure...) as its draw; the feed meter reads the truth.
	FalsePower  bool
	FalsePowerW units.Watt

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
	restamp   bool // Start's times are to be stamped again at the first contact
	leaseTill units.Time
	status    hal.ModuleStatus
	power     units.Watt // cached draw, refreshed when the state changes
}

// Start puts the module in a steady state at level (a warm start).
func (m *Module) Start(l hal.Level) {
	m.cmd, m.cmdAt = l, *m.Now
	// The plant may be built at a time other than the one its run starts
	// at: the times stamped here are stamped again at the first contact.
	m.restamp = true
	m.replied = true
	m.lastReply = *m.Now
	if _, on := l.Fraction(); on {
		m.relay, m.state, m.level = true, moduleRunning, l
	} else {
		// Off or cut: the relay open, the agent silent.
		m.relay, m.state, m.level, m.replied = false, moduleOff, hal.LevelOff, false
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

// stamp moves the times Start stamped to now: the run's first contact. The
// lease is left as Start set it: the first command renews it.
func (m *Module) stamp() {
	if m.restamp {
		m.restamp = false
		m.cmdAt, m.lastReply = *m.Now, *m.Now
	}
}

// SetLevel implements hal.ModulePower.
func (m *Module) SetLevel(l hal.Level) error {
	m.stamp()
	switch {
	case l == hal.LevelCut:
		// The relay is hardware: it opens whatever the agent does.
		m.open()
	case l >= hal.LevelIdle:
		m.relay = true
	} // LevelOff keeps the relay as it is; Advance opens it at the deadline.
	if l != m.cmd {
		m.cmd, m.cmdAt = l, *m.Now
	}
	m.leaseTill = m.Now.Add(m.Lease)
	return nil
}

// open opens the relay: the boards lose power and the agent falls silent.
func (m *Module) open() {
	if m.relay || m.state != moduleOff {
		m.relay, m.state, m.level, m.replied = false, moduleOff, hal.LevelOff, false
		m.refresh()
	}
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
	m.stamp()
	now := *m.Now
	if m.relay && m.cmd == hal.LevelOff && now.Sub(m.cmdAt) >= m.OffDeadline {
		m.open() // the graceful shutdown has had its time
	}
	if !m.relay {
		m.state, m.level, m.power, m.replied = moduleOff, hal.LevelOff, 0, false
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
		// Boards that halted with the relay still closed start again when
		// a powered level is asked for; so do boards just powered.
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
	// The agent answers while its boards run or shut down; booting or
	// halted, nobody is there to answer.
	m.replied = m.state == moduleRunning || m.state == moduleShutting
	if m.replied {
		m.lastReply = now
	}
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
// meter always reads the true draw; the agent's word (power, board
// temperature, level) is what it said when it last answered.
func (m *Module) publish() {
	now := *m.Now
	st := &m.status
	st.Relay = m.relay
	st.Feed = hal.Sample[units.Watt]{Value: m.power, At: now, Status: hal.StatusOK}
	if !m.replied {
		st.Status, st.At = hal.StatusMissing, m.lastReply
		return
	}
	st.Power, st.BoardTemp, st.Level = m.power, m.SoCC, m.Level()
	if m.FalsePower {
		st.Power = m.FalsePowerW
	}
	st.Status, st.At = hal.StatusOK, m.lastReply
}

// Answering reports whether the module's agent answers now: its boards run
// or shut down, and it is not hung.
func (m *Module) Answering() bool { return m.replied }
