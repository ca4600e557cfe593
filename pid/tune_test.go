package pid

import (
	"errors"
	"math"
	"testing"

	"hearth/units"
)

// relayConfig is the experiment used on the benchmark plants: a full relay
// (0 ↔ 1) around the measurement the plant reaches at half output, from rest
// at 0.
func relayConfig(p plant, hysteresis float64) TunerConfig {
	return TunerConfig{Setpoint: 0.5 * p.k, Hysteresis: hysteresis * math.Abs(p.k), OutMin: 0, OutMax: 1, Bias: 0.5,
		RestOutput: 0, MaxDeviation: 0.8 * math.Abs(p.k), MaxDuration: 10 * units.Hour}
}

// The tuner recovers the analytic ultimate gain and period of FOPDT plants,
// through its FOPDT fit, whatever the hysteresis (which lowers the relay's
// frequency by up to a factor 3.4 here) and with sensor noise. Tolerances:
// 1 % on Ku and Tu, 2 % on K and T, 2 % of L + 0.5 s on L (the fit is exact
// for a linear FOPDT plant; what remains is the linear interpolation of the
// samples and the noise).
func TestTunerRecoversFOPDTUltimate(t *testing.T) {
	for _, tc := range []struct {
		p                  plant
		hysteresis, noise  float64 // fractions of |K|
		period             float64 // s
		wantMinPeriodRatio float64 // relay period / Tu at least this: the hysteresis at work
	}{
		{fopdtPlant, 0, 0, 1, 1},
		{fopdtPlant, 0.03, 0, 1, 1.2},
		{fopdtPlant, 0.03, 0.005, 1, 1.2},
		{plant{name: "FOPDT L = T", k: 2, lags: []float64{30}, delay: 30}, 0.01, 0.005, 1, 0.95},
		{plant{name: "lag-dominant heater", k: 40, lags: []float64{600}, delay: 15}, 0.03, 0, 1, 3},
		{plant{name: "lag-dominant heater", k: 40, lags: []float64{600}, delay: 15}, 0.01, 0.002, 0.5, 1.7},
	} {
		ku, tu := tc.p.ultimate()
		r, err, tuner := tuneRun(t, tc.p, relayConfig(tc.p, tc.hysteresis+2*tc.noise), tc.period, 0, tc.noise*tc.p.k)
		name := tc.p.name
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s, ε=%g, noise ±%g: Ku %.4f (analytic %.4f), Tu %.2f s (%.2f s), relay period %v, describing-function Ku %.4f, K %.3f T %v L %v, %d cycles",
			name, tc.hysteresis, tc.noise, r.Ku, ku, r.Tu.Seconds(), tu, r.Relay.Period, r.Relay.DescribingKu,
			r.Model.K, r.Model.T, r.Model.L, tuner.Cycles())
		if !r.FromModel || !r.Model.Valid {
			t.Errorf("%s: no model fit: %+v", name, r)
			continue
		}
		if relErr(r.Ku, ku) > 0.01 || relErr(r.Tu.Seconds(), tu) > 0.01 {
			t.Errorf("%s: Ku %.4f Tu %.2f s, analytic %.4f %.2f s (±1 %%)", name, r.Ku, r.Tu.Seconds(), ku, tu)
		}
		if relErr(r.Model.K, tc.p.k) > 0.02 || relErr(r.Model.T.Seconds(), tc.p.lags[0]) > 0.02 ||
			math.Abs(r.Model.L.Seconds()-tc.p.delay) > 0.02*tc.p.delay+0.5 {
			t.Errorf("%s: fit K %.4f T %v L %v, plant %g %gs %gs", name, r.Model.K, r.Model.T, r.Model.L, tc.p.k, tc.p.lags[0], tc.p.delay)
		}
		if r.Relay.Period.Seconds() < tc.wantMinPeriodRatio*tu {
			t.Errorf("%s: relay period %v, expected at least %g·Tu", name, r.Relay.Period, tc.wantMinPeriodRatio)
		}
	}
}

// On plants that are not FOPDT the fit is an approximation matched at the
// oscillation frequency and at DC: Ku and Tu stay close to the analytic
// values when the hysteresis is small, and drift as a hysteresis moves the
// oscillation away from the −180° point. The bounds are the measured errors
// with a margin.
func TestTunerOnOtherBenchmarkPlants(t *testing.T) {
	for _, tc := range []struct {
		p            plant
		hysteresis   float64
		period       float64
		kuTol, tuTol float64
	}{
		{secondPlant, 0, 0.1, 0.10, 0.04},  // measured −7.4 %, +2.7 %
		{highOrderPlant, 0, 1, 0.04, 0.01}, // −1.9 %, +0.05 %
		{highOrderPlant, 0.03, 1, 0.13, 0.01},
		{nmpPlant, 0, 1, 0.05, 0.01}, // −3.4 %, +0.6 %
		{nmpPlant, 0.03, 1, 0.10, 0.02},
	} {
		ku, tu := tc.p.ultimate()
		r, err, _ := tuneRun(t, tc.p, relayConfig(tc.p, tc.hysteresis), tc.period, 0, 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.p.name, err)
		}
		t.Logf("%s, ε=%g: Ku %.4f (analytic %.4f, %+.1f %%), Tu %.2f s (%.2f s, %+.1f %%); harmonic Ku %.4f, describing-function Ku %.4f",
			tc.p.name, tc.hysteresis, r.Ku, ku, 100*(r.Ku/ku-1), r.Tu.Seconds(), tu, 100*(r.Tu.Seconds()/tu-1), r.Relay.HarmonicKu, r.Relay.DescribingKu)
		if relErr(r.Ku, ku) > tc.kuTol || relErr(r.Tu.Seconds(), tu) > tc.tuTol {
			t.Errorf("%s, ε=%g: Ku %.4f Tu %.2f s, analytic %.4f %.2f s (±%g %%, ±%g %%)",
				tc.p.name, tc.hysteresis, r.Ku, r.Tu.Seconds(), ku, tu, 100*tc.kuTol, 100*tc.tuTol)
		}
	}
}

// An asymmetric experiment: the setpoint needs 20 % output but the relay
// starts centred on 50 %. With AdaptiveBias the bias moves to about 20 % and
// the high and low times match (M303); without it the cycles stay lopsided.
// The first-harmonic analysis does not need symmetry: both recover Ku and Tu.
func TestTunerAdaptiveBias(t *testing.T) {
	p := fopdtPlant
	ku, tu := p.ultimate()
	for _, adaptive := range []bool{false, true} {
		cfg := relayConfig(p, 0.01)
		cfg.Setpoint = 0.2
		cfg.AdaptiveBias = adaptive
		r, err, _ := tuneRun(t, p, cfg, 1, 0, 0)
		if err != nil {
			t.Fatalf("adaptive %v: %v", adaptive, err)
		}
		asym := math.Abs(r.Relay.High.Seconds()-r.Relay.Low.Seconds()) / r.Relay.Period.Seconds()
		t.Logf("adaptive %v: bias %.3f swing %.3f, high %v low %v, Ku %.4f Tu %v", adaptive, r.Relay.Bias, r.Relay.Swing,
			r.Relay.High, r.Relay.Low, r.Ku, r.Tu)
		if relErr(r.Ku, ku) > 0.01 || relErr(r.Tu.Seconds(), tu) > 0.01 {
			t.Errorf("adaptive %v: Ku %.4f Tu %v, analytic %.4f %.2fs", adaptive, r.Ku, r.Tu, ku, tu)
		}
		if adaptive && (math.Abs(r.Relay.Bias-0.2) > 0.03 || asym > 0.1) {
			t.Errorf("adaptive bias %.3f (want ≈ 0.2), asymmetry %.2f", r.Relay.Bias, asym)
		}
		if !adaptive && (r.Relay.Bias != 0.5 || asym < 0.3) {
			t.Errorf("fixed bias %.3f, asymmetry %.2f: the test needs a lopsided relay", r.Relay.Bias, asym)
		}
	}
}

// A cooling loop under reverse action gives the same figures; the model's
// gain comes out negative.
func TestTunerReverse(t *testing.T) {
	p := plant{name: "cooler", k: -1, lags: []float64{100}, delay: 20}
	cfg := relayConfig(p, 0.01)
	cfg.Setpoint, cfg.Reverse = -0.5, true
	r, err, _ := tuneRun(t, p, cfg, 1, 0, 0)
	ku, tu := fopdtPlant.ultimate()
	if err != nil || relErr(r.Ku, ku) > 0.01 || relErr(r.Tu.Seconds(), tu) > 0.01 || !(r.Model.K < 0) {
		t.Errorf("reverse: %v, Ku %.4f Tu %v K %v; want %.4f %.2fs and K < 0", err, r.Ku, r.Tu, r.Model.K, ku, tu)
	}
}

// A cycle longer than the sample buffer is kept at a lower resolution and
// still measured exactly enough.
func TestTunerLongCycles(t *testing.T) {
	r, err, _ := tuneRun(t, fopdtPlant, relayConfig(fopdtPlant, 0.01), 0.02, 0, 0) // ~4000 samples a cycle
	ku, tu := fopdtPlant.ultimate()
	if err != nil || relErr(r.Ku, ku) > 0.01 || relErr(r.Tu.Seconds(), tu) > 0.01 {
		t.Errorf("long cycles: %v, Ku %.4f Tu %v; want %.4f %.2fs", err, r.Ku, r.Tu, ku, tu)
	}
}

// The abort bounds, each with the output returning to RestOutput.
func TestTunerAborts(t *testing.T) {
	p := fopdtPlant
	for _, tc := range []struct {
		name string
		edit func(*TunerConfig)
		want error
	}{
		{"deviation", func(c *TunerConfig) { c.MaxDeviation = 0.05 }, ErrDeviation},
		{"duration", func(c *TunerConfig) { c.MaxDuration = 3 * units.Minute }, ErrDuration},
		{"no convergence", func(c *TunerConfig) { c.Tolerance = 1e-9; c.MaxCycles = 6 }, ErrNoConvergence},
	} {
		cfg := relayConfig(p, 0.01)
		cfg.RestOutput = 0.1
		tc.edit(&cfg)
		_, err, tuner := tuneRun(t, p, cfg, 1, 0, 0.001)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if u, done := tuner.Step(0.5, units.Time(100*units.Hour)); u != 0.1 || !done || tuner.Output() != 0.1 {
			t.Errorf("%s: after the abort Step gives %v, %v; want RestOutput and done", tc.name, u, done)
		}
	}
}

// Bad samples hold the output; more than MaxBadSamples in a row abort.
// Abort ends the experiment at once.
func TestTunerBadSamplesAndAbort(t *testing.T) {
	var tu Tuner
	if _, err := tu.Result(); err != ErrUnconfigured {
		t.Errorf("unconfigured tuner: %v", err)
	}
	if u, done := tu.Step(1, 0); !done || u != 0 {
		t.Errorf("unconfigured tuner steps: %v, %v", u, done)
	}
	cfg := relayConfig(fopdtPlant, 0.01)
	if err := tu.Configure(cfg); err != nil {
		t.Fatal(err)
	}
	u0, _ := tu.Step(0, sec(0))
	if u0 != 1 {
		t.Fatalf("below the setpoint the relay should push up: %v", u0)
	}
	for k, y := range []float64{math.NaN(), math.Inf(1), 0.1} {
		if u, done := tu.Step(y, sec(float64(k+1))); u != u0 || done {
			t.Fatalf("sample %v: %v, %v; want the held %v", y, u, done, u0)
		}
	}
	if _, err := tu.Result(); err != ErrTuning {
		t.Errorf("running tuner: %v", err)
	}
	tu.Step(0.2, sec(3)) // out of order: held
	tu.Step(0.2, sec(3))
	tu.Step(math.NaN(), sec(4))
	if _, done := tu.Step(math.NaN(), sec(5)); !done || tu.Faults() != 6 {
		t.Errorf("four bad samples in a row: done %v, faults %d", done, tu.Faults())
	}
	if _, err := tu.Result(); err != ErrBadMeasurement {
		t.Errorf("after bad samples: %v", err)
	}
	if err := tu.Configure(cfg); err != nil {
		t.Fatal(err)
	}
	tu.Step(0, sec(0))
	tu.Abort()
	if _, err := tu.Result(); err != ErrAborted {
		t.Errorf("after Abort: %v", err)
	}
}

func TestTunerConfigValidation(t *testing.T) {
	ok := relayConfig(fopdtPlant, 0.01)
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field string
		edit  func(*TunerConfig)
	}{
		{"Setpoint", func(c *TunerConfig) { c.Setpoint = math.NaN() }},
		{"OutMax", func(c *TunerConfig) { c.OutMax = c.OutMin }},
		{"Bias", func(c *TunerConfig) { c.Bias = c.OutMax }},
		{"RestOutput", func(c *TunerConfig) { c.RestOutput = 2 }},
		{"Hysteresis", func(c *TunerConfig) { c.Hysteresis = -1 }},
		{"Amplitude", func(c *TunerConfig) { c.Amplitude = -1 }},
		{"MaxDeviation", func(c *TunerConfig) { c.MaxDeviation = 0 }},
		{"MaxDuration", func(c *TunerConfig) { c.MaxDuration = 0 }},
		{"MinCycles", func(c *TunerConfig) { c.MinCycles = 1 }},
		{"MaxCycles", func(c *TunerConfig) { c.MaxCycles = 3 }},
		{"Tolerance", func(c *TunerConfig) { c.Tolerance = 1 }},
		{"MaxBadSamples", func(c *TunerConfig) { c.MaxBadSamples = -1 }},
	} {
		cfg := ok
		tc.edit(&cfg)
		var ce *ConfigError
		if err := cfg.Validate(); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
}

// The rules' arithmetic, on round figures.
func TestRules(t *testing.T) {
	r := Result{Ku: 8, Tu: 80 * units.Second, Model: FOPDT{K: 2, T: 100 * units.Second, L: 20 * units.Second, Valid: true}}
	for _, tc := range []struct {
		rule       Rule
		kp, ti, td float64
	}{
		{ZieglerNicholsPI, 3.6, 80 / 1.2, 0},
		{ZieglerNicholsPID, 4.8, 40, 10},
		{TyreusLuybenPI, 2.5, 176, 0},
		{TyreusLuybenPID, 8 / 2.2, 176, 80 / 6.3},
		{SIMCPI, 100.0 / (2 * 2 * 20), 100, 0},
		{AMIGOPI, 0.15/2 + (0.35-2000.0/14400)*100/40, 0.35*20 + 13*20*1e4/(1e4+24000+2800), 0},
		{AMIGOPID, (0.2 + 0.45*5) / 2, (8.0 + 80) * 20 / 30, 0.5 * 2000 / 106.0},
	} {
		g, err := r.Gains(tc.rule)
		if err != nil {
			t.Fatalf("%v: %v", tc.rule, err)
		}
		if !near(g.Kp, tc.kp, 1e-9) || !near(g.Ki, tc.kp/tc.ti, 1e-9) || !near(g.Kd, tc.kp*tc.td, 1e-9) {
			t.Errorf("%v: %+v, want Kp %v Ti %v Td %v", tc.rule, g, tc.kp, tc.ti, tc.td)
		}
		if back, err := ParseRule(tc.rule.String()); err != nil || back != tc.rule {
			t.Errorf("ParseRule(%q) = %v, %v", tc.rule.String(), back, err)
		}
	}
	if len(Rules()) != 8 {
		t.Errorf("Rules() = %v", Rules())
	}
	if _, err := (Result{Ku: 8, Tu: 80 * units.Second}).Gains(SIMCPI); err != ErrNoModel {
		t.Errorf("model rule without a model: %v", err)
	}
	if _, err := (Result{}).Gains(ZieglerNicholsPID); err != ErrNoUltimate {
		t.Errorf("ultimate rule without Ku: %v", err)
	}
	if _, err := ParseRule("pid"); err == nil {
		t.Error("ParseRule accepted an unknown name")
	}
	cfg := Gains{Kp: 1, Ki: 2, Kd: 3}.Apply(Config{Kp: 9, OutMax: 5, SetpointWeight: 0.5})
	if cfg.Kp != 1 || cfg.Ki != 2 || cfg.Kd != 3 || cfg.OutMax != 5 || cfg.SetpointWeight != 0.5 {
		t.Errorf("Apply: %+v", cfg)
	}
}

// End to end: tune the FOPDT plant, take the SIMC PI gains, and close the
// loop: the figures are those of the benchmark row built from the true model
// (SIMC on K = 1, T = 100 s, L = 20 s), within the 1 s tolerances.
func TestTunedLoopMeetsTheBenchmark(t *testing.T) {
	r, err, _ := tuneRun(t, fopdtPlant, relayConfig(fopdtPlant, 0.02), 1, 0, 0.002)
	if err != nil {
		t.Fatal(err)
	}
	g, err := r.Gains(SIMCPI)
	if err != nil {
		t.Fatal(err)
	}
	row := benchRows[1]
	cfg := g.Apply(row.cfg)
	got := figuresOf(runLoop(row.p, cfg, row.sc, 1, 10), row.sc)
	tol := tolerances[0]
	t.Logf("tuned SIMC PI: Kp %.4f Ti %v (from the true model 2.5, 100 s): overshoot %.4f settling %v IAE %.3f load IAE %.3f",
		g.Kp, g.Ti(), got.sp.Overshoot, got.sp.SettlingTime, got.sp.IAE, got.loadIAE)
	if math.Abs(got.sp.Overshoot-row.ref.sp.Overshoot) > tol.overshoot ||
		relErr(got.sp.SettlingTime.Seconds(), row.ref.sp.SettlingTime.Seconds()) > tol.settling ||
		relErr(got.sp.IAE, row.ref.sp.IAE) > tol.iae || relErr(got.loadIAE, row.ref.loadIAE) > tol.iae {
		t.Errorf("tuned loop %+v, benchmark %+v", got, row.ref)
	}
	// The Ku/Tu rules give stable loops on this plant too.
	for _, rule := range []Rule{ZieglerNicholsPI, ZieglerNicholsPID, TyreusLuybenPI, TyreusLuybenPID, AMIGOPI, AMIGOPID} {
		g, err := r.Gains(rule)
		if err != nil {
			t.Fatal(err)
		}
		f := figuresOf(runLoop(row.p, g.Apply(row.cfg), row.sc, 1, 10), row.sc)
		t.Logf("%v: Kp %.3f Ti %v Td %v: overshoot %.3f settling %v", rule, g.Kp, g.Ti(), g.Td(), f.sp.Overshoot, f.sp.SettlingTime)
		if !f.sp.Settled || f.sp.SettlingTime > 10*units.Minute {
			t.Errorf("%v: the loop did not settle within 10 minutes: %+v", rule, f.sp)
		}
	}
}

func TestTunerStepDoesNotAllocate(t *testing.T) {
	tu := new(Tuner)
	if err := tu.Configure(relayConfig(fopdtPlant, 0.01)); err != nil {
		t.Fatal(err)
	}
	s := newSim(fopdtPlant, 0.1, 0)
	k := 0
	u := 0.0
	if n := testing.AllocsPerRun(2000, func() {
		u, _ = tu.Step(s.y(), sec(float64(k)))
		s.advance(u, 1)
		k++
	}); n != 0 {
		t.Errorf("Tuner.Step: %v allocations per run", n)
	}
	if tu.Cycles() < 3 {
		t.Errorf("the allocation test should cover complete cycles; %d", tu.Cycles())
	}
}
