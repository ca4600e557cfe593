package daemon

import (
	"fmt"
	"time"

	"hearth/cmd/hearth/console"
	"hearth/control"
	"hearth/core/edge"
	"hearth/core/livetune"
	"hearth/units"
)

// The live tuning session on the tick (core/livetune): the console asks
// for it, the tick starts it, control's step calls its relay in place of
// the loop's PID, and after every core step it is judged against safety's
// status. The session changes the running controller's gains only on the
// tick's goroutine.

// tuner is the tick's tuning session.
type tuner struct {
	s     *livetune.Session
	ctl   *control.Controller // nil: the core's control layer has no loops to tune
	phase livetune.Phase      // the session's phase after the last tick, for its events
}

func newTuner(l *edge.Loop) tuner {
	ctl, _ := l.Core.Control.(*control.Controller)
	return tuner{s: new(livetune.Session), ctl: ctl}
}

// tuneRequest takes a console's tune request.
func (t *ticker) tuneRequest(r *console.Request, now units.Time) {
	h := &t.con.h
	h.TuneSeq++
	h.TuneErr = ""
	tu := &t.tune
	if tu.s == nil || tu.ctl == nil {
		h.TuneErr = "this controller has no loops to tune"
		return
	}
	switch r.Tune {
	case console.TuneStart:
		if err := tu.s.Start(tu.ctl, r.Loop, t.loop.Core.Status(), now); err != nil {
			h.TuneErr = err.Error()
		}
	case console.TuneAbort:
		if !tu.s.Abort() {
			h.TuneErr = "no tuning session running"
		}
	case console.TuneApply:
		if err := tu.s.Apply(); err != nil {
			h.TuneErr = err.Error()
		}
	}
}

// tuneStep judges the session after the tick's core step and logs its
// phase changes. It allocates only when the phase changes.
func (t *ticker) tuneStep() {
	tu := &t.tune
	if tu.s == nil {
		return
	}
	hand := t.stamp.override.Mask != 0 || t.stamp.held || t.stamp.maintenance
	tu.s.Observe(t.loop.Inputs(), t.loop.Core.Status(), hand)
	st := tu.s.Status()
	if st.Phase == tu.phase {
		return
	}
	tu.phase = st.Phase
	msg := ""
	switch st.Phase {
	case livetune.PhaseRelay:
		msg = fmt.Sprintf("tune %s: the relay drives the %s loop around %.2f", livetune.Name(st.Loop), st.Loop, st.Setpoint)
	case livetune.PhaseDone:
		msg = fmt.Sprintf("tune %s: done after %d cycles in %.0f s: Ku %.4g, Tu %.1f s; %s kp %.4g ki %.4g kd %.4g, applied %v",
			livetune.Name(st.Loop), st.Cycles, st.Elapsed.Seconds(), st.Result.Ku, st.Result.Tu.Seconds(),
			st.Rule, st.Gains.Kp, st.Gains.Ki, st.Gains.Kd, st.Applied)
	case livetune.PhaseAborted:
		msg = fmt.Sprintf("tune %s: %s (after %d cycles in %.0f s)", livetune.Name(st.Loop), st.Cause, st.Cycles, st.Elapsed.Seconds())
	default:
		return
	}
	t.ev.send(event{kind: evInfo, wall: time.Now(), text: msg})
}
