package livetune

import (
	"strings"
	"testing"

	"hearth/control"
	"hearth/hal"
	"hearth/pid"
	"hearth/safety"
	"hearth/units"
)

// fopdt is a first-order plant with dead time standing in for the oil
// under the dump's fan: more fan, cooler oil.
type fopdt struct {
	y, y0, u0, k, tau float64
	delay             []float64 // the output, delayed
}

func newFOPDT() *fopdt {
	p := &fopdt{y: 46.5, y0: 46.5, u0: 0.6, k: -4, tau: 90}
	p.delay = make([]float64, 80) // 8 s at 0.1 s
	for i := range p.delay {
		p.delay[i] = p.u0
	}
	return p
}

func (p *fopdt) step(u, dt float64) {
	d := p.delay[0]
	copy(p.delay, p.delay[1:])
	p.delay[len(p.delay)-1] = u
	p.y += dt * (p.y0 + p.k*(d-p.u0) - p.y) / p.tau
}

type rig struct {
	t   *testing.T
	ctl *control.Controller
	s   *Session
	p   *fopdt
	in  hal.Inputs
	st  safety.Status
	now units.Time
}

func newRig(t *testing.T) *rig {
	ctl, err := control.New(control.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, ctl: ctl, s: new(Session), p: newFOPDT(), st: safety.Status{State: safety.StateRunning}, now: units.Time(units.Hour)}
	for id := range r.in.Temp {
		r.in.Temp[id] = hal.Sample[units.Celsius]{Value: 40, Status: hal.StatusOK}
	}
	if err := r.s.Start(ctl, control.LoopDump, &r.st, r.now); err != nil {
		t.Fatal(err)
	}
	return r
}

// tick is what the daemon's tick does for the session: control's step
// calls Drive where the dump's PID would update (here by hand, the PID
// held at the plant's rest output), then Observe judges safety's status.
func (r *rig) tick() {
	u, ok := r.s.Drive(46.5, r.p.y, r.p.u0, r.now)
	if !ok {
		u = r.p.u0
	}
	r.p.step(u, 0.1)
	r.now = r.now.Add(100 * units.Millisecond)
	r.s.Observe(&r.in, &r.st, false)
}

func (r *rig) until(ph Phase, limit units.Duration) {
	r.t.Helper()
	for end := r.now.Add(limit); r.s.Status().Phase != ph && r.now < end; {
		r.tick()
	}
	if got := r.s.Status(); got.Phase != ph {
		r.t.Fatalf("phase %s after %v, want %s (cause %q)", got.Phase, limit, ph, got.Cause)
	}
}

// A session on a clean plant converges, chooses the recommended rule's
// gains from its result, and puts them into the running controller.
func TestSessionCompletesAndAppliesGains(t *testing.T) {
	r := newRig(t)
	r.until(PhaseDone, 2*units.Hour)
	st := r.s.Status()
	want, err := st.Result.Gains(pid.ZieglerNicholsPI)
	if err != nil {
		t.Fatal(err)
	}
	if st.Rule != "zn-pi" || st.Gains != want || !st.Applied || st.Cycles < 4 {
		t.Fatalf("done: rule %s gains %+v (want %+v) applied %v cycles %d", st.Rule, st.Gains, want, st.Applied, st.Cycles)
	}
	t.Logf("%d cycles in %.0f s: Ku %.3g, Tu %.1f s (model %v); gains %+v", st.Cycles, st.Elapsed.Seconds(),
		st.Result.Ku, st.Result.Tu.Seconds(), st.Result.FromModel, st.Gains)
	// The plant's ultimate point is Ku 4.6 /K, Tu 31 s; a relay of ±0.25
	// with a 0.25 K hysteresis oscillates far from −180° (docs/pid.md §6.4)
	// and reads Ku 1.2 /K, Tu 117 s here: bounded to the plant's order only.
	if st.Result.Ku < 0.5 || st.Result.Ku > 10 || st.Result.Tu < 30*units.Second || st.Result.Tu > 300*units.Second {
		t.Errorf("Ku %.3g, Tu %v: not this plant's", st.Result.Ku, st.Result.Tu)
	}
	cfg, _ := r.ctl.LoopConfig(control.LoopDump)
	if cfg.Kp != want.Kp || cfg.Ki != want.Ki || cfg.Kd != want.Kd || !cfg.Reverse {
		t.Errorf("the running dump loop has %+v, want the gains %+v with its action kept", cfg, want)
	}
	if in := st.InForce; in.Kp != want.Kp || in.Ki != want.Ki || in.Kd != want.Kd {
		t.Errorf("in force %+v, want %+v", in, want)
	}
	if def := control.DefaultConfig().DumpGains; st.Previous.Kp != def.Kp || st.Previous.Ki != def.Ki {
		t.Errorf("previous gains %+v, want the defaults %+v", st.Previous, def)
	}
	if r.ctl.Config().DumpGains.Kp != want.Kp {
		t.Errorf("control's configuration keeps kp %v", r.ctl.Config().DumpGains.Kp)
	}
	// Done, the loop is the PID's again: Drive hands it back.
	if _, ok := r.s.Drive(46.5, r.p.y, 0.6, r.now); ok {
		t.Error("a finished session still drives")
	}
}

// Every safety cause aborts, named as safety names it; so does a fault on
// the loop's probe, an override, and the operator.
func TestSessionAbortsWithCause(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(r *rig)
		hand bool
		want string
	}{
		{"warning", func(r *rig) { r.st.Warnings = safety.CauseOilInHigh.Bit() }, false, "aborted: safety warning oil_in_high"},
		{"alarm", func(r *rig) { r.st.Alarms = safety.CausePressureLow.Bit() }, false, "aborted: safety alarm pressure_low"},
		{"trip", func(r *rig) { r.st.Latched, r.st.Cause = true, safety.CauseLeak }, false, "aborted: trip leak"},
		{"state", func(r *rig) { r.st.State = safety.StateDegraded }, false, "aborted: safety state degraded"},
		{"probe", func(r *rig) { r.in.Temp[hal.TempOilInB].Status = hal.StatusOpen }, false, "aborted: sensor fault oil_in_b"},
		{"untrusted", func(r *rig) { r.st.Untrusted = hal.TempChannel(hal.TempOilInA).Bit() }, false, "aborted: sensor fault oil_in_a (not believed)"},
		{"override", func(*rig) {}, true, "aborted: an override or the maintenance hold is in force"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t)
			r.until(PhaseRelay, units.Second)
			for range 600 {
				r.tick()
			}
			c.mod(r)
			r.s.Observe(&r.in, &r.st, c.hand)
			st := r.s.Status()
			if st.Phase != PhaseAborted || !strings.HasPrefix(st.Cause, c.want) {
				t.Fatalf("phase %s, cause %q; want aborted, %q", st.Phase, st.Cause, c.want)
			}
			if _, ok := r.s.Drive(46.5, r.p.y, 0.6, r.now); ok {
				t.Error("an aborted session still drives")
			}
			if cfg, _ := r.ctl.LoopConfig(control.LoopDump); cfg != control.DefaultConfig().DumpGains {
				t.Errorf("an abort changed the loop's gains: %+v", cfg)
			}
			if err := r.s.Apply(); err != ErrNoResult {
				t.Errorf("apply after an abort: %v", err)
			}
		})
	}
	r := newRig(t)
	r.until(PhaseRelay, units.Second)
	if !r.s.Abort() || r.s.Status().Cause != "aborted: by the operator" {
		t.Fatalf("operator's abort: %+v", r.s.Status())
	}
}

// A session is refused while safety is not running clear, or while one
// runs already.
func TestSessionStartRefused(t *testing.T) {
	r := newRig(t)
	if err := r.s.Start(r.ctl, control.LoopTank, &r.st, r.now); err != ErrActive {
		t.Errorf("a second session: %v", err)
	}
	s := new(Session)
	warn := safety.Status{State: safety.StateRunning, Warnings: safety.CauseOilOutHigh.Bit()}
	if err := s.Start(r.ctl, control.LoopTank, &warn, r.now); err == nil || !strings.Contains(err.Error(), "safety warning oil_out_high") {
		t.Errorf("under a warning: %v", err)
	}
}

// The relay's ticks allocate nothing.
func TestSessionAllocatesNothing(t *testing.T) {
	r := newRig(t)
	r.until(PhaseRelay, units.Second)
	if a := testing.AllocsPerRun(500, r.tick); a != 0 {
		t.Errorf("a relay tick allocates %.2f times", a)
	}
	if r.s.Status().Phase != PhaseRelay {
		t.Fatalf("the relay ended in the measurement: %+v", r.s.Status())
	}
}

// A relay that cannot bring the measurement across the setpoint (the loop
// was not holding it) gives up after FirstSwitch instead of holding its
// output for hours.
func TestSessionAbortsWithoutASwitch(t *testing.T) {
	r := newRig(t)
	r.p.y, r.p.y0 = 60, 60 // even the full fan leaves the oil far above the setpoint
	r.until(PhaseAborted, units.Hour)
	st := r.s.Status()
	q := r.s.plan.QuietTime // the quiet window comes first
	if !strings.HasPrefix(st.Cause, "aborted: the relay did not switch within 30m") || st.Elapsed < q+30*units.Minute || st.Elapsed > q+31*units.Minute {
		t.Fatalf("cause %q after %v", st.Cause, st.Elapsed)
	}
}

// A plant whose operating point moves away during the relay (its load
// changed: here 2 K more than the fan's swing can take back) leaves the
// relay on one side; the session ends FirstSwitch after its last switch,
// saying so, instead of holding that output to MaxDuration.
func TestSessionAbortsWhenThePlantMovesAway(t *testing.T) {
	r := newRig(t)
	for r.s.Status().Cycles < 2 {
		r.tick()
		if r.now > units.Time(4*units.Hour) {
			t.Fatalf("no cycles: %+v", r.s.Status())
		}
	}
	r.p.y0 += 2
	moved := r.now
	r.until(PhaseAborted, units.Hour)
	st := r.s.Status()
	if !strings.Contains(st.Cause, "has not switched for 30m") || r.now.Sub(moved) > 32*units.Minute {
		t.Fatalf("cause %q %v after the move", st.Cause, r.now.Sub(moved))
	}
}
