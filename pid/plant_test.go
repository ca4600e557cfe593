package pid

import (
	"math"

	"hearth/units"
)

// plant is a linear benchmark plant: an input dead time, a gain, a cascade
// of first-order lags, and optionally a zero on the last lag:
//
//	G(s) = k · e^{−delay·s} · (1 + zero·s) / Π(lags[i]·s + 1)
//
// zero < 0 makes it non-minimum phase. Times are in seconds.
type plant struct {
	name  string
	k     float64
	lags  []float64
	zero  float64
	delay float64
}

// The benchmark plants (Åström & Hägglund's test batch, scaled to the
// minutes of Hearth's thermal loops).
var (
	fopdtPlant     = plant{name: "FOPDT", k: 1, lags: []float64{100}, delay: 20}
	secondPlant    = plant{name: "second order", k: 1, lags: []float64{40, 10}, delay: 2}
	highOrderPlant = plant{name: "high order lag", k: 1, lags: []float64{10, 10, 10, 10}}
	nmpPlant       = plant{name: "non-minimum phase", k: 1, lags: []float64{10, 10, 10}, zero: -5}
)

// sim integrates a plant with RK4 at a fixed step, the input held over each
// step; the dead time is a delay line at that step, so it is exact when the
// delay and the controller's period are multiples of the step.
type sim struct {
	p     plant
	step  float64
	x     [8]float64
	k1    [8]float64
	k2    [8]float64
	k3    [8]float64
	k4    [8]float64
	tmp   [8]float64
	line  []float64
	head  int
	t     float64
	input float64 // the input the lags see now (after the delay)
}

// newSim returns the plant at rest with input u0.
func newSim(p plant, step, u0 float64) *sim {
	s := &sim{p: p, step: step}
	n := int(math.Round(p.delay / step))
	s.line = make([]float64, n)
	for i := range s.line {
		s.line[i] = u0
	}
	for i := range p.lags {
		s.x[i] = p.k * u0
	}
	s.input = u0
	return s
}

// y returns the plant's output.
func (s *sim) y() float64 { return s.output(&s.x, s.input) }

func (s *sim) output(x *[8]float64, in float64) float64 {
	n := len(s.p.lags)
	y := x[n-1]
	if s.p.zero != 0 {
		prev := s.p.k * in
		if n > 1 {
			prev = x[n-2]
		}
		y += s.p.zero * (prev - x[n-1]) / s.p.lags[n-1]
	}
	return y
}

func (s *sim) deriv(x *[8]float64, in float64, dx *[8]float64) {
	prev := s.p.k * in
	for i, tau := range s.p.lags {
		dx[i] = (prev - x[i]) / tau
		prev = x[i]
	}
}

// advance integrates for span seconds with the input u held.
func (s *sim) advance(u, span float64) {
	steps := int(math.Round(span / s.step))
	n := len(s.p.lags)
	for range steps {
		in := u
		if len(s.line) > 0 {
			in = s.line[s.head]
			s.line[s.head] = u
			s.head = (s.head + 1) % len(s.line)
		}
		s.input = in
		h := s.step
		s.deriv(&s.x, in, &s.k1)
		for i := range n {
			s.tmp[i] = s.x[i] + h/2*s.k1[i]
		}
		s.deriv(&s.tmp, in, &s.k2)
		for i := range n {
			s.tmp[i] = s.x[i] + h/2*s.k2[i]
		}
		s.deriv(&s.tmp, in, &s.k3)
		for i := range n {
			s.tmp[i] = s.x[i] + h*s.k3[i]
		}
		s.deriv(&s.tmp, in, &s.k4)
		for i := range n {
			s.x[i] += h / 6 * (s.k1[i] + 2*s.k2[i] + 2*s.k3[i] + s.k4[i])
		}
		s.t += h
	}
}

// scenario is a closed-loop experiment: a setpoint step at 0 from the plant
// at rest, and a load step at the plant input at loadAt.
type scenario struct {
	setpoint float64
	load     float64
	loadAt   float64
	end      float64
}

// loopRecord is what a closed-loop run yields.
type loopRecord struct {
	t    []units.Time
	y, u []float64
}

// runLoop closes the loop around p with the package's controller sampled
// every period seconds (the plant integrated at period/substeps).
func runLoop(p plant, cfg Config, sc scenario, period float64, substeps int) loopRecord {
	c, err := New(cfg)
	if err != nil {
		panic(err)
	}
	s := newSim(p, period/float64(substeps), 0)
	var rec loopRecord
	for k := 0; ; k++ {
		t := float64(k) * period
		if t > sc.end+1e-9 {
			break
		}
		now := units.Time(units.DurationOf(t))
		y := s.y()
		u := c.Update(sc.setpoint, y, 0, now)
		rec.t, rec.y, rec.u = append(rec.t, now), append(rec.y, y), append(rec.u, u)
		d := 0.0
		if t >= sc.loadAt-1e-9 {
			d = sc.load
		}
		s.advance(u+d, period)
	}
	return rec
}
