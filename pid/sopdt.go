package pid

import (
	"math"

	"hearth/units"
)

// SOPDT is a second-order-plus-dead-time model K·e^{−Ls}/((T1·s + 1)(T2·s + 1)),
// T1 ≥ T2 ≥ 0; T2 = 0 is the first-order model. With N ≥ 3 it is instead
// N equal lags, K·e^{−Ls}/(T1·s + 1)^N (T2 = T1), the better fit of a
// high-order lag.
type SOPDT struct {
	K      float64 // static gain, signed as FOPDT.K
	T1, T2 units.Duration
	L      units.Duration
	// N is the number of equal lags T1 when at least 3; 0 otherwise.
	N int
	// Residual is the RMS misfit of the step from rest to the first relay
	// switch, as a fraction of the step's measured rise.
	Residual float64
	// Valid is false without a valid FOPDT fit (the static gain) or
	// without a recorded step of at least a few samples.
	Valid bool
}

// Order is N for N equal lags, 2 when the second lag matters (T2 at least
// a tenth of T1), else 1.
func (m SOPDT) Order() int {
	switch {
	case m.N >= 3:
		return m.N
	case m.T2 > 0 && m.T2.Seconds() >= 0.1*m.T1.Seconds():
		return 2
	}
	return 1
}

// lags returns the model's time constants, largest first.
func (m SOPDT) lags() []float64 {
	if m.N >= 3 {
		l := make([]float64, m.N)
		for i := range l {
			l[i] = m.T1.Seconds()
		}
		return l
	}
	if m.T2.Seconds() <= 1e-9*m.T1.Seconds() {
		return []float64{m.T1.Seconds()}
	}
	return []float64{m.T1.Seconds(), m.T2.Seconds()}
}

// Response returns |G(jω)| and the unwrapped arg G(jω).
func (m SOPDT) Response(w float64) (gain, phase float64) {
	gain, phase = math.Abs(m.K), -w*m.L.Seconds()
	for _, t := range m.lags() {
		gain /= math.Hypot(1, w*t)
		phase -= math.Atan(w * t)
	}
	return gain, phase
}

// halfRule returns Skogestad's half-rule reduction of the model to two
// lags and a dead time: the third lag's half goes to the second lag, the
// rest of the third and every further lag to the dead time.
func (m SOPDT) halfRule() (t1, t2, l float64) {
	lg := m.lags()
	t1, l = lg[0], m.L.Seconds()
	if len(lg) > 1 {
		t2 = lg[1]
	}
	for i := 2; i < len(lg); i++ {
		if i == 2 {
			t2 += lg[i] / 2
			l += lg[i] / 2
		} else {
			l += lg[i]
		}
	}
	return t1, t2, l
}

// NormalisedDeadTime is τ = L'/(L' + T') of the model's half-rule FOPDT
// equivalent (T' = T1 + T2/2, L' = L + T2/2, T2 and L by halfRule): 0 for
// a pure lag, 1 for a pure dead time.
func (m SOPDT) NormalisedDeadTime() float64 {
	t1, t2, l := m.halfRule()
	le, te := l+t2/2, t1+t2/2
	if le+te == 0 {
		return 0
	}
	return le / (le + te)
}

// residence is L + the sum of the lags.
func (m SOPDT) residence() float64 {
	t := m.L.Seconds()
	for _, l := range m.lags() {
		t += l
	}
	return t
}

// equalLagsStep is the unit-step response of 1/(T·s + 1)^n at t ≥ 0.
func equalLagsStep(t, tl float64, n int) float64 {
	if t <= 0 {
		return 0
	}
	x, term, sum := t/tl, 1.0, 1.0
	for k := 1; k < n; k++ {
		term *= x / float64(k)
		sum += term
	}
	return 1 - math.Exp(-x)*sum
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
	m := SOPDT{K: kSigned, T1: units.DurationOf(t1), T2: units.DurationOf(best * t1),
		L: units.DurationOf(math.Max(l, 0)), Residual: math.Sqrt(bestC/float64(len(st))) / rise, Valid: true}
	// N equal lags through the same point: (1 + x²)^N = (k/g)², L = (−φ − N·atan x)/ω.
	rr := (k / g) * (k / g)
	for n := 3; n <= maxLags; n++ {
		x := math.Sqrt(math.Pow(rr, 1/float64(n)) - 1)
		tl, l := x/w, (-phase-float64(n)*math.Atan(x))/w
		if l < -0.02*per {
			break // more lags only lag more
		}
		l = math.Max(l, 0)
		var sum float64
		for _, p := range st {
			e := p.y - t.y0 - kSigned*t.stepDu*equalLagsStep(p.tau-l, tl, n)
			sum += e * e
		}
		if res := math.Sqrt(sum/float64(len(st))) / rise; res < m.Residual {
			m = SOPDT{K: kSigned, T1: units.DurationOf(tl), T2: units.DurationOf(tl), L: units.DurationOf(l),
				N: n, Residual: res, Valid: true}
		}
	}
	return m
}

// maxLags bounds N of the equal-lags fit.
const maxLags = 8
