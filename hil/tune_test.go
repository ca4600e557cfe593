package hil

import (
	"errors"
	"math"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"hearth/control"
	"hearth/hil/plant"
	"hearth/pid"
	"hearth/units"
)

// stepRuns runs s.StepRun for every config over all cores; each run is
// deterministic on its own, so the order of execution does not matter.
func stepRuns(t *testing.T, s *LoopSetup, cfgs []pid.Config, seed uint64) []pid.StepFigures {
	t.Helper()
	out := make([]pid.StepFigures, len(cfgs))
	inParallel(t, len(cfgs), func(i int) (err error) {
		out[i], err = s.StepRun(cfgs[i], seed)
		return err
	})
	return out
}

// inParallel runs f(0) … f(n−1) over all cores and fails the test on any
// error.
func inParallel(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

func logspace(a, b float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = a * math.Pow(b/a, float64(i)/float64(n-1))
	}
	return v
}

// gridPoint is one PI of a brute-force search and its figures.
type gridPoint struct {
	kp, ki float64
	f      pid.StepFigures
	i, j   int // indices in the grid
}

// search runs a PI (Kd = 0) for every (Kp, Ki) of a log-spaced n×n grid and
// returns the best IAE among the runs that settled.
func search(t *testing.T, s *LoopSetup, seed uint64, kp0, kp1, ki0, ki1 float64, n int) (best gridPoint, runs int) {
	t.Helper()
	var cfgs []pid.Config
	var pts []gridPoint
	for i, kp := range logspace(kp0, kp1, n) {
		for j, ki := range logspace(ki0, ki1, n) {
			c := s.Base
			c.Kp, c.Ki, c.Kd = kp, ki, 0
			cfgs = append(cfgs, c)
			pts = append(pts, gridPoint{kp: kp, ki: ki, i: i, j: j})
		}
	}
	fs := stepRuns(t, s, cfgs, seed)
	best.f.IAE = math.Inf(1)
	for k := range pts {
		if fs[k].Settled && fs[k].IAE < best.f.IAE {
			best = pts[k]
			best.f = fs[k]
		}
	}
	return best, len(cfgs)
}

// The Done-when of issue 5: autotune on the HIL oil-temperature loop yields
// gains whose closed-loop IAE on a setpoint step is within 20 % of the best
// IAE that a brute-force gain search finds on the same plant.
//
// The tuner runs on the isolated oil loop (DefaultLoopSetup: summer, the dump
// the only sink); the recommended rule for it is Ziegler-Nichols PI (see
// TestRelayUnderestimatesOilUltimateGain and docs/pid.md §6 for why not SIMC).
// The search runs the same step (from the setpoint less 2 K to the
// setpoint), same seed, same plant, with PI gains on a 12×12
// grid spaced by a factor of 1.9 in Kp over 0.1-100 /K (the tuned Kp is near
// 1.4) and by 2.1 in Ki over 3e-4-1 /(K·s), then on a 7×7 grid at a third
// of that spacing around the best point. A run counts when it ends inside
// the 5 % band.
func TestAutotuneOilLoopNearBruteForce(t *testing.T) {
	const seed = 1
	s, err := DefaultLoopSetup(LoopOil, "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Rule != pid.ZieglerNicholsPI {
		t.Fatalf("the oil loop's rule is %s; this test documents zn-pi", s.Rule)
	}
	tun, err := s.Autotune(seed)
	if err != nil {
		t.Fatalf("autotune: %v", err)
	}
	res := tun.Result
	t.Logf("relay: %d cycles over %v, period %v, amplitude %.3f K, phase %.0f°; Ku %.3f /K, Tu %v (from model %v); FOPDT K %.2f K, T %v, L %v",
		res.Relay.Cycles, tun.Duration, res.Relay.Period, res.Relay.Amplitude, res.Relay.Phase*180/math.Pi,
		res.Ku, res.Tu, res.FromModel, res.Model.K, res.Model.T, res.Model.L)

	// Every rule that gives a PI, the recommended one among them, and the
	// current gains, all on the same step.
	var names []string
	var cfgs []pid.Config
	tuned := -1
	for _, rule := range pid.Rules() {
		g, err := res.Gains(rule)
		if err != nil {
			continue
		}
		if rule == s.Rule {
			tuned = len(cfgs)
		}
		names = append(names, rule.String())
		cfgs = append(cfgs, g.Apply(s.Base))
	}
	if tuned < 0 {
		t.Fatalf("rule %s yields no gains", s.Rule)
	}
	names = append(names, "current")
	cfgs = append(cfgs, s.Base)
	figs := stepRuns(t, &s, cfgs, seed)
	ft := figs[tuned]
	if !ft.Settled {
		t.Fatalf("the tuned loop did not settle: %+v", ft)
	}

	const n, kp0, kp1, ki0, ki1 = 12, 0.1, 100.0, 3e-4, 1.0
	best, runs := search(t, &s, seed, kp0, kp1, ki0, ki1, n)
	if math.IsInf(best.f.IAE, 1) {
		t.Fatal("no run of the grid settled")
	}
	if best.i == 0 || best.i == n-1 || best.j == 0 || best.j == n-1 {
		t.Errorf("the best of the coarse grid (Kp %.3g, Ki %.3g) is on its edge: widen the search", best.kp, best.ki)
	}
	rp, ri := math.Pow(kp1/kp0, 1.0/(n-1)), math.Pow(ki1/ki0, 1.0/(n-1))
	fine, more := search(t, &s, seed, best.kp/rp, best.kp*rp, best.ki/ri, best.ki*ri, 7)
	runs += more
	if fine.f.IAE < best.f.IAE {
		best = fine
	}

	for k, f := range figs {
		t.Logf("%-9s Kp %7.4f Ki %8.6f Kd %7.3f: IAE %6.1f K·s (%.2f × best), overshoot %5.1f %%, settling %6.0f s, settled %v",
			names[k], cfgs[k].Kp, cfgs[k].Ki, cfgs[k].Kd, f.IAE, f.IAE/best.f.IAE, 100*f.Overshoot, f.SettlingTime.Seconds(), f.Settled)
	}
	t.Logf("brute force, %d runs: best Kp %.3f, Ki %.4f: IAE %.1f K·s, overshoot %.1f %%, settling %.0f s",
		runs, best.kp, best.ki, best.f.IAE, 100*best.f.Overshoot, best.f.SettlingTime.Seconds())
	t.Logf("tuned (%s) IAE %.1f K·s = %.3f × the brute-force best", s.Rule, ft.IAE, ft.IAE/best.f.IAE)
	if ft.IAE > 1.2*best.f.IAE {
		t.Errorf("tuned IAE %.1f K·s is more than 1.2 × the best the search found, %.1f K·s", ft.IAE, best.f.IAE)
	}
}

// sineResponse drives the loop's actuator with a sinusoid of the given
// period around its output at the setpoint and returns the plant's frequency
// response there (measured on the true quantity over four periods, after
// four), in the direct sense: the phase is −180° where a P controller would
// oscillate.
func sineResponse(t *testing.T, s LoopSetup, seed uint64, period, amp float64) (gain, phaseDeg float64) {
	t.Helper()
	lp, err := NewLoopPlant(s, seed)
	if err != nil {
		t.Fatal(err)
	}
	u0, err := lp.SettleAt(s.SetpointC)
	if err != nil {
		t.Fatal(err)
	}
	n := int(units.DurationOf(period) / Tick)
	var y1, u1 complex128
	for k := range 8 * n {
		w := 2 * math.Pi * float64(k) / float64(n)
		lp.Apply(u0 + amp*math.Sin(w))
		lp.Step()
		if k >= 4*n {
			e := complex(math.Cos(w), -math.Sin(w))
			y1 += complex(lp.Truth(), 0) * e
			u1 += complex(lp.Output(), 0) * e
		}
	}
	g := y1 / u1
	if s.Base.Reverse {
		g = -g
	}
	phaseDeg = math.Atan2(imag(g), real(g)) * 180 / math.Pi
	if phaseDeg > 0 {
		phaseDeg -= 360 // lags only: (−360°, 0°]
	}
	return math.Hypot(real(g), imag(g)), phaseDeg
}

// Why the oil loop's rule is Ziegler-Nichols and not SIMC: the relay cannot
// reach the plant's −180° point. There the oil-in temperature answers the
// valve with a few hundredths of a kelvin per unit, under the DS18B20's
// noise and 1/16 K step, so the relay needs a hysteresis that holds it near
// −110°, and the FOPDT fit extrapolates from there to an ultimate gain far
// below the plant's. Rules on that model come out conservative; the
// aggressive Ziegler-Nichols PI lands nearest the optimum.
func TestRelayUnderestimatesOilUltimateGain(t *testing.T) {
	const seed = 1
	s, err := DefaultLoopSetup(LoopOil, "")
	if err != nil {
		t.Fatal(err)
	}
	tun, err := s.Autotune(seed)
	if err != nil {
		t.Fatal(err)
	}
	// Phase crossover by bisection on the period (the phase falls with
	// frequency); a small amplitude keeps the valve off its rate limit.
	const amp = 0.03
	lo, hi := 20.0, 300.0 // periods, s: phase below −180° at lo, above at hi
	if _, p := sineResponse(t, s, seed, lo, amp); p > -180 {
		t.Fatalf("phase at %g s is %.0f°, not past −180°", lo, p)
	}
	if _, p := sineResponse(t, s, seed, hi, amp); p < -180 {
		t.Fatalf("phase at %g s is %.0f°, already past −180°", hi, p)
	}
	for range 8 {
		mid := math.Sqrt(lo * hi)
		if _, p := sineResponse(t, s, seed, mid, amp); p > -180 {
			hi = mid
		} else {
			lo = mid
		}
	}
	tu := math.Sqrt(lo * hi)
	g, p := sineResponse(t, s, seed, tu, amp)
	ku := 1 / g
	t.Logf("plant: phase %.0f° at a period of %.1f s, gain %.4f K per unit: Ku %.1f /K, Tu %.1f s", p, tu, g, ku, tu)
	t.Logf("relay: phase %.0f° at its period %v; tuner: Ku %.2f /K, Tu %v (%.0f %% of the plant's Ku)",
		tun.Result.Relay.Phase*180/math.Pi, tun.Result.Relay.Period, tun.Result.Ku, tun.Result.Tu, 100*tun.Result.Ku/ku)
	if !(tun.Result.Ku < 0.5*ku) {
		t.Errorf("tuner Ku %.2f is not below half the plant's %.2f: revisit the rule choice in docs/pid.md §6", tun.Result.Ku, ku)
	}
}

// Every loop tunes with its default setup, and its recommended gains settle
// the step.
func TestEveryLoopTunes(t *testing.T) {
	for _, l := range Loops() {
		t.Run(string(l), func(t *testing.T) {
			t.Parallel()
			s, err := DefaultLoopSetup(l, "")
			if err != nil {
				t.Fatal(err)
			}
			r, err := Tune(s, 1)
			if err != nil {
				t.Fatalf("tune: %v (relay %+v)", err, r.Tuning.Result.Relay)
			}
			res := r.Tuning.Result
			if !(res.Ku > 0) || !(res.Tu > 0) {
				t.Errorf("Ku %g, Tu %v", res.Ku, res.Tu)
			}
			rec, ok := r.Recommended()
			if !ok {
				t.Fatalf("rule %s yields no gains", s.Rule)
			}
			for _, c := range append(r.Rules, r.Current) {
				f := c.Figures
				if math.IsNaN(f.IAE) || math.IsInf(f.IAE, 0) || f.IAE <= 0 || f.Overshoot < 0 {
					t.Errorf("%s: figures %+v", c.Name, f)
				}
			}
			if !rec.Figures.Settled {
				t.Errorf("%s did not settle: %+v", rec.Name, rec.Figures)
			}
			t.Logf("Ku %.3f, Tu %v; %s Kp %.4f Ki %.6f: IAE %.1f; current: IAE %.1f",
				res.Ku, res.Tu, rec.Name, rec.Gains.Kp, rec.Gains.Ki, rec.Figures.IAE, r.Current.Figures.IAE)
		})
	}
}

// A report is a pure function of the setup and the seed.
func TestTuneIsDeterministic(t *testing.T) {
	s, err := DefaultLoopSetup(LoopWater, "")
	if err != nil {
		t.Fatal(err)
	}
	a, errA := Tune(s, 7)
	b, errB := Tune(s, 7)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same seed, different reports:\n%+v\n%+v", a, b)
	}
}

func TestLoopSetupRejects(t *testing.T) {
	if _, err := DefaultLoopSetup("house", ""); err == nil {
		t.Error("unknown loop accepted")
	}
	if _, err := DefaultLoopSetup(LoopOil, "autumn"); err == nil {
		t.Error("unknown season accepted")
	}
	s, err := DefaultLoopSetup(LoopOil, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []float64{0, 0.1, 5, -7} {
		bad := s
		bad.StepK = step
		if _, err := NewLoopPlant(bad, 1); err == nil {
			t.Errorf("step %g K accepted", step)
		}
	}
	for _, tau := range []float64{-1, math.NaN(), math.Inf(1)} {
		bad := s
		bad.FilterS = tau
		if _, err := NewLoopPlant(bad, 1); err == nil || !strings.Contains(err.Error(), "measurement filter") {
			t.Errorf("filter %g s: %v", tau, err)
		}
	}
	// The summer weather curve asks for a flow temperature the radiators
	// cannot hold at full compute: the run says so instead of tuning.
	w, err := DefaultLoopSetup(LoopWater, plant.Summer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Autotune(1); !errors.Is(err, ErrNotSettled) {
		t.Errorf("water in summer: %v, want ErrNotSettled", err)
	}
}

// The oil and tank isolations read the oil through control's filter
// (FilterS, control.Config.OilFilterS): at rest, the measurement's
// peak-to-peak over 10 min is a fraction of the raw probes'.
func TestLoopPlantFiltersAsControlDoes(t *testing.T) {
	s, err := DefaultLoopSetup(LoopOil, "")
	if err != nil {
		t.Fatal(err)
	}
	if s.FilterS != control.DefaultConfig().OilFilterS || s.FilterS <= 0 {
		t.Fatalf("oil filter %g s, want control's %g s", s.FilterS, control.DefaultConfig().OilFilterS)
	}
	band := func(tau float64) float64 {
		s := s
		s.FilterS = tau
		lp, err := NewLoopPlant(s, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lp.SettleAt(s.SetpointC); err != nil {
			t.Fatal(err)
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for range int(10 * units.Minute / Tick) {
			y := lp.Measure()
			lo, hi = min(lo, y), max(hi, y)
			lp.Step()
		}
		return hi - lo
	}
	raw, filtered := band(0), band(s.FilterS)
	t.Logf("peak-to-peak at rest over 10 min: raw %.3f K, through %g s %.3f K", raw, s.FilterS, filtered)
	if !(filtered < raw/2) {
		t.Errorf("filtered band %.3f K, raw %.3f K: the filter does not filter", filtered, raw)
	}
}
