package pid

import (
	"math"

	"hearth/units"
)

// filterFor is the derivative filter time for Kd and Td: Td/8 (Config's
// default), longer when one quantum or noise band qEff of the measurement
// would kick the output by more than DerivativeKick of its span.
func (d *design) filterFor(kd, td float64) float64 {
	tf := td / 8
	if d.qEff > 0 && d.span > 0 {
		tf = math.Max(tf, kd*d.qEff/(DerivativeKick*d.span))
	}
	return tf
}

// with returns the design for the parameters x = (ln Kp, ln Ti, b[, ln Td]),
// scored on the model.
func (d design) with(x []float64) design {
	d.kp, d.ti, d.b, d.td, d.tf = math.Exp(x[0]), math.Exp(x[1]), min(1, max(0, x[2])), 0, 0
	if d.pid {
		d.td = math.Exp(x[3])
		d.tf = d.filterFor(d.kp*d.td, d.td)
	}
	cfg := Config{Kp: d.kp, Ki: d.kp / d.ti, Kd: d.kp * d.td, SetpointWeight: d.b,
		DerivativeFilter: units.DurationOf(d.tf), OutMin: -1e12, OutMax: 1e12}
	if !d.pid {
		cfg.DerivativeFilter = 0
	}
	d.score = scoreOnModel(d.m, cfg, d.probe, d.h, d.load, d.loadAt, d.end)
	d.ms = sensitivityPeak(d.m, cfg.Kp, cfg.Ki, cfg.Kd, d.tf, d.h)
	return d
}

// cost is the criterion with an exterior penalty on the bounds.
func (d design) cost() float64 {
	if !d.score.ok {
		return math.Inf(1)
	}
	viol := math.Max(0, d.score.overshoot-d.osMax) + math.Max(0, d.ms-d.msMax)
	if d.noiseMax > 0 {
		viol += math.Max(0, d.noiseGain()/d.noiseMax-1)
	}
	return d.score.j * (1 + 100*viol)
}

// noiseGain is the controller's gain at high frequency, from the
// measurement to the output: Kp, and for a PID Kd/Tf besides.
func (d design) noiseGain() float64 {
	g := d.kp
	if d.pid && d.tf > 0 {
		g += d.kp * d.td / d.tf
	}
	return g
}

// starts are SIMC's settings (τc = L, at least 2 % of T1) on the model
// reduced by the half rule,
// as x vectors: a PI on the half-rule FOPDT, a PID on the SOPDT, each with
// b = 1 and b = 0.5.
func (d *design) starts() [][]float64 {
	k := math.Abs(d.m.K)
	t1, t2, l := d.m.halfRule()
	var kp, ti, td float64
	if d.pid {
		tc := math.Max(l, 0.02*t1)
		kc, ti1, td1 := t1/(k*(tc+l)), math.Min(t1, 4*(tc+l)), math.Max(t2, l/3)
		kp, ti, td = kc*(1+td1/ti1), ti1+td1, ti1*td1/(ti1+td1)
	} else {
		te, le := t1+t2/2, l+t2/2
		tc := math.Max(le, 0.02*te)
		kp, ti = te/(k*(tc+le)), math.Min(te, 4*(tc+le))
	}
	var xs [][]float64
	for _, b := range []float64{1, 0.5} {
		x := []float64{math.Log(kp), math.Log(ti), b}
		if d.pid {
			x = append(x, math.Log(td))
		}
		xs = append(xs, x)
	}
	return xs
}

// optimise searches the gains from each start with Nelder-Mead, then
// restarts from the best.
func (d design) optimise(pid bool) design {
	d.pid = pid
	f := func(x []float64) float64 { return d.with(x).cost() }
	step := []float64{0.5, 0.5, 0.25, 0.5}
	var bx []float64
	bv := math.Inf(1)
	for _, x0 := range d.starts() {
		x, v := nelderMead(f, x0, step[:len(x0)], 250)
		if v < bv || bx == nil {
			bx, bv = x, v
		}
	}
	bx, _ = nelderMead(f, bx, []float64{0.2, 0.2, 0.1, 0.2}[:len(bx)], 150)
	return d.with(bx)
}
