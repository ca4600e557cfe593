package safety

import (
	"hearth/hal"
	"hearth/units"
)

// The oil-in pair votes with a third witness. Two probes measure the oil
// into the modules; when they disagree, the oil in as the oil out and the
// modules' heat imply it decides which one lies:
//
//	oil in = oil out - (power - C_modules x d(oil out)/dt) / (flow x cp)
//
// (the modules' heat balance, with the heat their oil stores as it warms).
// A probe the estimate has shown farther off than its twin by half the
// disagreement band, for VoteS on end, is voted out: excluded from safety's
// limits and from control (Status.Untrusted), the layer degraded, until an
// engineer's reset finds the pair agreeing again. With no estimate (no
// proven flow, no oil-out probe, power unknown) there is no evidence, and
// the hotter probe governs.

// vote is the state of the oil-in pair.
type vote struct {
	excluded hal.TempID // the probe voted out, or hal.NumTemps
	against  [2]timer   // evidence against a, against b
	value    units.Celsius
	known    bool
	est      units.Celsius // the third witness's estimate, when estOK
	estOK    bool
}

// voteOilIn updates the pair's vote and the governing oil-in value: the
// hotter of the believed probes not voted out.
func (l *Layer) voteOilIn(now units.Time) {
	v, cfg := &l.oil, &l.cfg
	a, b := &l.probes[hal.TempOilInA], &l.probes[hal.TempOilInB]
	ka, kb := l.known(hal.TempOilInA, now), l.known(hal.TempOilInB, now)
	v.est, v.estOK = l.bal.oilInEstimate(l)
	band := units.Celsius(cfg.DisagreeK)
	apart := ka && kb && (a.value-b.value > band || b.value-a.value > band)
	var da, db units.Celsius
	if v.estOK {
		da, db = abs(a.value-v.est), abs(b.value-v.est)
	}
	if v.excluded == hal.NumTemps {
		switch {
		case v.against[0].held(apart && v.estOK && da-db > band/2, now, cfg.VoteS):
			v.excluded = hal.TempOilInA
		case v.against[1].held(apart && v.estOK && db-da > band/2, now, cfg.VoteS):
			v.excluded = hal.TempOilInB
		}
	}
	ka = ka && v.excluded != hal.TempOilInA
	kb = kb && v.excluded != hal.TempOilInB
	switch {
	case ka && kb:
		v.value, v.known = max(a.value, b.value), true
	case ka:
		v.value, v.known = a.value, true
	case kb:
		v.value, v.known = b.value, true
	default:
		v.known = false
	}
}

// clearVote gives a voted-out probe back after an engineer's reset, once the
// pair agrees again (the probe was mended or replaced).
func (l *Layer) clearVote(now units.Time) {
	v := &l.oil
	a, b := &l.probes[hal.TempOilInA], &l.probes[hal.TempOilInB]
	if v.excluded < hal.NumTemps && l.known(hal.TempOilInA, now) && l.known(hal.TempOilInB, now) &&
		abs(a.value-b.value) <= units.Celsius(l.cfg.DisagreeK) {
		v.excluded = hal.NumTemps
		v.against[0].on, v.against[1].on = false, false
	}
}

func abs(c units.Celsius) units.Celsius {
	if c < 0 {
		return -c
	}
	return c
}
