package simnet

import (
	"fmt"
	"math/rand/v2"

	"hearth/hal"
	"hearth/modules"
	"hearth/units"
)

// The VOPR's world: each module's boards take power through its relay. An
// open relay kills the boards and their agent at once; a closed one boots
// them, and the agent starts (a new session) after a boot time. A board
// whose agent ran its shutdown halts a while later and stays dead, powered,
// until the relay cycles. The world reacts after every Step.

type powerState uint8

const (
	unpowered powerState = iota
	booting              // relay closed, agent not yet running
	running              // the agent runs
	crashed              // the agent died or hangs, the boards run on; it starts again at until
	halting              // the shutdown ran; the boards halt at until
	halted               // powered, dead, until the relay cycles
)

var powerNames = [...]string{"unpowered", "booting", "running", "crashed", "halting", "halted"}

func (s powerState) String() string { return powerNames[s] }

// vrelay is a module's relay; it tells the oracle when it moves.
type vrelay struct {
	w      *world
	i      int
	closed bool
}

func (r *vrelay) Set(on bool) error {
	m, now := r.w.mods[r.i], r.w.c.Now()
	switch {
	case on && !r.closed:
		m.relayClosed(now)
	case !on && r.closed:
		m.openedLate = now >= r.w.deadline(m)
	}
	r.closed = on
	return nil
}

// vmod is one module: its hardware, its power state and what the oracle
// knows of it.
type vmod struct {
	board   board
	relay   vrelay
	state   powerState
	until   units.Time
	nextCmd units.Time // when the schedule commands it next
	// stuckUntil: the boards' cpufreq refuses writes until then (a fault).
	stuckUntil units.Time
	oracle
}

type world struct {
	seed  uint64
	rng   *rand.Rand
	c     *Channel
	mods  []*vmod
	hcfg  modules.HubConfig
	acfg  modules.AgentConfig
	dt    units.Duration
	figs  figures
	fail  error
	start units.Time
}

// react applies what the relays and the boards did during the last Step.
func (w *world) react(now units.Time) error {
	for i, m := range w.mods {
		if m.board.failApply && now >= m.stuckUntil {
			m.board.failApply = false
		}
		powered := m.relay.closed
		switch {
		case !powered && m.state != unpowered:
			w.c.Stop(i)
			m.state, m.board.level = unpowered, hal.LevelCut
			w.c.Net().Note("power", uint64(i), 0)
		case powered && m.state == unpowered:
			m.state, m.until = booting, now.Add(w.draw(500*ms, 20*units.Second))
			if w.rng.IntN(10) == 0 {
				m.until = now.Add(w.draw(20*units.Second, 80*units.Second)) // past the boot grace
			}
		case (m.state == booting || m.state == crashed) && now >= m.until:
			if err := w.startAgent(i, now); err != nil {
				return err
			}
		case m.state == running && m.board.shutdowns > m.shutAtStart:
			m.state, m.until = halting, now.Add(w.draw(2*units.Second, 20*units.Second))
		case m.state == halting && now >= m.until:
			w.c.Stop(i)
			m.state, m.board.level = halted, hal.LevelOff
		}
	}
	return nil
}

func (w *world) startAgent(i int, now units.Time) error {
	m := w.mods[i]
	m.board.level = hal.Level100 // unknown until the agent caps it: assume the worst
	m.agentStarted(now, m.board.shutdowns)
	if err := w.c.Restart(i); err != nil {
		return fmt.Errorf("module %d: restart: %w", i, err)
	}
	m.state = running
	w.figs.runs++
	if w.rng.Float64() < 0.7 { // replay what the previous run got: cross-session
		w.inject(i, w.rng.IntN(5))
	}
	return nil
}

// crash kills a running agent, or hangs it, leaving its boards at the level
// they run at: its supervisor restarts it shortly; a hung one is restarted
// by a watchdog much later.
func (w *world) crash(i int, now units.Time) {
	m := w.mods[i]
	if m.state != running {
		return
	}
	w.c.Stop(i)
	m.state, m.until = crashed, now.Add(w.draw(50*ms, 3*units.Second))
	if w.rng.IntN(3) == 0 {
		m.until = now.Add(w.draw(5*units.Second, 60*units.Second))
	}
	w.figs.crashes++
}

// stick makes module i's cpufreq refuse writes for a while: its agent
// cannot change the level, reports the one it runs at, and retries.
func (w *world) stick(i int, now units.Time) {
	m := w.mods[i]
	m.board.failApply, m.stuckUntil = true, now.Add(w.draw(ms, 20*units.Second))
	w.c.Net().Note("stuck", uint64(i), uint64(m.stuckUntil))
	w.figs.stuck++
}

// draw returns a uniform duration in [lo, hi).
func (w *world) draw(lo, hi units.Duration) units.Duration {
	return lo + units.Duration(w.rng.Int64N(int64(hi-lo)))
}
