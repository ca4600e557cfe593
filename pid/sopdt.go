package pid

import (
	"math"

	"hearth/units"
)

// SOPDT is a second-order-plus-dead-time model K·e^{−Ls}/((T1·s + 1)(T2·s + 1)),
// T1 ≥ T2 ≥ 0; T2 = 0 is the first-order model.
type SOPDT struct {
	K      float64 // static gain, signed as FOPDT.K
	T1, T2 units.Duration
	L      units.Duration
	// Residual is the RMS misfit of the step from rest to the first relay
	// switch, as a fraction of the step's measured rise.
	Residual float64
	// Valid is false without a valid FOPDT fit (the static gain) or
	// without a recorded step of at least a few samples.
	Valid bool
}

// Order is 2 when the second lag matters (T2 at least a tenth of T1), else 1.
func (m SOPDT) Order() int {
	if m.T2.Seconds() >= 0.1*m.T1.Seconds() && m.T2 > 0 {
		return 2
	}
	return 1
}

// Response returns |G(jω)| and the unwrapped arg G(jω).
func (m SOPDT) Response(w float64) (gain, phase float64) {
	t1, t2 := m.T1.Seconds(), m.T2.Seconds()
	gain = math.Abs(m.K) / (math.Hypot(1, w*t1) * math.Hypot(1, w*t2))
	return gain, -math.Atan(w*t1) - math.Atan(w*t2) - w*m.L.Seconds()
}

// NormalisedDeadTime is τ = L'/(L' + T') of the model's half-rule FOPDT
// equivalent (T' = T1 + T2/2, L' = L + T2/2): 0 for a pure lag, 1 for a
// pure dead time.
func (m SOPDT) NormalisedDeadTime() float64 {
	t1, t2, l := m.T1.Seconds(), m.T2.Seconds(), m.L.Seconds()
	le, te := l+t2/2, t1+t2/2
	if le+te == 0 {
		return 0
	}
	return le / (le + te)
}

// unitStep is the response of 1/((t1·s + 1)(t2·s + 1)) to a unit step, at t ≥ 0.
func unitStep(t, t1, t2 float64) float64 {
	switch {
	case t <= 0:
		return 0
	case t1 <= 0:
		return 1
	case t2 <= 1e-9*t1:
		return -math.Expm1(-t / t1)
	case t1-t2 <= 1e-6*t1:
		return 1 - (1+t/t1)*math.Exp(-t/t1)
	}
	return 1 - (t1*math.Exp(-t/t1)-t2*math.Exp(-t/t2))/(t1-t2)
}

// lagsThrough returns T1 and L of the SOPDT with T2 = r·T1 that passes
// through the relay point g·e^{jφ} at ω with static gain k (magnitudes):
// (1 + x²)(1 + r²x²) = (k/g)², x = ωT1, L = (−φ − atan x − atan rx)/ω.
func lagsThrough(k, g, phase, w, r float64) (t1, l float64, ok bool) {
	rr := (k / g) * (k / g)
	if rr < 1 {
		return 0, 0, false
	}
	var x2 float64
	if r == 0 {
		x2 = rr - 1
	} else {
		b := 1 + r*r
		x2 = (-b + math.Sqrt(b*b-4*r*r*(1-rr))) / (2 * r * r)
	}
	x := math.Sqrt(math.Max(x2, 0))
	l = (-phase - math.Atan(x) - math.Atan(r*x)) / w
	return x / w, l, true
}

// fitSOPDT fits the SOPDT through the static gain and the relay point (an
// exact match for every ratio r = T2/T1) and picks r by least squares on
// the step from rest: a grid over [0, 1], then a golden-section refinement.
func (t *Tuner) fitSOPDT(kSigned, g, phase, w, per float64) SOPDT {
	st := t.stepRec.samples()
	if len(st) < 8 || t.stepDu == 0 {
		return SOPDT{}
	}
	k := math.Abs(kSigned)
	rise := 0.0
	for _, p := range st {
		rise = math.Max(rise, math.Abs(p.y-t.y0))
	}
	if rise == 0 {
		return SOPDT{}
	}
	cost := func(r float64) float64 {
		t1, l, ok := lagsThrough(k, g, phase, w, r)
		if !ok || l < -0.02*per {
			return math.Inf(1)
		}
		l = math.Max(l, 0)
		var sum float64
		for _, p := range st {
			e := p.y - t.y0 - kSigned*t.stepDu*unitStep(p.tau-l, t1, r*t1)
			sum += e * e
		}
		return sum
	}
	const n = 50
	best, bestC := 0.0, math.Inf(1)
	for i := 0; i <= n; i++ {
		r := float64(i) / n
		if c := cost(r); c < bestC {
			best, bestC = r, c
		}
	}
	if math.IsInf(bestC, 1) {
		return SOPDT{}
	}
	lo, hi := math.Max(0, best-1.0/n), math.Min(1, best+1.0/n)
	for range 40 {
		m1, m2 := lo+(hi-lo)*0.382, lo+(hi-lo)*0.618
		if cost(m1) < cost(m2) {
			hi = m2
		} else {
			lo = m1
		}
	}
	if c := cost((lo + hi) / 2); c < bestC {
		best, bestC = (lo+hi)/2, c
	}
	t1, l, _ := lagsThrough(k, g, phase, w, best)
	return SOPDT{K: kSigned, T1: units.DurationOf(t1), T2: units.DurationOf(best * t1),
		L: units.DurationOf(math.Max(l, 0)), Residual: math.Sqrt(bestC/float64(len(st))) / rise, Valid: true}
}
