package pid

import (
	"errors"
	"math"
	"testing"

	"hearth/units"
)

func sec(s float64) units.Time { return units.Time(units.DurationOf(s)) }

func mustNew(t *testing.T, cfg Config) Controller {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestConfigValidation(t *testing.T) {
	ok := Config{Kp: 1, Ki: 0.1, Kd: 2, SetpointWeight: 0.5, OutMin: 0, OutMax: 1}
	for _, tc := range []struct {
		field string
		edit  func(*Config)
	}{
		{"Kp", func(c *Config) { c.Kp = math.NaN() }},
		{"Kp", func(c *Config) { c.Kp = -1 }},
		{"Ki", func(c *Config) { c.Ki = math.Inf(1) }},
		{"Kd", func(c *Config) { c.Kd = -0.1 }},
		{"SetpointWeight", func(c *Config) { c.SetpointWeight = 1.5 }},
		{"SetpointWeight", func(c *Config) { c.SetpointWeight = -0.5 }},
		{"OutMin", func(c *Config) { c.OutMin = math.Inf(-1) }},
		{"OutMax", func(c *Config) { c.OutMax = c.OutMin }},
		{"OutMax", func(c *Config) { c.OutMin, c.OutMax = -math.MaxFloat64, math.MaxFloat64 }},
		{"RateLimit", func(c *Config) { c.RateLimit = -1 }},
		{"DerivativeFilter", func(c *Config) { c.DerivativeFilter = -1 }},
		{"TrackingTime", func(c *Config) { c.TrackingTime = -1 }},
		{"MaxInterval", func(c *Config) { c.MaxInterval = -1 }},
		{"DerivativeFilter", func(c *Config) { c.Kp = 0 }},
		{"TrackingTime", func(c *Config) { c.Kp, c.Kd = 0, 0 }},
	} {
		cfg := ok
		tc.edit(&cfg)
		var ce *ConfigError
		err := cfg.Validate()
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%+v: got %v, want a ConfigError on %s", cfg, err, tc.field)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid config rejected: %v", err)
	}
	if d := DefaultConfig(); d.Validate() != nil || d.SetpointWeight != 1 {
		t.Errorf("DefaultConfig %+v: %v", d, d.Validate())
	}
	// A rejected config leaves a running controller as it was.
	c := mustNew(t, ok)
	c.Update(1, 0, 0, 0)
	bad := ok
	bad.OutMax = -1
	if c.Configure(bad) == nil || c.Config() != ok {
		t.Errorf("invalid config adopted: %+v", c.Config())
	}
}

func TestUnconfiguredControllerHoldsZero(t *testing.T) {
	var c Controller
	if u := c.Update(1, 0, 0, 0); u != 0 || c.Faults() != 1 {
		t.Errorf("zero Controller: output %v, faults %d; want 0 and 1", u, c.Faults())
	}
}

// The first update has no history: no derivative, no integral, so the
// output is the proportional term plus feed-forward, whatever Kd is.
func TestFirstUpdateHasNoKick(t *testing.T) {
	c := mustNew(t, Config{Kp: 2, Ki: 1, Kd: 50, SetpointWeight: 1, OutMin: -100, OutMax: 100})
	if u := c.Update(10, 3, 0.5, sec(1000)); u != 2*(10-3)+0.5 {
		t.Errorf("first output %v, want Kp·e + ff = 14.5", u)
	}
}

// A setpoint step moves the output by Kp·b·Δr only: the derivative acts on
// the measurement, so a setpoint step gives no kick.
func TestSetpointStepActsThroughWeightedProportionalOnly(t *testing.T) {
	for _, b := range []float64{0, 0.5, 1} {
		c := mustNew(t, Config{Kp: 2, Kd: 30, SetpointWeight: b, OutMin: -100, OutMax: 100})
		u0 := c.Update(0, 1, 0, sec(0))
		u1 := c.Update(0, 1, 0, sec(1))
		u2 := c.Update(5, 1, 0, sec(2))
		if u1 != u0 || !near(u2-u1, 2*b*5, 1e-12) {
			t.Errorf("b=%g: outputs %v %v %v; want a step of Kp·b·Δr = %g", b, u0, u1, u2, 2*b*5)
		}
	}
}

// The derivative is −Kd·dy/dt through a first-order filter discretised by
// backward difference: after a measurement step Δy the term is
// −Kd·Δy/(Tf + h), then decays by Tf/(Tf + h) per update. The default Tf is
// Td/8.
func TestDerivativeFilter(t *testing.T) {
	const kp, kd, h = 2.0, 40.0, 1.0
	tf := kd / kp / 8 // 2.5 s
	c := mustNew(t, Config{Kp: kp, Kd: kd, SetpointWeight: 1, OutMin: -1000, OutMax: 1000})
	c.Update(0, 0, 0, sec(0))
	c.Update(0, 1, 0, sec(h))
	_, _, d, _ := c.Terms()
	want := -kd * 1 / (tf + h)
	if !near(d, want, 1e-12) {
		t.Fatalf("derivative after a unit step %v, want %v", d, want)
	}
	c.Update(0, 1, 0, sec(2*h))
	_, _, d2, _ := c.Terms()
	if !near(d2, want*tf/(tf+h), 1e-12) {
		t.Errorf("derivative one update later %v, want %v", d2, want*tf/(tf+h))
	}
	// An explicit filter time constant is used as given.
	c = mustNew(t, Config{Kp: kp, Kd: kd, DerivativeFilter: 10 * units.Second, SetpointWeight: 1, OutMin: -1000, OutMax: 1000})
	c.Update(0, 0, 0, sec(0))
	c.Update(0, 1, 0, sec(h))
	if _, _, d, _ := c.Terms(); !near(d, -kd/(10+h), 1e-12) {
		t.Errorf("derivative with Tf = 10 s: %v, want %v", d, -kd/(10+h))
	}
}

// Back-calculation: while the output is pinned at a limit, each update pulls
// the integrator toward the limit by the fraction 1 − e^{−h/Tt} of the gap,
// with Tt = Ti for a PI and sqrt(Ti·Td) for a PID by default.
func TestBackCalculationTrackingTime(t *testing.T) {
	for _, tc := range []struct {
		cfg Config
		tt  float64
	}{
		{Config{Kp: 1, Ki: 0.1, SetpointWeight: 1, OutMin: 0, OutMax: 1}, 10},
		{Config{Kp: 1, Ki: 0.1, Kd: 2.5, SetpointWeight: 1, OutMin: 0, OutMax: 1}, 5},
		{Config{Kp: 1, Ki: 0.1, TrackingTime: 3 * units.Second, SetpointWeight: 1, OutMin: 0, OutMax: 1}, 3},
	} {
		c := mustNew(t, tc.cfg)
		c.Update(5, 0, 0, sec(0)) // v = 5, u = 1
		p0, i0, d0, _ := c.Terms()
		v0 := p0 + i0 + d0
		c.Update(5, 0, 0, sec(1))
		_, i1, _, _ := c.Terms()
		want := i0 + (1-v0)*(1-math.Exp(-1/tc.tt)) + tc.cfg.Ki*5*1
		if !near(i1, want, 1e-12) {
			t.Errorf("%+v: integrator %v after one saturated update, want %v (Tt = %g s)", tc.cfg, i1, want, tc.tt)
		}
	}
}

func TestOutputLimits(t *testing.T) {
	c := mustNew(t, Config{Kp: 10, SetpointWeight: 1, OutMin: -2, OutMax: 3})
	for _, tc := range []struct{ r, want float64 }{{100, 3}, {-100, -2}, {0.1, 1}} {
		if u := c.Update(tc.r, 0, 0, 0); u != tc.want {
			t.Errorf("r=%g: output %v, want %v", tc.r, u, tc.want)
		}
	}
}

// Reverse action mirrors direct action: a plant with gain −k under a
// reverse controller behaves exactly as the plant with gain +k under the same
// direct controller.
func TestReverseMirrorsDirect(t *testing.T) {
	cfg := pidCfg(2.45, 58.67, 9.434, 0.5)
	sc := scenario{1, -0.5, 600, 1200}
	direct := runLoop(fopdtPlant, cfg, sc, 1, 10)
	mirror := fopdtPlant
	mirror.k = -1
	cfg.Reverse = true
	cfg.OutMin, cfg.OutMax = -cfg.OutMax, -cfg.OutMin
	sc.load = -sc.load
	reverse := runLoop(mirror, cfg, sc, 1, 10)
	for k := range direct.y {
		if direct.y[k] != reverse.y[k] || direct.u[k] != -reverse.u[k] {
			t.Fatalf("tick %d: direct y=%v u=%v, reverse y=%v u=%v", k, direct.y[k], direct.u[k], reverse.y[k], reverse.u[k])
		}
	}
}

// In reverse action the output rises with the measurement: a cooling fan.
func TestReverseActionRisesWithMeasurement(t *testing.T) {
	c := mustNew(t, Config{Kp: 0.1, SetpointWeight: 1, OutMin: 0, OutMax: 1, Reverse: true})
	if lo, hi := c.Update(48, 45, 0, 0), c.Update(48, 52, 0, 0); !(lo == 0 && near(hi, 0.4, 1e-12)) {
		t.Errorf("fan at 45 °C: %v, at 52 °C: %v; want 0 and 0.4", lo, hi)
	}
}

// Feed-forward adds to the output as it is, and a change of it passes
// straight through.
func TestFeedForward(t *testing.T) {
	c := mustNew(t, Config{Kp: 1, Ki: 0.1, SetpointWeight: 1, OutMin: -10, OutMax: 10})
	u0 := c.Update(1, 1, 0.25, sec(0))
	u1 := c.Update(1, 1, 0.75, sec(1))
	if u0 != 0.25 || u1 != 0.75 {
		t.Errorf("outputs %v %v, want the feed-forward 0.25 then 0.75", u0, u1)
	}
}

// The rate limit bounds every step of the output, and back-calculation
// through the limiter keeps the integrator from running ahead of the ramp:
// on the FOPDT plant with a unit setpoint step (the P kick alone is 2.5),
// limits of 0.01/s and 0.05/s bind for tens of seconds, yet the overshoot
// stays under 6 % (5.5 % and 3.7 % measured), where an integrator that
// ignores the limiter overshoots by 77 % and 23 %.
func TestRateLimit(t *testing.T) {
	run := func(rate float64, tracking units.Duration) (f StepFigures, bound int, maxStep float64) {
		cfg := pidCfg(2.5, 100, 0, 1)
		cfg.RateLimit, cfg.TrackingTime = rate, tracking
		c := mustNew(t, cfg)
		s := newSim(fopdtPlant, 0.1, 0)
		m, err := NewStepMeter(sec(10), 0, 1, 0.02)
		if err != nil {
			t.Fatal(err)
		}
		prev := 0.0
		for k := 0; k <= 1500; k++ {
			r := 0.0
			if k >= 10 {
				r = 1
				m.Add(sec(float64(k)), s.y())
			}
			u := c.Update(r, s.y(), 0, sec(float64(k)))
			step := math.Abs(u - prev)
			maxStep = math.Max(maxStep, step)
			if step >= rate*(1-1e-9) {
				bound++
			}
			prev = u
			s.advance(u, 1)
		}
		return m.Figures(), bound, maxStep
	}
	for _, rate := range []float64{0.01, 0.05} {
		f, bound, maxStep := run(rate, 0)
		naive, _, _ := run(rate, 1e7*units.Second)
		t.Logf("rate %g/s: limiter bound %d s, overshoot %.4f, settling %v; ignoring the limiter: overshoot %.4f",
			rate, bound, f.Overshoot, f.SettlingTime, naive.Overshoot)
		if maxStep > rate*(1+1e-9) {
			t.Errorf("rate %g/s: the output moved %v in 1 s", rate, maxStep)
		}
		if bound < 20 {
			t.Errorf("rate %g/s: the limiter bound only %d s; the test needs it to bind", rate, bound)
		}
		if f.Overshoot > 0.06 || !f.Settled {
			t.Errorf("rate %g/s: overshoot %.4f (settled %v), want ≤ 6 %%", rate, f.Overshoot, f.Settled)
		}
		if naive.Overshoot < 0.2 {
			t.Errorf("rate %g/s: ignoring the limiter overshoots only %.4f: the test does not bite", rate, naive.Overshoot)
		}
	}
}

// NaN and infinite inputs hold the last output, are counted, and leave the
// state untouched: the controller continues exactly as one that never saw
// them (the bad tick counts as a missed tick).
func TestBadInputsHoldAndCount(t *testing.T) {
	cfg := Config{Kp: 1, Ki: 0.1, Kd: 2, SetpointWeight: 1, OutMin: -10, OutMax: 10}
	good, seen := mustNew(t, cfg), mustNew(t, cfg)
	bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	faults := uint64(0)
	for k := range 60 {
		r, y := 1.0, math.Sin(float64(k)/7)
		now := sec(float64(k))
		if k%5 == 3 {
			last := seen.Output()
			for j, x := range bad {
				in := [3]float64{r, y, 0}
				in[j%3] = x
				if u := seen.Update(in[0], in[1], in[2], now); u != last {
					t.Fatalf("tick %d: bad input %v gave %v, want the last output %v", k, in, u, last)
				}
				faults++
			}
			continue
		}
		if ug, us := good.Update(r, y, 0, now), seen.Update(r, y, 0, now); ug != us {
			t.Fatalf("tick %d: %v after bad inputs, %v without", k, us, ug)
		}
	}
	if seen.Faults() != faults || good.Faults() != 0 {
		t.Errorf("faults %d, want %d", seen.Faults(), faults)
	}
	for _, f := range []func(*Controller){
		func(c *Controller) { c.Track(math.NaN()) },
		func(c *Controller) { c.SetManual(math.Inf(1)) },
		func(c *Controller) { c.Reset(math.NaN()) },
	} {
		before := seen
		f(&seen)
		if seen.Faults() != before.Faults()+1 || seen.Output() != before.Output() {
			t.Errorf("bad value accepted: output %v → %v, faults %d → %d", before.Output(), seen.Output(), before.Faults(), seen.Faults())
		}
	}
}

// Terms so large they would overflow are rejected like a bad input.
func TestOverflowIsRejected(t *testing.T) {
	c := mustNew(t, Config{Kp: 1e300, Ki: 1e300, SetpointWeight: 1, OutMin: 0, OutMax: 1})
	u0 := c.Update(0, 0, 0, sec(0))
	if u := c.Update(1e300, -1e300, 0, sec(1)); u != u0 || c.Faults() != 1 {
		t.Errorf("overflowing update gave %v (faults %d), want the held %v and one fault", u, c.Faults(), u0)
	}
	if u := c.Update(0, 0, 0, sec(2)); !finite(u) {
		t.Errorf("output %v after an overflow", u)
	}
}

// An irregular clock (±50 % jitter, every seventh tick missed) is handled
// from the real elapsed time: the figures stay within the 1 s tolerances of
// the continuous reference.
func TestIrregularTicks(t *testing.T) {
	row := benchRows[1] // FOPDT, SIMC PI
	c := mustNew(t, row.cfg)
	s := newSim(row.p, 0.01, 0)
	seed := uint64(1)
	var rec loopRecord
	t0 := 0.0
	for k := 0; t0 <= row.sc.end; k++ {
		seed = seed*6364136223846793005 + 1442695040888963407
		h := 0.5 + float64(seed>>11)/float64(1<<53) // 0.5 … 1.5 s, in 10 ms steps
		h = math.Round(h*100) / 100
		y := s.y()
		now := sec(t0)
		u := c.Output()
		if k%7 != 6 {
			u = c.Update(row.sc.setpoint, y, 0, now)
		}
		rec.t, rec.y, rec.u = append(rec.t, now), append(rec.y, y), append(rec.u, u)
		d := 0.0
		if t0 >= row.sc.loadAt {
			d = row.sc.load
		}
		s.advance(u+d, h)
		t0 += h
	}
	got := figuresOf(rec, row.sc)
	tol := tolerances[0]
	t.Logf("irregular: overshoot %.4f, settling %v, IAE %.3f, load IAE %.3f", got.sp.Overshoot, got.sp.SettlingTime, got.sp.IAE, got.loadIAE)
	if math.Abs(got.sp.Overshoot-row.ref.sp.Overshoot) > tol.overshoot ||
		relErr(got.sp.SettlingTime.Seconds(), row.ref.sp.SettlingTime.Seconds()) > tol.settling ||
		relErr(got.sp.IAE, row.ref.sp.IAE) > tol.iae || relErr(got.loadIAE, row.ref.loadIAE) > tol.iae {
		t.Errorf("irregular ticks: %+v, reference %+v", got, row.ref)
	}
	if c.TimeFaults() != 0 {
		t.Errorf("%d time faults on a clock that only jitters", c.TimeFaults())
	}
}

// A long stall integrates at most MaxInterval (default Ti): the integral
// step is bounded by one proportional kick, and the stall is counted.
func TestLongGapIsCapped(t *testing.T) {
	c := mustNew(t, Config{Kp: 0.5, Ki: 0.01, SetpointWeight: 1, OutMin: -1000, OutMax: 1000}) // Ti = 50 s
	c.Update(2, 0, 0, sec(0))
	_, i0, _, _ := c.Terms()
	c.Update(2, 0, 0, sec(3600))
	_, i1, _, _ := c.Terms()
	if !near(i1-i0, 0.01*2*50, 1e-12) || c.TimeFaults() != 1 {
		t.Errorf("after a 1 h gap the integral moved %v (time faults %d), want Ki·e·Ti = %v and 1", i1-i0, c.TimeFaults(), 0.01*2*50)
	}
	// An explicit MaxInterval is used as given.
	c = mustNew(t, Config{Kp: 0.5, Ki: 0.01, MaxInterval: 5 * units.Second, SetpointWeight: 1, OutMin: -1000, OutMax: 1000})
	c.Update(2, 0, 0, sec(0))
	c.Update(2, 0, 0, sec(60))
	if _, i, _, _ := c.Terms(); !near(i, 0.01*2*5, 1e-12) {
		t.Errorf("integral %v after a 60 s gap capped at 5 s, want %v", i, 0.01*2*5)
	}
}

// An update at the same instant integrates nothing and leaves the
// derivative alone; a clock that steps back is counted, integrates nothing,
// and re-anchors, so the next update integrates from the new instant.
func TestZeroAndBackwardIntervals(t *testing.T) {
	c := mustNew(t, Config{Kp: 1, Ki: 0.1, Kd: 1, SetpointWeight: 1, OutMin: -100, OutMax: 100})
	c.Update(1, 0, 0, sec(10))
	u1 := c.Update(1, 0, 0, sec(11))
	if u := c.Update(1, 0, 0, sec(11)); u != u1 {
		t.Errorf("same instant: %v, want %v", u, u1)
	}
	_, i1, _, _ := c.Terms()
	c.Update(1, 0, 0, sec(5))
	_, i2, _, _ := c.Terms()
	if i2 != i1 || c.TimeFaults() != 1 {
		t.Errorf("clock back: integral %v → %v, time faults %d; want unchanged and 1", i1, i2, c.TimeFaults())
	}
	c.Update(1, 0, 0, sec(6))
	if _, i3, _, _ := c.Terms(); !near(i3-i2, 0.1*1*1, 1e-12) {
		t.Errorf("after re-anchoring the integral moved %v, want %v", i3-i2, 0.1)
	}
}

// Huge instants do not overflow the interval.
func TestExtremeInstants(t *testing.T) {
	c := mustNew(t, Config{Kp: 1, Ki: 0.1, Kd: 1, SetpointWeight: 1, OutMin: -1, OutMax: 1})
	c.Update(1, 0, 0, math.MinInt64)
	if u := c.Update(1, 0, 0, math.MaxInt64); !finite(u) || c.TimeFaults() != 1 {
		t.Errorf("output %v, time faults %d", u, c.TimeFaults())
	}
}

// Reset starts the next output at the given value, with no kick, whatever
// the inputs; Track before the first update does the same.
func TestResetAndTrackSetTheStart(t *testing.T) {
	cfg := Config{Kp: 2, Ki: 0.1, Kd: 10, SetpointWeight: 1, OutMin: 0, OutMax: 1}
	c := mustNew(t, cfg)
	c.Update(50, 40, 0, sec(0))
	c.Update(50, 41, 0, sec(1))
	c.Reset(0.3)
	if c.Output() != 0.3 {
		t.Errorf("Output after Reset(0.3) = %v", c.Output())
	}
	if u := c.Update(50, 45, 0, sec(2)); u != 0.3 {
		t.Errorf("first update after Reset(0.3) = %v", u)
	}
	c = mustNew(t, cfg)
	c.Track(0.7)
	if u := c.Update(50, 45, 0, sec(2)); u != 0.7 {
		t.Errorf("first update after Track(0.7) = %v", u)
	}
	c.Reset(5) // clamped
	if u := c.Update(50, 45, 0, sec(3)); u != 1 {
		t.Errorf("first update after Reset(5) = %v, want the limit 1", u)
	}
	// Reset or Track before Configure survive it.
	var z Controller
	z.Reset(0.4)
	if err := z.Configure(cfg); err != nil || z.Output() != 0.4 {
		t.Errorf("Reset then Configure: output %v, %v", z.Output(), err)
	}
	var w Controller
	w.Track(0.6)
	if err := w.Configure(cfg); err != nil || w.Output() != 0.6 || w.Update(50, 45, 0, 0) != 0.6 {
		t.Errorf("Track then Configure: output %v, %v", w.Output(), err)
	}
}
