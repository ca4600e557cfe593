package pid

import (
	"math"
	"testing"

	"hearth/units"
)

// autoPlant is a benchmark plant of the autotune batch, with the probe's
// noise (± uniform) and quantum when the case has them.
type autoPlant struct {
	p            plant
	noise, quant float64
	// msLimited marks the one plant where no controller of the structure
	// with Ms ≤ 2 comes within 1.25 of the unconstrained brute force (its
	// optimum has Ms 4.1; docs/pid.md §4.6): there the test checks that
	// this is so, and judges the recommendation against the best the brute
	// force finds under Ms ≤ DefaultMaxSensitivity instead.
	msLimited bool
}

// autoPlants is issue 18's batch: FOPDT from lag- to delay-dominant, a
// second order with dead time, lags of order 3, 4 and 8, a non-minimum-phase
// plant, and a slow thermal plant, clean and with a DS18B20's 1/16 K
// quantum and ±0.02 K of noise.
var autoPlants = []autoPlant{
	{p: plant{name: "FOPDT L/T = 0.1", k: 1, lags: []float64{100}, delay: 10}},
	{p: plant{name: "FOPDT L/T = 1", k: 1, lags: []float64{60}, delay: 60}},
	{p: plant{name: "FOPDT L/T = 10", k: 1, lags: []float64{10}, delay: 100}},
	{p: plant{name: "SOPDT 100/30 s, L 10 s", k: 1, lags: []float64{100, 30}, delay: 10}},
	{p: plant{name: "(20s+1)^-3", k: 1, lags: []float64{20, 20, 20}}, msLimited: true},
	{p: plant{name: "(15s+1)^-4", k: 1, lags: []float64{15, 15, 15, 15}}},
	{p: plant{name: "(10s+1)^-8", k: 1, lags: []float64{10, 10, 10, 10, 10, 10, 10, 10}}},
	{p: plant{name: "(1-5s)/(10s+1)^3", k: 1, lags: []float64{10, 10, 10}, zero: -5}},
	{p: plant{name: "thermal 1800 s, L 60 s", k: 20, lags: []float64{1800}, delay: 60}},
	{p: plant{name: "thermal, 1/16 K, ±0.02 K", k: 20, lags: []float64{1800}, delay: 60}, noise: 0.02, quant: 1.0 / 16},
}

// residence is the plant's average residence time L + ΣT − zero.
func (p plant) residence() float64 {
	t := p.delay - p.zero
	for _, l := range p.lags {
		t += l
	}
	return t
}

// benchPeriod is the controller's period on the plant: Tar/200, at most L/5.
func (p plant) benchPeriod() float64 {
	h := p.residence() / 200
	if p.delay > 0 {
		h = math.Min(h, p.delay/5)
	}
	return h
}

func (ap autoPlant) substeps(h float64) int {
	n := 1
	for _, l := range ap.p.lags {
		n = max(n, int(math.Ceil(h/(l/10))))
	}
	return n
}

// autotune runs the relay tuner (0 ↔ 1 around half the plant's gain, a
// quiet window of 30 periods, the hysteresis from the noise band) on the plant.
func (ap autoPlant) autotune(t *testing.T) Result {
	h := ap.p.benchPeriod()
	cfg := relayConfig(ap.p, 0)
	cfg.QuietTime = units.DurationOf(30 * h)
	tu := new(Tuner)
	if err := tu.Configure(cfg); err != nil {
		t.Fatal(err)
	}
	s := newSim(ap.p, h/float64(ap.substeps(h)), 0)
	pr := probe{ap.noise, ap.quant, 11}
	for k := 0; ; k++ {
		u, done := tu.Step(pr.read(s.y()), units.Time(units.DurationOf(float64(k)*h)))
		if done {
			r, err := tu.Result()
			if err != nil {
				t.Fatalf("%s: %v", ap.p.name, err)
			}
			return r
		}
		s.advance(u, h)
	}
}

// score closes the loop of cfg around the plant: a setpoint step of 0.1·|K|
// from rest at 0, a load step of −0.05 at the plant input at 6·Tar, to
// 12·Tar. J is the IAE of the true output over both; the overshoot is the
// setpoint step's.
func (ap autoPlant) score(cfg Config) loopScore {
	c, err := New(cfg)
	if err != nil {
		return loopScore{}
	}
	h, tar := ap.p.benchPeriod(), ap.p.residence()
	r := 0.1 * math.Abs(ap.p.k)
	s := newSim(ap.p, h/float64(ap.substeps(h)), 0)
	pr := probe{ap.noise, ap.quant, 5}
	var sc loopScore
	prevE := r
	n := int(math.Round(12 * tar / h))
	for k := 0; k <= n; k++ {
		t := float64(k) * h
		y := s.y()
		e := r - y
		if k > 0 {
			sc.j += absIntegral(prevE, e, h)
		}
		if t < 6*tar {
			sc.overshoot = math.Max(sc.overshoot, -e/r)
		}
		prevE = e
		u := c.Update(r, pr.read(y), 0, units.Time(units.DurationOf(t)))
		if t >= 6*tar {
			u -= 0.05
		}
		s.advance(u, h)
	}
	sc.ok = finite(sc.j) && math.Abs(prevE) < 0.05*r
	return sc
}

// TestAutotuneBenchmark is issue 18's acceptance: on every plant of the
// batch the relay experiment, then Recommend, give a loop whose J is at
// most 1.25 times the best a brute-force search over the same structure
// finds with overshoot ≤ 20 %, and which overshoots at most 20 % itself.
// On the one msLimited plant the best is the brute force's under Ms ≤ 2,
// after checking that the bound costs more than 1.25 there.
func TestAutotuneBenchmark(t *testing.T) {
	if testing.Short() {
		t.Skip("the brute-force search takes about a minute")
	}
	t.Logf("| plant | rule | Kp | Ti s | Td s | b | Ms | J_rec | J_best | ratio | overshoot | best overshoot | best Ms |")
	for _, ap := range autoPlants {
		r := ap.autotune(t)
		h := ap.p.benchPeriod()
		rc, err := r.Recommend(RecommendOptions{Period: units.DurationOf(h), Quantum: ap.quant, SetpointStep: 0.1 * math.Abs(ap.p.k)})
		if err != nil {
			t.Fatalf("%s: %v", ap.p.name, err)
		}
		got := ap.score(rc.Apply(Config{OutMin: -1e12, OutMax: 1e12}))
		sp := searchSpace{ap: ap, pid: rc.Gains.Kd > 0,
			d: design{qEff: math.Max(ap.quant, r.NoiseBand), span: 2 * r.Relay.Swing}}
		bx, jBest, runs := sp.bruteForce()
		best := ap.score(sp.cfg(bx))
		kind := "PI"
		if sp.pid {
			kind = "PID"
		}
		td := 0.0
		if rc.Gains.Kd > 0 {
			td = rc.Gains.Td().Seconds()
		}
		bc := sp.cfg(bx)
		msBest := sensitivityPeak(r.Second, bc.Kp, bc.Ki, bc.Kd, bc.DerivativeFilter.Seconds(), h)
		t.Logf("| %s | %s %s | %.4g | %.4g | %.4g | %.2f | %.2f | %.4g | %.4g | %.3f | %.1f %% | %.1f %% | %.2f |",
			ap.p.name, rc.Rule, kind, rc.Gains.Kp, rc.Gains.Ti().Seconds(), td, rc.SetpointWeight, rc.Ms,
			got.j, jBest, got.j/jBest, 100*got.overshoot, 100*best.overshoot, msBest)
		t.Logf("  %s: %s; fit K %.4g T1 %.4g s T2 %.4g s L %.4g s N %d, band %.3g; best Kp %.4g Ti %.4g s Td %.4g s b %.2f (%d runs)",
			ap.p.name, rc.Reason, r.Second.K, r.Second.T1.Seconds(), r.Second.T2.Seconds(), r.Second.L.Seconds(), r.Second.N,
			r.NoiseBand, bc.Kp, bc.Kp/bc.Ki, bc.Kd/bc.Kp, bc.SetpointWeight, runs)
		if ap.msLimited {
			jBest = msLimitedBest(t, sp, rc, jBest, got.j)
		}
		if !got.ok || got.j > 1.25*jBest || got.overshoot > 0.2 {
			t.Errorf("%s: J %.4g (best %.4g, ratio %.3f), overshoot %.1f %%, settled %v",
				ap.p.name, got.j, jBest, got.j/jBest, 100*got.overshoot, got.ok)
		}
	}
}

// msLimitedBest runs the brute force again under Ms ≤ DefaultMaxSensitivity
// on the true plant (the grid, then Nelder-Mead from its three best points
// and from the recommendation's), checks that this bound, not the rule, is
// what keeps the recommendation (J rec) from 1.25 of the unconstrained best
// (J best), and returns the constrained best.
func msLimitedBest(t *testing.T, sp searchSpace, rc Recommendation, jBest, rec float64) float64 {
	t.Helper()
	sp.msMax = DefaultMaxSensitivity
	x0 := []float64{math.Log(rc.Gains.Kp), math.Log(rc.Gains.Ti().Seconds()), rc.SetpointWeight}
	if sp.pid {
		x0 = append(x0, math.Log(rc.Gains.Td().Seconds()))
	}
	bx, jMs, runs := sp.bruteForce(x0)
	c := sp.cfg(bx)
	t.Logf("  %s under Ms ≤ %.1f: best J %.4g (Kp %.4g Ti %.4g s Td %.4g s b %.2f, Ms %.3f, overshoot %.1f %%, %d runs) = %.3f × the unconstrained best; the recommendation %.3f × it",
		sp.ap.p.name, sp.msMax, jMs, c.Kp, c.Kp/c.Ki, c.Kd/c.Kp, c.SetpointWeight, sp.ms(c), 100*sp.ap.score(c).overshoot, runs,
		jMs/jBest, rec/jMs)
	if !(jMs > 1.25*jBest) {
		t.Errorf("%s: the best under Ms ≤ %.1f, J %.4g, is within 1.25 of the unconstrained %.4g: the plant is not Ms-limited, judge it against the unconstrained best",
			sp.ap.p.name, sp.msMax, jMs, jBest)
	}
	return jMs
}
