package livetune

import (
	"errors"
	"math"

	"hearth/pid"
	"hearth/units"
)

// settle is a session's first stage on a loop with Plan.OffsetK: a copy of
// the loop's PID holds the measurement at the operating point until it has
// settled there (its mean output there is what holds the operating point),
// then OffsetK below until it has settled again, so that the relay starts
// from rest, as `hearth tune`'s does, its first bias the output that held
// the operating point, and the fit has a static gain (OffsetK over the two
// settled outputs) and a step. A loop taken for its output at the start,
// not settled, gave the relay a bias that did not hold the operating point
// (hearth run --sim, winter: 0.354 at the start, more than 0.404 once
// settled) and a relay that never switched.
type settle struct {
	pid      pid.Controller
	on       bool       // begun
	atOp     bool       // settling at the operating point first
	offset   float64    // the offset now held (OffsetK below; 0 at the operating point or once fallen back)
	u0       float64    // the output that held the operating point: the steady window's mean there
	began    units.Time // this attempt's start
	started  units.Time // settling's start
	winStart units.Time // the steady window's start
	lo, hi   float64    // the output's range over the window
	sum      float64    // the output's sum over the window
	n        int        // the window's steps
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
	if offLimits(c, u) {
		return nil
	}
	return errors.New("aborted: the loop's output is at its limit (" + fmtG(u) +
		"): it does not hold its setpoint now, there is no operating point to tune around")
}

// offLimits reports whether output u is more than 2.5 % of the range
// from either of the loop's limits.
func offLimits(c *pid.Config, u float64) bool {
	margin := 0.025 * (c.OutMax - c.OutMin)
	return u > c.OutMin+margin && u < c.OutMax-margin
}

// settleStep holds the loop at its operating point, then below it, for
// one step. It returns the output and held true while settling, or, once
// settled below, the output the plant rests at and held false: the relay
// starts. A loop that does not settle at its operating point within
// MaxSettle aborts; one that does not settle below within MaxSettle falls
// back to settling at the operating point again (Status.Note says so), for
// a relay there without a model.
func (s *Session) settleStep(setpoint, measurement, last float64, now units.Time) (float64, bool, error) {
	t, p := &s.set, &s.plan
	if !t.on {
		if err := atLimit(&s.pidC, last); err != nil {
			return 0, false, err
		}
		t.on, t.atOp, t.offset, t.u0, t.started = true, true, 0, last, now
		t.restart(now, last)
		s.st.Settling, s.st.Offset = true, 0
	}
	target := setpoint - t.offset
	u := t.pid.Update(target, measurement, 0, now)
	s.st.Setpoint, s.st.Output = target, u
	if !t.steady(p, measurement-target, u, s.pidC.OutMax-s.pidC.OutMin, now) || !offLimits(&s.pidC, u) {
		return s.unsettled(u, now)
	}
	if t.atOp {
		// Settled at the operating point: what holds it, then OffsetK below.
		t.atOp, t.offset, t.u0 = false, p.OffsetK, t.sum/float64(t.n)
		t.restart(now, u)
		s.st.Offset = t.offset
		return u, true, nil
	}
	s.st.Settling, s.st.SettledIn, s.st.Offset = false, now.Sub(t.started), t.offset
	return u, false, nil
}

// steady adds a step of error e and output u (of a range span) to the
// steady window and reports whether it has lasted SettleWindow: the error
// within OffsetK/4, the output within 5 % of its range.
func (t *settle) steady(p *Plan, e, u, span float64, now units.Time) bool {
	t.lo, t.hi = min(t.lo, u), max(t.hi, u)
	if math.Abs(e) > p.OffsetK/4 || t.hi-t.lo > 0.05*span {
		t.winStart, t.lo, t.hi, t.sum, t.n = now, u, u, 0, 0 // not steady: the window starts again
	}
	t.sum, t.n = t.sum+u, t.n+1
	return now.Sub(t.winStart) >= p.SettleWindow
}

// unsettled is a step that has not settled: held while within MaxSettle,
// else an abort at the operating point, or a fallback to it from below.
func (s *Session) unsettled(u float64, now units.Time) (float64, bool, error) {
	t, p := &s.set, &s.plan
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
	t.began, t.winStart, t.lo, t.hi, t.sum, t.n = now, now, u, u, 0, 0
}
