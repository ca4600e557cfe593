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
			// 1 K below on a plant of gain k is -1/k of output from the start.
			if d := st.RestOutput - st.StartOutput; math.Abs(st.StartOutput-0.6) > 0.01 || math.Abs(d+1/c.k) > 0.02 {
				t.Fatalf("outputs: start %.4f, rest %.4f (%+.4f), want the start 0.6 and the rest %+.4f from it",
					st.StartOutput, st.RestOutput, d, -1/c.k)
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
// twice the window's 0.25 K) does not settle at the operating point, where
// settling begins: the session aborts after MaxSettle, saying so, without
// trying 1 K below.
func TestSessionSettlingAtNeitherAborts(t *testing.T) {
	r := newLoopRig(t, control.LoopWaterPump, -4, 0.6)
	began := r.now
	for end := r.now.Add(2 * pastSettle()); r.s.Status().Phase == PhaseStarting && r.now < end; {
		y := 46.5 + 0.5*math.Sin(2*math.Pi*r.now.Sub(0).Seconds()/60)
		r.s.Drive(46.5, y, 0.6, r.now)
		r.now = r.now.Add(100 * units.Millisecond)
	}
	st := r.s.Status()
	if st.Phase != PhaseAborted || !strings.Contains(st.Cause, "did not settle at its setpoint within 45m") || st.Note != "" ||
		r.now.Sub(began) > pastSettle() {
		t.Fatalf("phase %s after %v, cause %q, note %q", st.Phase, r.now.Sub(began), st.Cause, st.Note)
	}
}

// A loop whose output at the start is not the one that holds its operating
// point (its PID still moving: 0.35 where the plant needs 0.6) settles there
// first: the relay's bias and the static gain use the settled 0.6, and the
// fit still finds the plant (hearth run --sim, winter: the output 0.354 at
// the start, the relay's bias, did not hold the operating point, and the
// relay never switched).
func TestSessionSettlesAtTheOperatingPointFirst(t *testing.T) {
	r := newLoopRig(t, control.LoopWaterPump, -4, 0.6)
	u, _ := r.s.Drive(46.5, r.p.y, 0.35, r.now)
	r.p.step(u, 0.1)
	r.now = r.now.Add(100 * units.Millisecond)
	r.until(PhaseRelay, pastSettle())
	st := r.s.Status()
	// The steady window's mean, of a loop still creeping in within the
	// window's bounds: 0.61 here, a 4 % error on the 0.25 step of output
	// (the relay adapts its bias; the fit takes its gain from the relay).
	if math.Abs(st.StartOutput-0.6) > 0.02 || math.Abs(st.RestOutput-0.85) > 0.02 || st.Offset != 1 {
		t.Fatalf("start output %.4f (want 0.6, settled), rest %.4f (want 0.85), offset %v", st.StartOutput, st.RestOutput, st.Offset)
	}
	r.until(PhaseDone, 3*units.Hour)
	st = r.s.Status()
	m := st.Result.Model
	t.Logf("settled in %v, start %.4f rest %.4f; %d cycles; model K %.3f T %.1f s L %.1f s; %s", st.SettledIn,
		st.StartOutput, st.RestOutput, st.Cycles, m.K, m.T.Seconds(), m.L.Seconds(), st.Rule)
	if !m.Valid || math.Abs(m.K+4)/4 > 0.10 || math.Abs(m.T.Seconds()-90)/90 > 0.10 || st.Rule != pid.MsIAE.String() {
		t.Errorf("model %+v, rule %s: want K -4, T 90 s within 10 %%, ms-iae", m, st.Rule)
	}
}
