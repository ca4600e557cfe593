package simnet

import (
	"hearth/hal"
	"hearth/units"
)

// The VOPR's schedule: at every step, with rates per second, commands,
// escalation resets, partitions, agent crashes and an attacker's replays and
// forgeries, all drawn from the world's seed.

// levelWeights is how often each level is commanded: mostly running levels,
// sometimes a graceful shutdown or a cut.
var levelWeights = [hal.NumLevels]int{hal.LevelCut: 4, hal.LevelOff: 6, hal.LevelIdle: 15,
	hal.Level25: 18, hal.Level50: 19, hal.Level75: 19, hal.Level100: 19}

func (w *world) chance(perSecond float64) bool {
	return w.rng.Float64() < perSecond*w.dt.Seconds()
}

func (w *world) drawLevel() hal.Level {
	n := w.rng.IntN(100)
	for l, wt := range levelWeights {
		if n < wt {
			return hal.Level(l)
		}
		n -= wt
	}
	return hal.Level100
}

// act draws this step's events for every module.
func (w *world) act(now units.Time) {
	for i, m := range w.mods {
		p := w.c.Power(i)
		if now >= m.nextCmd {
			w.commandNext(i, now)
		}
		if p.Escalated() && w.chance(0.05) {
			p.ResetEscalation()
			w.c.Net().Note("reset", uint64(i))
			w.figs.resets++
		}
		if w.chance(1.0 / 30) {
			d := w.draw(200*ms, 12*units.Second)
			if w.rng.Float64() < 0.15 {
				d = w.draw(35*units.Second, 60*units.Second) // past the lease and the grace period
			}
			w.c.Net().Partition(AgentAddr(i), HubAddr(), now.Add(d))
			w.figs.partitions++
		}
		if w.chance(1.0 / 40) {
			w.crash(i, now)
		}
		if w.chance(1.0 / 60) {
			w.stick(i, now)
		}
		if w.chance(0.5) {
			w.inject(i, w.rng.IntN(16))
		}
	}
}

// commandNext commands module i a random level and picks how long it holds:
// mostly seconds, sometimes past every deadline.
func (w *world) commandNext(i int, now units.Time) {
	m := w.mods[i]
	l := w.drawLevel()
	if !m.commanded && l < hal.LevelIdle {
		l = hal.Level100
	}
	w.c.Net().Note("cmd", uint64(i), uint64(l))
	m.command(l, now)
	_ = w.c.Power(i).SetLevel(l)
	w.figs.commands++
	m.nextCmd = now.Add(w.draw(200*ms, 8*units.Second))
	if w.rng.Float64() < 0.4 {
		m.nextCmd = now.Add(w.draw(8*units.Second, 40*units.Second))
	}
}

// inject has the attacker send again something module i's agent, or the
// hub, already got: as it was, or with one bit flipped.
func (w *world) inject(i, age int) {
	to := AgentAddr(i)
	if w.rng.IntN(3) == 0 {
		to = HubAddr()
	}
	ok := false
	if w.rng.IntN(4) == 0 {
		ok = w.c.Net().Forge(to, age)
	} else {
		ok = w.c.Net().Replay(to, age)
	}
	if ok {
		w.figs.injections++
	}
}
