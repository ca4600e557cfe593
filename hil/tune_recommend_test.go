package hil

import (
	"math"
	"testing"

	"hearth/pid"
)

// hilSearch is a brute-force gain search on a loop's step run: PI gains and
// the setpoint weight b (the structure of ms-iae's PI), on the report's
// seed, every run with overshoot above 20 % or not settled discarded.
type hilSearch struct {
	s    *LoopSetup
	seed uint64
}

type hilPoint struct {
	kp, ki, b float64
	f         pid.StepFigures
	rev       float64
}

func (h hilSearch) cfg(kp, ki, b float64) pid.Config {
	c := h.s.Base
	c.Kp, c.Ki, c.Kd, c.SetpointWeight, c.DerivativeFilter = kp, ki, 0, b, 0
	return c
}

// run scores every point over all cores; a point that fails the bounds
// gets an infinite IAE.
func (h hilSearch) run(t *testing.T, pts []hilPoint) {
	t.Helper()
	cfgs := make([]pid.Config, len(pts))
	for i, p := range pts {
		cfgs[i] = h.cfg(p.kp, p.ki, p.b)
	}
	figs := stepRuns(t, h.s, cfgs, h.seed)
	for i := range pts {
		pts[i].f = figs[i]
		if !figs[i].Settled || figs[i].Overshoot > 0.2 {
			pts[i].f.IAE = math.Inf(1)
		}
	}
}

// best searches a log grid of n×n (Kp, Ki) over [kp0, kp1]×[ki0, ki1] with b
// in {0, 1/3, 2/3, 1}, then a 7×7 grid at a third of the spacing around the
// best point of each b, and one around the best point overall with b 1/6
// either side of it; it fails the test when the coarse best lies on the
// grid's edge.
func (h hilSearch) best(t *testing.T, kp0, kp1, ki0, ki1 float64, n int) (hilPoint, int) {
	t.Helper()
	grid := func(kps, kis, bs []float64) []hilPoint {
		var pts []hilPoint
		for _, kp := range kps {
			for _, ki := range kis {
				for _, b := range bs {
					pts = append(pts, hilPoint{kp: kp, ki: ki, b: b})
				}
			}
		}
		return pts
	}
	lowest := func(pts []hilPoint, b float64) hilPoint {
		best := hilPoint{f: pid.StepFigures{IAE: math.Inf(1)}}
		for _, p := range pts {
			if (b < 0 || p.b == b) && p.f.IAE < best.f.IAE {
				best = p
			}
		}
		return best
	}
	kps, kis, bs := logspace(kp0, kp1, n), logspace(ki0, ki1, n), []float64{0, 1.0 / 3, 2.0 / 3, 1}
	coarse := grid(kps, kis, bs)
	h.run(t, coarse)
	best := lowest(coarse, -1)
	if math.IsInf(best.f.IAE, 1) {
		t.Fatal("no run of the grid met the bounds")
	}
	if best.kp <= kps[0] || best.kp >= kps[n-1] || best.ki <= kis[0] || best.ki >= kis[n-1] {
		t.Errorf("the coarse best (Kp %.3g, Ki %.3g) is on the grid's edge: widen the search", best.kp, best.ki)
	}
	rp, ri := math.Pow(kp1/kp0, 1/float64(n-1)), math.Pow(ki1/ki0, 1/float64(n-1))
	around := func(p hilPoint, bs []float64) []hilPoint {
		return grid(logspace(p.kp/rp, p.kp*rp, 7), logspace(p.ki/ri, p.ki*ri, 7), bs)
	}
	var fine []hilPoint
	for _, b := range bs {
		if p := lowest(coarse, b); !math.IsInf(p.f.IAE, 1) {
			fine = append(fine, around(p, []float64{b})...)
		}
	}
	for _, b := range []float64{best.b - 1.0/6, best.b + 1.0/6} {
		if b >= 0 && b <= 1 {
			fine = append(fine, around(best, []float64{b})...)
		}
	}
	h.run(t, fine)
	if f := lowest(fine, -1); f.f.IAE < best.f.IAE {
		best = f
	}
	return best, len(coarse) + len(fine)
}

// Issue 18's Done-when on the HIL loops, measured: on the oil, water and
// tank loops (DefaultLoopSetup, the probes quantising to 1/16 K with their
// noise, seed 1), the step IAE of the recommended gains and of ms-iae's
// against the best of a brute-force PI search (Kp, Ki and b) with
// overshoot ≤ 20 %, their overshoot, and their actuator's reversals per
// hour over the step's record. Where the recommended rule is ms-iae the
// test asserts the bounds (IAE ≤ 1.25 × the best, overshoot ≤ 20 %);
// where it is another (oil by the figures, tank for want of a model), that
// the rule does at least as well as ms-iae would, and it logs how far from
// the bound it falls (docs/pid.md §6.6). 4-8 minutes on two shared
// cores; skipped under -short.
func TestRecommendedNearBruteForceOnLoops(t *testing.T) {
	if testing.Short() {
		t.Skip("three brute-force searches of about 870 step runs each")
	}
	t.Logf("| loop | rule | Kp | Ti s | b | J_rec K·s | J_best K·s | ratio | overshoot | reversals/h | best Kp | best Ti s | best b | best overshoot | best reversals/h | runs |")
	for _, l := range Loops() {
		s, err := DefaultLoopSetup(l, "")
		if err != nil {
			t.Fatal(err)
		}
		r, err := Tune(s, 1)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		kp0, kp1 := 0.003, 30.0
		if l == LoopOil {
			kp0, kp1 = 0.1, 100
		}
		h := hilSearch{s: &s, seed: 1}
		best, runs := h.best(t, kp0, kp1, 1e-5, 1, 12)
		_, bestRev, err := s.stepRun(h.cfg(best.kp, best.ki, best.b), 1)
		if err != nil {
			t.Fatal(err)
		}
		rec, ok := r.Recommended()
		if !ok {
			t.Fatalf("%s: the recommended %s yields no gains", l, r.RecommendedRule())
		}
		ms, hasMs := Candidate{}, false
		for _, c := range r.Rules {
			if c.Name == pid.MsIAE.String() {
				ms, hasMs = c, true
			}
			if c.Name != pid.MsIAE.String() && c.Name != rec.Name {
				continue
			}
			f := c.Figures
			t.Logf("| %s | %s | %.4g | %.4g | %.2f | %.1f | %.1f | %.3f | %.1f %% | %.0f | %.4g | %.4g | %.2f | %.1f %% | %.0f | %d |",
				l, c.Name, c.Config.Kp, c.Config.Kp/c.Config.Ki, c.Config.SetpointWeight, f.IAE, best.f.IAE, f.IAE/best.f.IAE,
				100*f.Overshoot, c.ReversalsPerHour, best.kp, best.kp/best.ki, best.b, 100*best.f.Overshoot, bestRev, runs)
		}
		t.Logf("  %s: recommended %s: %s", l, r.RecommendedRule(), r.RecommendedReason())
		f := rec.Figures
		meets := f.Settled && f.IAE <= 1.25*best.f.IAE && f.Overshoot <= 0.2
		switch {
		case r.RecommendedRule() == pid.MsIAE && !meets:
			t.Errorf("%s: ms-iae IAE %.1f K·s (best %.1f, %.3f ×), overshoot %.1f %%, settled %v",
				l, f.IAE, best.f.IAE, f.IAE/best.f.IAE, 100*f.Overshoot, f.Settled)
		case hasMs && r.RecommendedRule() != pid.MsIAE && !(f.Settled && f.IAE <= ms.Figures.IAE):
			t.Errorf("%s: %s recommended with IAE %.1f K·s, ms-iae's is %.1f: recommend ms-iae", l, rec.Name, f.IAE, ms.Figures.IAE)
		case !meets:
			t.Logf("  %s: SHORT of issue 18's bound: %s is %.3f × the best (overshoot %.1f %%)", l, rec.Name, f.IAE/best.f.IAE, 100*f.Overshoot)
		}
	}
}
