package safety

import (
	"math"

	"hearth/hal"
	"hearth/units"
)

// Modules: what is believed of each module's power and boards, whether it
// counts as powered, its compliance, and the staggered start.

// unpoweredW is the most a feed meter reads on a module with no board
// running (a halted board draws well under a watt).
const unpoweredW = 5

// module is the record of one module.
type module struct {
	cmd   hal.Level  // what it was last told
	cmdAt units.Time // since when
	above timer      // running above its command, however often the command changed

	grantAt units.Time // when the stagger last let its level rise
	granted bool       // it has been let rise since the layer started

	relay   bool       // its relay was closed last tick
	relayAt units.Time // when the relay last closed (or the layer started with it closed)
	heard   bool       // its agent has answered since the relay closed

	answering bool // the agent answers, fresh
	report    bool // the agent's power report is believed
	board     bool // its board temperature is believed
	feed      bool // the feed meter's reading is believed
	power     units.Watt
	known     bool // power is known: from the feed meter, else a believed report
}

// judgeModules judges each module's report and feed meter, and tracks its
// relay for the boot grace.
func (l *Layer) judgeModules(in *hal.Inputs, now units.Time) {
	st := &l.st
	st.ModuleReports, st.ModuleFeeds, l.feedDisagrees = 0, 0, false
	for i := 0; i < in.NumModules; i++ {
		m, ms := &l.mods[i], &in.Module[i]
		if ms.Relay && (!m.relay || !l.started) {
			m.relayAt, m.heard = now, false
		}
		m.relay = ms.Relay
		answering := ms.Status == hal.StatusOK && now.Sub(ms.At) <= l.stale && ms.Level < hal.NumLevels
		if answering && ms.At >= m.relayAt {
			m.heard = true
		}
		f := &ms.Feed
		m.feed = f.OK() && now.Sub(f.At) <= l.stale && f.Value >= -unpoweredW && f.Value <= 10000
		power := ms.Power >= 0 && ms.Power <= 10000 // false for NaN
		if m.feed && power && math.Abs(float64(ms.Power-f.Value)) > 0.2*float64(f.Value)+20 {
			power = false // the agent's word against the meter's: the meter is the trusted witness
		}
		m.answering, m.report = answering, answering && power
		m.board = answering && ms.BoardTemp >= -20 && ms.BoardTemp <= 125
		switch {
		case !ms.Relay:
			m.power, m.known = 0, true
		case m.feed:
			m.power, m.known = max(f.Value, 0), true
		case m.report:
			m.power, m.known = ms.Power, true
		default:
			m.power, m.known = 0, false
		}
		if !m.report {
			st.ModuleReports |= 1 << i
		}
		if _, runs := ms.Level.Fraction(); ms.Relay && m.feed && f.Value < unpoweredW && answering && runs {
			l.feedDisagrees = true // the meter reads nothing, the agent says it runs: one of them lies
		}
		if ms.Feed.Status != hal.StatusMissing && !m.feed {
			st.ModuleFeeds |= 1 << i
		}
	}
}

// powered reports whether module i counts as powered: a closed relay does,
// unless a believed feed meter reads no power and the agent does not say
// it runs (an agent that says it runs against a meter that reads nothing
// counts as powered: one of them lies, and the safe side is powered). A
// report of no power, or none at all, never unpowers a closed relay.
func (l *Layer) powered(in *hal.Inputs, i int) bool {
	m, ms := &l.mods[i], &in.Module[i]
	switch {
	case !ms.Relay:
		return false
	case !m.feed || ms.Feed.Value >= unpoweredW:
		return true
	}
	_, runs := ms.Level.Fraction()
	return m.answering && runs
}

// anyPowered reports whether any module counts as powered, and the modules'
// power when every powered module's power is known.
func (l *Layer) anyPowered(in *hal.Inputs) (any bool, power units.Watt, known bool) {
	known = true
	for i := 0; i < in.NumModules; i++ {
		if l.powered(in, i) {
			any = true
		}
		power += l.mods[i].power
		known = known && l.mods[i].known
	}
	return any, power, known
}

// watchModules cuts, on its own, a module that runs above its command past
// its deadline, stays powered after its shutdown deadline, or stops
// answering (after its boot grace, if its relay just closed). It judges
// against what each module was told last tick.
func (l *Layer) watchModules(in *hal.Inputs, out *hal.Outputs, now units.Time) {
	cfg, st := &l.cfg, &l.st
	for i := 0; i < in.NumModules; i++ {
		m, ms := &l.mods[i], &in.Module[i]
		since := now.Sub(m.cmdAt).Seconds()
		bad := false
		above := ms.Relay && m.cmd >= hal.LevelIdle && ms.Status == hal.StatusOK && ms.Level > m.cmd
		aboveLong := m.above.held(above, now, cfg.ThrottleDeadlineS)
		booting := !m.heard && now.Sub(m.relayAt).Seconds() <= cfg.BootGraceS
		switch {
		case !ms.Relay:
		case !booting && now.Sub(ms.At).Seconds() > cfg.SilentS:
			bad = true // nobody answers for it: it cannot be vouched for
		case above:
			bad = aboveLong
		case m.cmd <= hal.LevelOff && l.powered(in, i):
			bad = since > cfg.ShutdownDeadlineS
		}
		if bad && st.Isolated&(1<<i) == 0 {
			st.Isolated |= 1 << i
			st.Cap[i] = hal.LevelCut
			out.Module[i] = hal.LevelCut
		}
		if out.Module[i] != m.cmd {
			m.cmd, m.cmdAt = out.Module[i], now
		}
	}
	if st.Isolated != 0 {
		st.Alarms |= CauseModule.Bit()
		out.Alarm = true
	}
}

// stagger lets the modules' levels rise one step of one module at a time,
// at most one step per StartStepS, first module first: after boot, a reset,
// a watchdog's restart or a restore the modules come on one by one, and no
// step on the home's supply exceeds one module. Levels at or below off draw
// nothing and pass freely; so does every fall. A module is allowed what it
// was told last tick, or what it runs at when it answers lower than that by
// more than a step (its lease ran out while the controller was away, and it
// idled): it climbs from where it runs. A module one step behind its
// command is only applying it, unless it was let rise more than StartStepS
// ago and another module lags the same way: several modules idled together
// one step below their commands (a stall of a few seconds at 25 %) would
// otherwise rise together by more than one module. A module whose agent
// has not answered since its relay closed is booting: it is held at idle
// (its boot's draw), and the next module's step may come meanwhile.
func (l *Layer) stagger(in *hal.Inputs, out *hal.Outputs, n int, now units.Time) {
	due := !l.stepped || now.Sub(l.stepAt).Seconds() >= l.cfg.StartStepS
	lagging := 0
	for i := 0; i < n; i++ {
		if l.lagsOneStep(in, i, now) {
			lagging++
		}
	}
	for i := 0; i < n; i++ {
		ms := &in.Module[i]
		if ms.Relay && !l.mods[i].heard {
			out.Module[i] = min(out.Module[i], hal.LevelIdle) // booting: idle until its agent answers
		}
		want, allowed := out.Module[i], l.prevOut.Module[i]
		if l.mods[i].answering && ms.Relay && (ms.Level+1 < allowed || lagging > 1 && l.lagsOneStep(in, i, now)) {
			allowed = ms.Level
		}
		if want <= hal.LevelOff || want <= allowed {
			continue
		}
		if !due {
			out.Module[i] = max(allowed, hal.LevelOff)
			continue
		}
		out.Module[i] = min(want, max(allowed+1, hal.LevelIdle))
		due, l.stepped, l.stepAt = false, true, now
		l.mods[i].granted, l.mods[i].grantAt = true, now
	}
}

// lagsOneStep reports that module i answers one level below what it was
// last allowed, and was not let rise to it within StartStepS: it is not
// applying a step, it fell back (its lease ran out while the controller was
// away).
func (l *Layer) lagsOneStep(in *hal.Inputs, i int, now units.Time) bool {
	ms, m := &in.Module[i], &l.mods[i]
	if !m.answering || !ms.Relay || ms.Level+1 != l.prevOut.Module[i] || l.prevOut.Module[i] <= hal.LevelIdle {
		return false
	}
	return !m.granted || now.Sub(m.grantAt).Seconds() >= l.cfg.StartStepS
}
