package pid

import (
	"math"

	"hearth/units"
)

// modelSubsteps is how many exact steps the model takes per controller
// period: the dead time is a delay line at that resolution.
const modelSubsteps = 4

// modelPlant is the model discretised for an input held over each
// substep: the first lag exactly, x ← a·x + (1 − a)·K·u; each further lag
// exactly for its input (the previous lag's state) taken as a ramp over
// the substep: x ← a·x + (1 − a)·v0 + (v1 − v0)·(1 − T(1 − a)/h). The input
// passes a delay line first.
type modelPlant struct {
	k, h float64
	lags []float64
	a    []float64
	x    []float64
	line []float64
	head int
}

func newModelPlant(m SOPDT, h float64) *modelPlant {
	p := &modelPlant{k: math.Abs(m.K), h: h, lags: m.lags()}
	p.a, p.x = make([]float64, len(p.lags)), make([]float64, len(p.lags))
	for i, t := range p.lags {
		p.a[i] = math.Exp(-h / t)
	}
	p.line = make([]float64, int(math.Round(m.L.Seconds()/h)))
	return p
}

func (p *modelPlant) y() float64 { return p.x[len(p.x)-1] }

func (p *modelPlant) advance(u float64) {
	if len(p.line) > 0 {
		u, p.line[p.head] = p.line[p.head], u
		p.head = (p.head + 1) % len(p.line)
	}
	v0 := p.x[0]
	p.x[0] = p.a[0]*p.x[0] + (1-p.a[0])*p.k*u
	v1 := p.x[0]
	for i := 1; i < len(p.x); i++ {
		a, t := p.a[i], p.lags[i]
		old := p.x[i]
		p.x[i] = a*old + (1-a)*v0 + (v1-v0)*(1-t*(1-a)/p.h)
		v0, v1 = old, p.x[i]
	}
}

// probe is a seeded measurement with uniform noise of ±noise and a
// quantum (each 0 for none).
type probe struct {
	noise, quant float64
	seed         uint64
}

func (pr *probe) read(y float64) float64 {
	if pr.noise > 0 {
		pr.seed = pr.seed*6364136223846793005 + 1442695040888963407
		y += pr.noise * (2*float64(pr.seed>>11)/float64(1<<53) - 1)
	}
	if pr.quant > 0 {
		y = pr.quant * math.Round(y/pr.quant)
	}
	return y
}

// loopScore is the IAE of a unit setpoint step from rest plus that of a
// load step at the plant input (from loadAt to end), and the setpoint
// step's overshoot.
type loopScore struct {
	j, overshoot float64
	ok           bool // stable enough to score: finite, and back near the setpoint at the end
}

// scoreOnModel closes the loop of cfg (direct action) around the model,
// sampled every h seconds through the probe (in units of the setpoint step).
func scoreOnModel(m SOPDT, cfg Config, pr probe, h, load, loadAt, end float64) loopScore {
	c, err := New(cfg)
	if err != nil {
		return loopScore{}
	}
	p := newModelPlant(m, h/modelSubsteps)
	var s loopScore
	prevE := 1.0
	n := int(math.Round(end / h))
	for k := 0; k <= n; k++ {
		t := float64(k) * h
		y := p.y()
		e := 1 - y
		if k > 0 {
			s.j += absIntegral(prevE, e, h)
		}
		if t < loadAt {
			s.overshoot = math.Max(s.overshoot, -e)
		}
		prevE = e
		u := c.Update(1, pr.read(y), 0, units.Time(units.DurationOf(t)))
		if t >= loadAt {
			u += load
		}
		for range modelSubsteps {
			p.advance(u)
		}
	}
	s.ok = finite(s.j) && math.Abs(prevE) < 0.05
	return s
}

// sensitivityPeak is Ms = max |1/(1 + C(jω)G(jω)e^{−jωh/2})| over ω up to
// the Nyquist frequency π/h, the e^{−jωh/2} standing for the sampling;
// C(s) = Kp + Ki/s + Kd·s/(1 + Tf·s) acts on the measurement.
func sensitivityPeak(m SOPDT, kp, ki, kd, tf, h float64) float64 {
	return sensitivityPeakOf(m.Response, m.residence(), kp, ki, kd, tf, h)
}

// sensitivityPeakOf is sensitivityPeak for any plant given by its
// frequency response (gain, unwrapped phase) and its residence time tar,
// from 10⁻³/tar up.
func sensitivityPeakOf(response func(w float64) (gain, phase float64), tar, kp, ki, kd, tf, h float64) float64 {
	lo, hi := 1e-3/tar, math.Pi/h
	const n = 400
	peak := 1.0
	for i := 0; i <= n; i++ {
		w := lo * math.Pow(hi/lo, float64(i)/n)
		g, ph := response(w)
		jw := complex(0, w)
		c := complex(kp, 0) + complex(ki, 0)/jw + complex(kd, 0)*jw/(1+complex(tf, 0)*jw)
		sn, cs := math.Sincos(ph - w*h/2)
		rt := 1 + c*complex(g*cs, g*sn)
		peak = math.Max(peak, 1/math.Hypot(real(rt), imag(rt)))
	}
	return peak
}
