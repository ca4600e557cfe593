package pid

import (
	"math"
	"testing"

	"hearth/units"
)

// response returns |G(jω)| and arg G(jω) of a benchmark plant, the phase
// unwrapped (a sum of the lags' and the zero's phases and −ωL).
func (p plant) response(w float64) (gain, phase float64) {
	gain, phase = math.Abs(p.k), -w*p.delay
	for _, tau := range p.lags {
		gain /= math.Hypot(1, w*tau)
		phase -= math.Atan(w * tau)
	}
	if p.zero != 0 {
		gain *= math.Hypot(1, w*p.zero)
		phase += math.Atan(w * p.zero)
	}
	return gain, phase
}

// ultimate returns the plant's analytic ultimate gain and period: the
// frequency where its phase reaches −180°, found by bisection.
func (p plant) ultimate() (ku, tu float64) {
	lo, hi := 1e-9, 1.0
	for _, ph := p.response(hi); ph > -math.Pi; _, ph = p.response(hi) {
		hi *= 2
	}
	for range 200 {
		mid := (lo + hi) / 2
		if _, ph := p.response(mid); ph > -math.Pi {
			lo = mid
		} else {
			hi = mid
		}
	}
	w := (lo + hi) / 2
	g, _ := p.response(w)
	return 1 / g, 2 * math.Pi / w
}

// tuneRun drives the plant (at rest at cfg.RestOutput, measured as offset +
// output, plus noise from a seeded generator if noise > 0) with the tuner,
// sampling every period seconds.
func tuneRun(t *testing.T, p plant, cfg TunerConfig, period, offset, noise float64) (Result, error, *Tuner) {
	t.Helper()
	tu := new(Tuner)
	if err := tu.Configure(cfg); err != nil {
		t.Fatal(err)
	}
	s := newSim(p, period/float64(max(1, int(math.Round(period/0.05)))), cfg.RestOutput)
	seed := uint64(7)
	for k := 0; ; k++ {
		y := offset + s.y()
		if noise > 0 {
			seed = seed*6364136223846793005 + 1442695040888963407
			y += noise * (2*float64(seed>>11)/float64(1<<53) - 1)
		}
		u, done := tu.Step(y, units.Time(units.DurationOf(float64(k)*period)))
		if done {
			r, err := tu.Result()
			return r, err, tu
		}
		s.advance(u, period)
	}
}
