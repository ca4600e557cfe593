package livetune

import (
	"math"
	"strings"
	"testing"

	"hearth/control"
	"hearth/hal"
	"hearth/pid"
	"hearth/safety"
	"hearth/units"
)

// newLoopRig is a rig on loop l whose plant has static gain k: the water
// pump's loop (more pump, cooler water: k < 0) or the tank's (k > 0),
// resting at u0.
func newLoopRig(t *testing.T, l control.Loop, k, u0 float64) *rig {
	t.Helper()
	ctl, err := control.New(control.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	p := newFOPDT()
	p.k, p.u0 = k, u0
	for i := range p.delay {
		p.delay[i] = u0
	}
	r := &rig{t: t, ctl: ctl, s: new(Session), p: p, st: safety.Status{State: safety.StateRunning}, now: units.Time(units.Hour)}
	for id := range r.in.Temp {
		r.in.Temp[id] = hal.Sample[units.Celsius]{Value: 40, Status: hal.StatusOK}
	}
	if err := r.s.Start(ctl, l, &r.st, r.now); err != nil {
		t.Fatal(err)
	}
	return r
}

// On the water and tank loops the session first holds the loop 1 K below
// its operating point, then relays it back up from that rest: the fit has
// a static gain and a step, and the gains are ms-iae's. The plant is the
// rig's FOPDT: K 4 K per unit of output (of the loop's sign), T 90 s,
// L 8 s; the fit finds them within 10 %.
func TestSessionOffsetGivesAModel(t *testing.T) {
	for _, c := range []struct {
		name string
		loop control.Loop
		k    float64
	}{{"water", control.LoopWaterPump, -4}, {"tank", control.LoopTank, 4}} {
		t.Run(c.name, func(t *testing.T) {
			r := newLoopRig(t, c.loop, c.k, 0.6)
			r.until(PhaseRelay, pastSettle())
			st := r.s.Status()
			if st.Offset != 1 || st.SettledIn <= 0 || st.Settling {
				t.Fatalf("relay began with offset %v after settling %v (settling %v)", st.Offset, st.SettledIn, st.Settling)
			}
			if math.Abs(r.p.y-(46.5-1)) > 0.25 {
				t.Fatalf("the relay began at %.3f, want the rest 1 K below 46.5", r.p.y)
			}
			r.until(PhaseDone, 3*units.Hour)
			st = r.s.Status()
			m := st.Result.Model
			t.Logf("settled in %v; %d cycles in %.0f s; model K %.3f T %.1f s L %.1f s; SOPDT %+v; %s: %+v (%s)",
				st.SettledIn, st.Cycles, st.Elapsed.Seconds(), m.K, m.T.Seconds(), m.L.Seconds(), st.Result.Second, st.Rule, st.Gains, st.Reason)
			if !m.Valid || math.Abs(m.K-c.k)/math.Abs(c.k) > 0.10 || math.Abs(m.T.Seconds()-90)/90 > 0.10 || math.Abs(m.L.Seconds()-8)/8 > 0.10 {
				t.Errorf("model %+v, want K %v, T 90 s, L 8 s within 10 %%", m, c.k)
			}
			if st.Rule != pid.MsIAE.String() || !st.Applied {
				t.Errorf("rule %s applied %v, want ms-iae applied (%s)", st.Rule, st.Applied, st.Reason)
			}
		})
	}
}

// pastSettle is the plan's MaxSettle (45 min) and a minute.
func pastSettle() units.Duration { return 46 * units.Minute }

// A loop that cannot reach 1 K below (the pump would need more than its
// full speed) falls back after MaxSettle to settling at its operating point
// and a relay there, without a model, and says so.
func TestSessionOffsetFallsBack(t *testing.T) {
	r := newLoopRig(t, control.LoopWaterPump, -4, 0.9) // 1 K below wants 1.15
	r.until(PhaseRelay, 2*pastSettle())
	st := r.s.Status()
	if st.Offset != 0 || !strings.Contains(st.Note, "did not settle 1 K below its setpoint within 45m (") {
		t.Fatalf("offset %v, note %q", st.Offset, st.Note)
	}
	r.until(PhaseDone, 3*units.Hour)
	if st = r.s.Status(); st.Rule != pid.ZieglerNicholsPI.String() || !strings.Contains(st.Reason, "no model") {
		t.Errorf("rule %s (%s), want zn-pi without a model", st.Rule, st.Reason)
	}
}

// A session on a loop control does not run now (its PID never steps, so
// the relay never takes it) ends after a minute, saying why, instead of
// waiting in "starting" for ever.
func TestSessionOnAnIdleLoopEnds(t *testing.T) {
	r := newLoopRig(t, control.LoopWaterPump, -4, 0.6)
	for i := 0; i <= 61; i++ {
		r.in.Now = r.now.Add(units.Duration(i) * units.Second)
		r.s.Observe(&r.in, &r.st, false)
	}
	st := r.s.Status()
	if st.Phase != PhaseAborted || !strings.Contains(st.Cause, "its loop is idle now") {
		t.Fatalf("phase %s, cause %q; want aborted on an idle loop", st.Phase, st.Cause)
	}
}

// Settling allocates nothing per tick either.
func TestSettlingAllocatesNothing(t *testing.T) {
	r := newLoopRig(t, control.LoopWaterPump, -4, 0.6)
	r.tick()
	if a := testing.AllocsPerRun(500, r.tick); a != 0 {
		t.Errorf("a settling tick allocates %.2f times", a)
	}
	if st := r.s.Status(); !st.Settling {
		t.Fatalf("not settling: %+v", st)
	}
}

// A measurement that never holds still (here ±0.5 K at a minute's period,
// twice the window's 0.25 K) settles neither 1 K below nor at the operating
// point: the session aborts after twice MaxSettle, saying so.
func TestSessionSettlingAtNeitherAborts(t *testing.T) {
	r := newLoopRig(t, control.LoopWaterPump, -4, 0.6)
	for end := r.now.Add(2 * pastSettle()); r.s.Status().Phase == PhaseStarting && r.now < end; {
		y := 46.5 + 0.5*math.Sin(2*math.Pi*r.now.Sub(0).Seconds()/60)
		r.s.Drive(46.5, y, 0.6, r.now)
		r.now = r.now.Add(100 * units.Millisecond)
	}
	st := r.s.Status()
	if st.Phase != PhaseAborted || !strings.Contains(st.Cause, "did not settle at its setpoint within 45m") ||
		!strings.Contains(st.Note, "did not settle 1 K below") {
		t.Fatalf("phase %s, cause %q, note %q", st.Phase, st.Cause, st.Note)
	}
}
