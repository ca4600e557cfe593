package pid

import (
	"errors"
	"math"

	"hearth/units"
)

// StepFigures are the figures of merit of a response to a setpoint step, as
// `hearth tune` and the benchmark tests report them.
type StepFigures struct {
	// Overshoot is the largest excursion beyond the new setpoint, in the
	// direction of the step, as a fraction of the step (0.05 = 5 %); 0 if
	// the response never passed the setpoint.
	Overshoot float64
	// Peak is the measurement at that excursion (the setpoint if none).
	Peak float64
	// SettlingTime runs from the step to the moment the response entered
	// the settling band for the last time (linearly interpolated between
	// samples). If Settled is false it is the time to the last sample.
	SettlingTime units.Duration
	// Settled reports that the last sample was inside the band.
	Settled bool
	// IAE is the integral of |setpoint − measurement| over the record, in
	// measurement units × seconds (trapezoidal, with sign changes split at
	// the interpolated zero crossing).
	IAE float64
}

// StepMeter accumulates StepFigures one sample at a time, so a loop (the
// CLI, the HIL bench) can judge a step without keeping the record. It does
// not allocate.
type StepMeter struct {
	start       units.Time
	from, to    float64
	dir         float64 // +1 for a step up, −1 for a step down
	bandAbs     float64
	n           int
	lastT       units.Time
	lastE       float64 // to − y at lastT
	lastInside  bool
	entered     units.Time
	excess      float64 // largest dir·(y − to) so far
	peak        float64
	iae         float64
	skipped     int
	initialised bool
}

// ErrStep is returned by NewStepMeter and StepResponse for a step of zero
// size, a band outside (0, 1), or non-finite values.
var ErrStep = errors.New("pid: step figures need finite from ≠ to and a band in (0, 1)")

// NewStepMeter starts a meter for a step of the setpoint from → to applied
// at start. band is the settling band as a fraction of the step (0.02 for
// the usual 2 %).
func NewStepMeter(start units.Time, from, to, band float64) (StepMeter, error) {
	if !finite(from) || !finite(to) || from == to || !(band > 0 && band < 1) || !finite(to-from) {
		return StepMeter{}, ErrStep
	}
	dir := 1.0
	if to < from {
		dir = -1
	}
	return StepMeter{start: start, from: from, to: to, dir: dir, bandAbs: band * math.Abs(to-from),
		peak: to, initialised: true}, nil
}

// Add records the measurement y at time t. Samples before the step, at or
// before the previous sample's time, or not finite are skipped and counted.
func (m *StepMeter) Add(t units.Time, y float64) {
	if !m.initialised || t < m.start || (m.n > 0 && t <= m.lastT) || !finite(y) {
		m.skipped++
		return
	}
	e := m.to - y
	inside := math.Abs(e) <= m.bandAbs
	if x := -m.dir * e; x > m.excess {
		m.excess, m.peak = x, y
	}
	if m.n == 0 {
		if inside {
			m.entered = t
		}
	} else {
		dt := t.Sub(m.lastT).Seconds()
		m.iae += absIntegral(m.lastE, e, dt)
		if inside && !m.lastInside {
			m.entered = m.lastT.Add(units.DurationOf(dt * bandCrossing(m.lastE, e, m.bandAbs)))
		}
	}
	m.n++
	m.lastT, m.lastE, m.lastInside = t, e, inside
}

// Skipped returns how many samples Add skipped.
func (m *StepMeter) Skipped() int { return m.skipped }

// Figures returns the figures so far.
func (m *StepMeter) Figures() StepFigures {
	f := StepFigures{Overshoot: m.excess / math.Abs(m.to-m.from), Peak: m.peak, IAE: m.iae}
	switch {
	case m.n == 0:
	case m.lastInside:
		f.Settled = true
		f.SettlingTime = m.entered.Sub(m.start)
	default:
		f.SettlingTime = m.lastT.Sub(m.start)
	}
	return f
}

// StepResponse computes the figures of a sampled response t[k], y[k] to a
// setpoint step from → to applied at start (see NewStepMeter).
func StepResponse(t []units.Time, y []float64, start units.Time, from, to, band float64) (StepFigures, error) {
	if len(t) != len(y) {
		return StepFigures{}, errors.New("pid: step response: times and values differ in length")
	}
	m, err := NewStepMeter(start, from, to, band)
	if err != nil {
		return StepFigures{}, err
	}
	for k := range t {
		m.Add(t[k], y[k])
	}
	return m.Figures(), nil
}

// absIntegral is ∫|e| over an interval of dt seconds where e moves linearly
// from e0 to e1.
func absIntegral(e0, e1, dt float64) float64 {
	if (e0 >= 0) == (e1 >= 0) {
		return dt * math.Abs(e0+e1) / 2
	}
	return dt * (e0*e0 + e1*e1) / (2 * (math.Abs(e0) + math.Abs(e1)))
}

// bandCrossing returns the fraction of an interval, where the error moves
// linearly from e0 (outside ±band) to e1 (inside), at which it crossed into
// the band.
func bandCrossing(e0, e1, band float64) float64 {
	edge := band
	if e0 < 0 {
		edge = -band
	}
	if e0 == e1 {
		return 1
	}
	return math.Max(0, math.Min(1, (e0-edge)/(e0-e1)))
}
