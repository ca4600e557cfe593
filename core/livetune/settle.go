package livetune

import (
	"errors"
	"math"

	"hearth/pid"
	"hearth/units"
)

// settle is a session's first stage on a loop with Plan.OffsetK: a copy of
// the loop's PID holds the measurement OffsetK below the operating point
// until it has settled there, so that the relay starts from rest, as
// `hearth tune`'s does, and the fit has a static gain and a step.
type settle struct {
	pid      pid.Controller
	on       bool       // begun
	offset   float64    // the offset now held (OffsetK; 0 once fallen back)
	u0       float64    // the output that held the operating point at the start
	began    units.Time // this attempt's start
	winStart units.Time // the steady window's start
	lo, hi   float64    // the output's range over the window
}

// init prepares a session's settling on the loop's configuration (the
// gains the loop runs with). It allocates nothing per tick.
func (t *settle) init(cfg pid.Config) error {
	c, err := pid.New(cfg)
	if err != nil {
		return err
	}
	*t = settle{pid: c}
	return nil
}

// atLimit says why an output at one of the loop's limits gives no
// operating point to tune around, or nil.
func atLimit(c *pid.Config, u float64) error {
	margin := 0.05 * (c.OutMax - c.OutMin)
	if u > c.OutMin+margin/2 && u < c.OutMax-margin/2 {
		return nil
	}
	return errors.New("aborted: the loop's output is at its limit (" + fmtG(u) +
		"): it does not hold its setpoint now, there is no operating point to tune around")
}

// settleStep holds the loop below its operating point for one step. It
// returns the output and held true while settling, or, once settled, the
// output the plant rests at and held false: the relay starts. A loop that
// does not settle below within MaxSettle falls back to settling at the
// operating point (Status.Note says so); one that settles at neither
// aborts.
func (s *Session) settleStep(setpoint, measurement, last float64, now units.Time) (float64, bool, error) {
	t, p := &s.set, &s.plan
	if !t.on {
		if err := atLimit(&s.pidC, last); err != nil {
			return 0, false, err
		}
		t.on, t.offset, t.u0 = true, p.OffsetK, last
		t.restart(now, last)
		s.st.Settling, s.st.Offset = true, t.offset
	}
	target := setpoint - t.offset
	u := t.pid.Update(target, measurement, 0, now)
	s.st.Setpoint, s.st.Output = target, u
	t.lo, t.hi = min(t.lo, u), max(t.hi, u)
	if math.Abs(measurement-target) > p.OffsetK/4 || t.hi-t.lo > 0.05*(s.pidC.OutMax-s.pidC.OutMin) {
		t.winStart, t.lo, t.hi = now, u, u // not steady: the window starts again
	}
	if now.Sub(t.winStart) >= p.SettleWindow && atLimit(&s.pidC, u) == nil {
		s.st.Settling, s.st.SettledIn, s.st.Offset = false, now.Sub(t.began), t.offset
		return u, false, nil
	}
	if now.Sub(t.began) < p.MaxSettle {
		return u, true, nil
	}
	if t.offset == 0 {
		return 0, false, errors.New("aborted: the loop did not settle at its setpoint within " + p.MaxSettle.String())
	}
	s.st.Note = "the loop did not settle " + fmtG(t.offset) + " K below its setpoint within " + p.MaxSettle.String() +
		" (output " + fmtG(u) + "): settling at the setpoint instead, for a relay there without a model"
	t.offset = 0
	t.restart(now, u)
	s.st.Offset = 0
	return u, true, nil
}

// restart begins an attempt at now from output u.
func (t *settle) restart(now units.Time, u float64) {
	t.pid.Reset(u)
	t.began, t.winStart, t.lo, t.hi = now, now, u, u
}
