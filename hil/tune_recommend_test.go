package hil

import (
	"math"
	"testing"

	"hearth/pid"
	"hearth/units"
)

// hilSearch is a brute-force gain search on a loop's step run: PI gains and
// the setpoint weight b (the structure of ms-iae's PI), then PIDs around
// the best PI, on the report's seed, every run with overshoot
// above 20 % or not settled discarded.
type hilSearch struct {
	s    *LoopSetup
	seed uint64
}

type hilPoint struct {
	kp, ki, b float64
	td        float64 // 0: a PI
	f         pid.StepFigures
	rev       float64
}

// maxReversalsPerHour is "no fan or pump chatter": at most one reversal of
// the actuator (a move of 0.05 or more back) every six minutes over a step
// run's record.
const maxReversalsPerHour = 10

// quiet admits a point that does not chatter.
func quiet(p hilPoint) bool { return p.rev <= maxReversalsPerHour }

// cfgOf is p's configuration: a PID when p.td > 0, its derivative filter
// pid's default Td/8.
func (h hilSearch) cfgOf(p hilPoint) pid.Config {
	c := h.s.Base
	c.Kp, c.Ki, c.Kd, c.SetpointWeight, c.DerivativeFilter = p.kp, p.ki, p.kp*p.td, p.b, 0
	if p.td > 0 {
		c.DerivativeFilter = units.DurationOf(p.td / 8)
	}
	return c
}

// run scores every point over all cores, its IAE and its actuator's
// reversals per hour; a point that fails the bounds gets an infinite IAE.
func (h hilSearch) run(t *testing.T, pts []hilPoint) {
	t.Helper()
	inParallel(t, len(pts), func(i int) (err error) {
		pts[i].f, pts[i].rev, err = h.s.stepRun(h.cfgOf(pts[i]), h.seed)
		return err
	})
	for i := range pts {
		if !pts[i].f.Settled || pts[i].f.Overshoot > 0.2 {
			pts[i].f.IAE = math.Inf(1)
		}
	}
}

// lowest is the point of pts with the lowest IAE that admit admits (any
// when nil) and, when b ≥ 0, with setpoint weight b.
func lowest(pts []hilPoint, b float64, admit func(hilPoint) bool) hilPoint {
	best := hilPoint{f: pid.StepFigures{IAE: math.Inf(1)}}
	for _, p := range pts {
		if (b < 0 || p.b == b) && (admit == nil || admit(p)) && p.f.IAE < best.f.IAE {
			best = p
		}
	}
	return best
}

// searchResult is a search's best point, its best point that does not
// chatter, and the runs it took.
type searchResult struct {
	best, quiet hilPoint
	runs        int
}

// piGrid is the n×n (Kp, Ki) grid of kps × kis for each b in bs, a PI.
func piGrid(kps, kis, bs []float64) []hilPoint {
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

// best searches a log grid of n×n (Kp, Ki) over [kp0, kp1]×[ki0, ki1] with b
// in {0, 1/3, 2/3, 1}, then a 7×7 grid at a third of the spacing around the
// best point of each b, and one around the best point overall with b 1/6
// either side of it; where that best chatters, a 7×7 grid around the best
// point that does not, for each b. It fails the test when the coarse best
// lies on the grid's edge.
func (h hilSearch) best(t *testing.T, kp0, kp1, ki0, ki1 float64, n int) searchResult {
	t.Helper()
	kps, kis, bs := logspace(kp0, kp1, n), logspace(ki0, ki1, n), []float64{0, 1.0 / 3, 2.0 / 3, 1}
	coarse := piGrid(kps, kis, bs)
	h.run(t, coarse)
	best := lowest(coarse, -1, nil)
	if math.IsInf(best.f.IAE, 1) {
		t.Fatal("no run of the grid met the bounds")
	}
	if best.kp <= kps[0] || best.kp >= kps[n-1] || best.ki <= kis[0] || best.ki >= kis[n-1] {
		t.Errorf("the coarse best (Kp %.3g, Ki %.3g) is on the grid's edge: widen the search", best.kp, best.ki)
	}
	rp, ri := math.Pow(kp1/kp0, 1/float64(n-1)), math.Pow(ki1/ki0, 1/float64(n-1))
	around := func(p hilPoint, bs []float64) []hilPoint {
		return piGrid(logspace(p.kp/rp, p.kp*rp, 7), logspace(p.ki/ri, p.ki*ri, 7), bs)
	}
	var fine []hilPoint
	for _, b := range bs {
		if p := lowest(coarse, b, nil); !math.IsInf(p.f.IAE, 1) {
			fine = append(fine, around(p, []float64{b})...)
		}
	}
	for _, b := range []float64{best.b - 1.0/6, best.b + 1.0/6} {
		if b >= 0 && b <= 1 {
			fine = append(fine, around(best, []float64{b})...)
		}
	}
	h.run(t, fine)
	all := append(coarse, fine...)
	r := searchResult{best: lowest(all, -1, nil), quiet: lowest(all, -1, quiet), runs: len(all)}
	if !quiet(r.best) && !math.IsInf(r.quiet.f.IAE, 1) {
		more := around(r.quiet, bs)
		h.run(t, more)
		r.runs += len(more)
		if q := lowest(more, -1, quiet); q.f.IAE < r.quiet.f.IAE {
			r.quiet = q
		}
	}
	return r
}

// bestPID searches PIDs around the best PI of pi: Td of Ti/8, Ti/4 and
// Ti/2 (Ti the PI's), b in {0, 1/3, 2/3}, each on a 7×7 log grid of Kp and
// Ki spanning factors of 9 and 3 around the PI's, then a 7×7 grid at a
// ninth of that around the best and around the best that does not
// chatter; the derivative filter pid's default, Td/8.
func (h hilSearch) bestPID(t *testing.T, pi searchResult) searchResult {
	t.Helper()
	grid := func(p hilPoint, kf, kif float64, tds, bs []float64) []hilPoint {
		var pts []hilPoint
		for _, td := range tds {
			for _, q := range piGrid(logspace(p.kp/kf, p.kp*kf, 7), logspace(p.ki/kif, p.ki*kif, 7), bs) {
				q.td = td
				pts = append(pts, q)
			}
		}
		return pts
	}
	ti := pi.best.kp / pi.best.ki
	pts := grid(pi.best, 3, math.Sqrt(3), []float64{ti / 8, ti / 4, ti / 2}, []float64{0, 1.0 / 3, 2.0 / 3})
	h.run(t, pts)
	r := searchResult{best: pi.best, quiet: pi.quiet, runs: pi.runs + len(pts)}
	refine := func(p hilPoint, admit func(hilPoint) bool) hilPoint {
		fine := grid(p, math.Pow(3, 1.0/9), math.Pow(3, 1.0/18), []float64{p.td}, []float64{p.b})
		h.run(t, fine)
		r.runs += len(fine)
		if f := lowest(fine, -1, admit); f.f.IAE < p.f.IAE {
			return f
		}
		return p
	}
	if b := lowest(pts, -1, nil); b.f.IAE < r.best.f.IAE {
		r.best = refine(b, nil)
	}
	if q := lowest(pts, -1, quiet); q.f.IAE < r.quiet.f.IAE {
		r.quiet = refine(q, quiet)
	}
	return r
}

// Issue 18's Done-when on the HIL loops, measured: on the oil, water and
// tank loops (DefaultLoopSetup, the probes quantising to 1/16 K with their
// noise, control's 10 s filter on oil and tank, seed 1), the step IAE of
// the recommended gains and of ms-iae's against the best of a brute-force
// search with overshoot ≤ 20 % (PI gains and b, then PIDs around the best
// PI), their overshoot, and their actuator's reversals per
// hour over the step's record. It asserts, on every loop, that the
// recommended gains do not chatter (maxReversalsPerHour), overshoot at
// most 20 %, and reach at most 1.25 × the best that does not chatter
// either: a tuning that chatters is not one the issue admits. Against the
// search's best overall, chattering or not, it logs the ratio and where it
// is above 1.25 says so (docs/pid.md §6.6). Where another rule than
// ms-iae is recommended it asserts that it does at least as well. About
// 6-9 minutes on two shared cores; skipped under -short.
func TestRecommendedNearBruteForceOnLoops(t *testing.T) {
	if testing.Short() {
		t.Skip("three brute-force searches of about 1300-1500 step runs each")
	}
	t.Logf("| loop | rule | Kp | Ti s | Td s | b | J_rec K·s | rev/h | overshoot | J_quiet K·s | ratio | J_best K·s | ratio | best Kp, Ti, Td, b | best rev/h | runs |")
	for _, l := range Loops() {
		s, err := DefaultLoopSetup(l, "")
		if err != nil {
			t.Fatal(err)
		}
		r, err := Tune(s, 1)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		rec, ok := r.Recommended()
		if !ok {
			t.Fatalf("%s: the recommended %s yields no gains", l, r.RecommendedRule())
		}
		kp0, kp1 := 0.003, 30.0
		if l == LoopOil {
			kp0, kp1 = 0.1, 100
		}
		h := hilSearch{s: &s, seed: 1}
		sr := h.bestPID(t, h.best(t, kp0, kp1, 1e-5, 1, 12))
		best, qb := sr.best, sr.quiet
		ms, hasMs := Candidate{}, false
		for _, c := range r.Rules {
			if c.Name == pid.MsIAE.String() {
				ms, hasMs = c, true
			}
			if c.Name != pid.MsIAE.String() && c.Name != rec.Name {
				continue
			}
			f, g := c.Figures, c.Config
			t.Logf("| %s | %s | %.4g | %.4g | %.3g | %.2f | %.1f | %.0f | %.1f %% | %.1f | %.3f | %.1f | %.3f | %.4g, %.4g, %.3g, %.2f | %.0f | %d |",
				l, c.Name, g.Kp, g.Kp/g.Ki, g.Kd/g.Kp, g.SetpointWeight, f.IAE, c.ReversalsPerHour, 100*f.Overshoot,
				qb.f.IAE, f.IAE/qb.f.IAE, best.f.IAE, f.IAE/best.f.IAE, best.kp, best.kp/best.ki, best.td, best.b, best.rev, sr.runs)
		}
		t.Logf("  %s: recommended %s: %s", l, r.RecommendedRule(), r.RecommendedReason())
		t.Logf("  %s: best that does not chatter: Kp %.4g, Ti %.4g s, Td %.3g s, b %.2f: %.1f K·s, %.0f reversals/h, overshoot %.1f %%",
			l, qb.kp, qb.kp/qb.ki, qb.td, qb.b, qb.f.IAE, qb.rev, 100*qb.f.Overshoot)
		f := rec.Figures
		if !(f.Settled && f.IAE <= 1.25*qb.f.IAE && f.Overshoot <= 0.2) {
			t.Errorf("%s: %s IAE %.1f K·s (best without chatter %.1f, %.3f ×), overshoot %.1f %%, settled %v",
				l, rec.Name, f.IAE, qb.f.IAE, f.IAE/qb.f.IAE, 100*f.Overshoot, f.Settled)
		}
		if rec.ReversalsPerHour > maxReversalsPerHour {
			t.Errorf("%s: %s reverses its actuator %.0f times an hour, want at most %d: chatter", l, rec.Name, rec.ReversalsPerHour, maxReversalsPerHour)
		}
		if f.IAE > 1.25*best.f.IAE {
			t.Logf("  %s: SHORT against the search's best overall: %.3f × (that best reverses its actuator %.0f times an hour)",
				l, f.IAE/best.f.IAE, best.rev)
		}
		if hasMs && r.RecommendedRule() != pid.MsIAE && !(f.Settled && f.IAE <= ms.Figures.IAE) {
			t.Errorf("%s: %s recommended with IAE %.1f K·s, ms-iae's is %.1f: recommend ms-iae", l, rec.Name, f.IAE, ms.Figures.IAE)
		}
	}
}
