package pid

import (
	"math"
	"testing"

	"hearth/units"
)

// loopFigures are the figures a benchmark row is judged by: those of the
// setpoint step (before the load), and those of the load step after it.
type loopFigures struct {
	sp       StepFigures
	loadIAE  float64 // ∫|r − y| dt from the load step to the end
	loadPeak float64 // max |r − y| after the load step
	loadIE   float64 // Σ e·h after the load step, the integrator's own sum
}

func figuresOf(rec loopRecord, sc scenario) loopFigures {
	loadAt := units.Time(units.DurationOf(sc.loadAt))
	m, err := NewStepMeter(0, 0, sc.setpoint, 0.02)
	if err != nil {
		panic(err)
	}
	var f loopFigures
	for k, t := range rec.t {
		e := sc.setpoint - rec.y[k]
		if t < loadAt {
			m.Add(t, rec.y[k])
			continue
		}
		f.loadPeak = math.Max(f.loadPeak, math.Abs(e))
		if k+1 < len(rec.t) {
			f.loadIE += e * rec.t[k+1].Sub(t).Seconds()
		}
		if k > 0 && rec.t[k-1] >= loadAt {
			f.loadIAE += absIntegral(sc.setpoint-rec.y[k-1], e, t.Sub(rec.t[k-1]).Seconds())
		}
	}
	f.sp = m.Figures()
	return f
}

// benchRow is one benchmark: a plant, the gains (and the rule they come
// from), and the reference figures of the continuous loop.
type benchRow struct {
	name  string
	p     plant
	cfg   Config
	sc    scenario
	ref   loopFigures // sp.Overshoot, sp.SettlingTime, sp.IAE, loadIAE, loadPeak
	exact bool        // ref is analytic
}

func pidCfg(kp, ti, td, b float64) Config {
	c := Config{Kp: kp, Ki: kp / ti, Kd: kp * td, SetpointWeight: b, OutMin: -10, OutMax: 10}
	return c
}

func refFig(os, ts, iae, loadIAE, loadPeak float64) loopFigures {
	return loopFigures{sp: StepFigures{Overshoot: os, SettlingTime: units.DurationOf(ts), IAE: iae},
		loadIAE: loadIAE, loadPeak: loadPeak}
}

// benchRows: a unit setpoint step at t = 0, then a load step of −0.5 at the
// plant input. The reference figures come from refLoop (the continuous
// loop, RK4 at 1 ms, output sampled every 0.1 s) except the first row's,
// which are analytic; TestReferenceFigures re-derives them all.
var benchRows = []benchRow{
	{
		// 1/(50s+1), PI with Ti = T: the loop is first order with time
		// constant τ = T/(K·Kp) = 25 s, so overshoot 0, settling τ·ln 50,
		// IAE τ; the load response is d·(e^{−t/T} − e^{−2t/T}), IAE
		// |d|/Ki = 12.5, peak |d|/4 = 0.125.
		name: "first order, PI cancelling the lag (analytic)",
		p:    plant{name: "first order", k: 1, lags: []float64{50}},
		cfg:  pidCfg(2, 50, 0, 1), sc: scenario{1, -0.5, 600, 1600},
		ref:   refFig(0, 25*math.Log(50), 25, 12.5, 0.125),
		exact: true,
	},
	{
		// SIMC PI, τc = L: Kp = T/(K(τc+L)) = 2.5, Ti = min(T, 4(τc+L)) = 100.
		name: "FOPDT, SIMC PI",
		p:    fopdtPlant, cfg: pidCfg(2.5, 100, 0, 1), sc: scenario{1, -0.5, 600, 1600},
		ref: refFig(0.04053, 121.13, 43.374, 19.999, 0.14624),
	},
	{
		// AMIGO PID: Kp = (0.2 + 0.45T/L)/K = 2.45,
		// Ti = L(0.4L + 0.8T)/(L + 0.1T) = 58.67, Td = 0.5LT/(0.3L + T) = 9.434;
		// b = 0.5 exercises setpoint weighting.
		name: "FOPDT, AMIGO PID, b = 0.5",
		p:    fopdtPlant, cfg: pidCfg(2.45, 58.67, 9.434, 0.5), sc: scenario{1, -0.5, 600, 1600},
		ref: refFig(0.06153, 258.35, 66.041, 13.043, 0.12342),
	},
	{
		// SIMC PID for a second-order plant, τc = 4θ = 8: series
		// Kc = τ1/(K(τc+θ)) = 4, τI = min(τ1, 4(τc+θ)) = 40, τD = τ2 = 10,
		// in parallel form Kp = 5, Ti = 50, Td = 8.
		name: "second order, SIMC PID",
		p:    secondPlant, cfg: pidCfg(5, 50, 8, 1), sc: scenario{1, -0.5, 600, 1600},
		ref: refFig(0.07839, 125.33, 20.793, 5.0000, 0.071194),
	},
	{
		// AMIGO PID on the half-rule FOPDT of (10s+1)^4 (T = 15, L = 25):
		// Kp = 0.47, Ti = 20.75, Td = 8.333.
		name: "high order lag, AMIGO PID",
		p:    highOrderPlant, cfg: pidCfg(0.47, 20.75, 8.333, 1), sc: scenario{1, -0.5, 600, 1600},
		ref: refFig(0.04205, 169.38, 49.775, 23.209, 0.31452),
	},
	{
		// SIMC PI on the half-rule FOPDT of (1−5s)/(10s+1)^3 (T = 15, L = 20):
		// Kp = 0.375, Ti = 15.
		name: "non-minimum phase, SIMC PI",
		p:    nmpPlant, cfg: pidCfg(0.375, 15, 0, 1), sc: scenario{1, -0.5, 600, 1600},
		ref: refFig(0.04766, 132.57, 44.300, 21.404, 0.35788),
	},
}

// tolerance is how far the sampled loop may stray from the continuous
// reference. Sampling at h behaves like about h/2 of extra dead time and an
// Euler integral; the deviations shrink in proportion to h, so the bounds at
// 0.1 s are a tenth of those at 1 s and catch any error in the algorithm.
type tolerance struct {
	period    float64 // controller period, s
	overshoot float64 // absolute, fraction of the step
	settling  float64 // relative
	iae       float64 // relative, for the setpoint and the load IAE
	peak      float64 // relative, load peak
}

var tolerances = []tolerance{
	{period: 1, overshoot: 0.015, settling: 0.05, iae: 0.03, peak: 0.03},
	{period: 0.1, overshoot: 0.002, settling: 0.01, iae: 0.005, peak: 0.005},
}

func relErr(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }

func TestBenchmarkPlants(t *testing.T) {
	for _, row := range benchRows {
		for _, tol := range tolerances {
			rec := runLoop(row.p, row.cfg, row.sc, tol.period, int(math.Round(tol.period/0.01)))
			got := figuresOf(rec, row.sc)
			t.Logf("%s, h=%gs: overshoot %.4f (ref %.4f), settling %.2fs (ref %.2fs), IAE %.4f (ref %.4f), load IAE %.4f (ref %.4f), load peak %.4f (ref %.4f)",
				row.name, tol.period, got.sp.Overshoot, row.ref.sp.Overshoot, got.sp.SettlingTime.Seconds(), row.ref.sp.SettlingTime.Seconds(),
				got.sp.IAE, row.ref.sp.IAE, got.loadIAE, row.ref.loadIAE, got.loadPeak, row.ref.loadPeak)
			if !got.sp.Settled {
				t.Errorf("%s, h=%gs: never settled", row.name, tol.period)
			}
			if d := math.Abs(got.sp.Overshoot - row.ref.sp.Overshoot); d > tol.overshoot {
				t.Errorf("%s, h=%gs: overshoot %.4f, reference %.4f ± %.4f", row.name, tol.period, got.sp.Overshoot, row.ref.sp.Overshoot, tol.overshoot)
			}
			if e := relErr(got.sp.SettlingTime.Seconds(), row.ref.sp.SettlingTime.Seconds()); e > tol.settling {
				t.Errorf("%s, h=%gs: settling %v, reference %v ± %g%%", row.name, tol.period, got.sp.SettlingTime, row.ref.sp.SettlingTime, 100*tol.settling)
			}
			if e := relErr(got.sp.IAE, row.ref.sp.IAE); e > tol.iae {
				t.Errorf("%s, h=%gs: IAE %.4f, reference %.4f ± %g%%", row.name, tol.period, got.sp.IAE, row.ref.sp.IAE, 100*tol.iae)
			}
			if e := relErr(got.loadIAE, row.ref.loadIAE); e > tol.iae {
				t.Errorf("%s, h=%gs: load IAE %.4f, reference %.4f ± %g%%", row.name, tol.period, got.loadIAE, row.ref.loadIAE, 100*tol.iae)
			}
			if e := relErr(got.loadPeak, row.ref.loadPeak); e > tol.peak {
				t.Errorf("%s, h=%gs: load peak %.4f, reference %.4f ± %g%%", row.name, tol.period, got.loadPeak, row.ref.loadPeak, 100*tol.peak)
			}
			// The integrator must absorb the load exactly: Ki·Σe·h = |d|,
			// whatever the plant (an analytic property of integral action).
			if ie, want := got.loadIE, -row.sc.load/row.cfg.Ki; relErr(ie, want) > 1e-3 {
				t.Errorf("%s, h=%gs: integrated load error %.5f, want |d|/Ki = %.5f", row.name, tol.period, ie, want)
			}
		}
	}
}

// TestReferenceFigures re-derives the reference column of benchRows (and
// docs/pid.md) from the continuous loop, at a 2 ms step: the table matches to
// its printed precision, and the analytic row matches the simulation.
func TestReferenceFigures(t *testing.T) {
	for _, row := range benchRows {
		got := figuresOf(refLoop(row.p, refFromConfig(row.cfg), row.sc, 0.002, 0.1), row.sc)
		t.Logf("%s: refFig(%.5f, %.2f, %.5g, %.5g, %.5g)",
			row.name, got.sp.Overshoot, got.sp.SettlingTime.Seconds(), got.sp.IAE, got.loadIAE, got.loadPeak)
		if math.Abs(got.sp.Overshoot-row.ref.sp.Overshoot) > 2e-5 ||
			relErr(got.sp.SettlingTime.Seconds(), row.ref.sp.SettlingTime.Seconds()) > 1e-4 ||
			relErr(got.sp.IAE, row.ref.sp.IAE) > 1e-4 || relErr(got.loadIAE, row.ref.loadIAE) > 1e-4 ||
			relErr(got.loadPeak, row.ref.loadPeak) > 1e-4 {
			t.Errorf("%s: the continuous reference gives %+v, the table says %+v", row.name, got, row.ref)
		}
	}
}
