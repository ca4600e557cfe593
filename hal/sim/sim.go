// Package sim is the simulated backend of hal: sensors with their measuring
// chain (conversion period, quantisation, noise, the DS18B20's 85 C power-on
// value) and actuators with their dynamics (pump spin-up, valve travel, module
// agents that throttle, shut down and lose power), each with the faults the
// HIL bench injects.
//
// A device reads the true value it measures through a pointer into the plant
// and reads the bench's virtual clock through a pointer, so the plant in hil
// owns the physics and this package owns what the controller can see of it.
// Nothing here reads the wall clock or does I/O, so a run is a pure function
// of its seed; the one exception, the file relays of relayfile.go, is for the
// daemon's --sim mode and the bench never uses it.
package sim

import (
	"math"
	"math/rand/v2"

	"hearth/hal"
	"hearth/units"
)

// Fault is a sensor fault. Append only: names are part of the HIL catalogue.
type Fault uint8

// Sensor faults.
const (
	FaultNone         Fault = iota
	FaultOpen               // open circuit: the driver reports StatusOpen
	FaultShort              // short circuit: StatusShort
	FaultStuck              // the value stops changing, still reported fresh and OK
	FaultDrift              // the value drifts by Arg units per hour
	FaultNoisy              // extra Gaussian noise of Arg units (1 sigma)
	FaultFrozen85           // a DS18B20 that lost power reads 85.0 C, fresh and OK
	FaultStale              // no new sample: At stops advancing
	FaultCRC                // every conversion fails its CRC
	FaultOffset             // a constant offset of Arg units (a lying sensor)
	FaultDead               // the transducer gives nothing: reads 0, fresh and OK (a pulse meter without pulses)
	FaultStuckAt            // reads Arg (in its units), fresh and OK, whatever the truth
	FaultIntermittent       // fails open for Duty x Arg seconds at the start of every Arg seconds
)

// intermittentOpen reports whether a channel with an intermittent fault
// injected at from, of period periodS and duty duty, is open at t.
func intermittentOpen(t, from units.Time, periodS, duty float64) bool {
	if !(periodS > 0) {
		return true
	}
	phase := math.Mod(t.Sub(from).Seconds(), periodS)
	return phase < duty*periodS
}

// Sensor is one simulated measuring chain for a quantity of type T.
type Sensor[T ~float64] struct {
	Src     *T          // true value in the plant
	Now     *units.Time // the bench's clock
	Rng     *rand.Rand
	Period  units.Duration // conversion period
	Quantum float64        // resolution (0 = exact)
	Noise   float64        // 1-sigma noise
	// PowerOn, when set, is what the sensor reads before its first
	// conversion (the DS18B20's 85.0 C).
	PowerOn    T
	HasPowerOn bool

	// Counted, when set, makes the chain a pulse counter of so many pulses
	// per second per unit, counted over Period: the reading is the whole
	// pulses seen (the phase of the first pulse uniform in [0, 1)) over
	// Period, so a steady flow flickers between adjacent counts as a real
	// meter does. Quantum is then ignored.
	Counted float64
	// NoiseRel is 1-sigma noise as a fraction of the value (a flow's
	// turbulence: none at standstill).
	NoiseRel float64
	// Offset is the device's own fixed error (what calibration left).
	Offset float64
	// TauS is the first-order time constant between the true value and
	// the sensing element (a probe in its thermowell); 0: none.
	TauS float64

	lagV, lagK float64 // the element's value; its factor per Period
	lagOn      bool

	Fault   Fault
	Arg     float64
	Duty    float64 // FaultIntermittent's open share of each period
	faultAt units.Time

	last    hal.Sample[T]
	next    units.Time
	started bool
}

// SetFault injects (or with FaultNone clears) a fault from now on.
func (s *Sensor[T]) SetFault(f Fault, arg float64) { s.SetFaultDuty(f, arg, 0) }

// SetFaultDuty injects a fault with its argument and, for
// FaultIntermittent, the open share of each period.
func (s *Sensor[T]) SetFaultDuty(f Fault, arg, duty float64) {
	s.Fault, s.Arg, s.Duty, s.faultAt = f, arg, duty, *s.Now
}

// Read returns the latest finished conversion.
func (s *Sensor[T]) Read() hal.Sample[T] {
	now := *s.Now
	if !s.started {
		s.started = true
		s.next = now.Add(s.Period)
		if s.HasPowerOn {
			s.last = hal.Sample[T]{Value: s.PowerOn, At: now, Status: hal.StatusOK}
			return s.last
		}
		s.convert(now)
		return s.last
	}
	for now >= s.next { // at most one conversion per call in practice
		s.convert(s.next)
		s.next = s.next.Add(s.Period)
	}
	return s.last
}

// element returns what the sensing element sees: the true value through
// the first-order lag, advanced by one conversion period.
func (s *Sensor[T]) element() float64 {
	v := float64(*s.Src)
	if !(s.TauS > 0) {
		return v
	}
	if !s.lagOn {
		s.lagOn, s.lagV, s.lagK = true, v, 1-math.Exp(-s.Period.Seconds()/s.TauS)
		return v
	}
	s.lagV += s.lagK * (v - s.lagV)
	return s.lagV
}

func (s *Sensor[T]) convert(at units.Time) {
	v := s.element() + s.Offset
	if s.Noise > 0 {
		v += s.Rng.NormFloat64() * s.Noise
	}
	if s.NoiseRel > 0 {
		v += s.Rng.NormFloat64() * s.NoiseRel * v
	}
	st := hal.StatusOK
	switch s.Fault {
	case FaultOpen:
		st = hal.StatusOpen
	case FaultShort:
		st = hal.StatusShort
	case FaultStuck:
		v = float64(s.last.Value) // keep the last value, fresh time
	case FaultDrift:
		v += s.Arg * at.Sub(s.faultAt).Seconds() / 3600
	case FaultNoisy:
		v += s.Rng.NormFloat64() * s.Arg
	case FaultFrozen85:
		v = 85
	case FaultStale:
		return
	case FaultCRC:
		st = hal.StatusCRC
	case FaultOffset:
		v += s.Arg
	case FaultDead:
		v = 0
	case FaultStuckAt:
		v = s.Arg
	case FaultIntermittent:
		if intermittentOpen(at, s.faultAt, s.Arg, s.Duty) {
			st = hal.StatusOpen
		}
	}
	switch s.Fault {
	case FaultStuck, FaultFrozen85, FaultDead, FaultStuckAt:
		// What the chain reads is fixed: nothing is counted or rounded.
	default:
		if s.Counted > 0 {
			n := s.Counted * s.Period.Seconds()
			v = math.Floor(v*n+s.Rng.Float64()) / n
		} else if s.Quantum > 0 {
			v = math.Round(v/s.Quantum) * s.Quantum
		}
	}
	if st != hal.StatusOK {
		s.last.Status, s.last.At = st, at
		return
	}
	s.last = hal.Sample[T]{Value: T(v), At: at, Status: st}
}

// Probe is a temperature probe (DS18B20 or PT1000).
type Probe struct{ Sensor[units.Celsius] }

// Temperature implements hal.TemperatureProbe.
func (p *Probe) Temperature() hal.Sample[units.Celsius] { return p.Read() }

// PressureSensor is a ratiometric pressure transducer on an ADC.
type PressureSensor struct{ Sensor[units.Bar] }

// Pressure implements hal.PressureSensor.
func (p *PressureSensor) Pressure() hal.Sample[units.Bar] { return p.Read() }

// FlowMeter is a hall-effect pulse flow meter, counted over its period.
type FlowMeter struct{ Sensor[units.LitrePerMin] }

// Flow implements hal.FlowMeter.
func (f *FlowMeter) Flow() hal.Sample[units.LitrePerMin] {
	s := f.Read()
	if s.Value < 0 {
		s.Value = 0 // a pulse count is never negative
	}
	return s
}

// LeakInput is a normally-closed switch loop read as a digital input: the
// bund's leak detector, or the oil expansion tank's low-level switch. True
// means the condition (wet, low); a cut loop reads true. It is read afresh
// at every call, with the faults of the catalogue that fit a bool input:
// open, stale, stuck at a value, intermittent.
type LeakInput struct {
	Now    *units.Time
	Wet    bool // the plant has the condition (a leak in the bund, the oil low)
	Broken bool // the loop's wire is cut: reads as the condition

	Fault   Fault
	Arg     float64 // FaultStuckAt: >= 0.5 reads true, below reads false
	Duty    float64 // FaultIntermittent's open share of each Arg seconds
	faultAt units.Time
	last    hal.Sample[bool]
}

// SetFaultDuty injects (or with FaultNone clears) a fault from now on.
// FaultOpen, FaultStale, FaultStuckAt and FaultIntermittent apply to a
// bool input; any other fault is ignored.
func (l *LeakInput) SetFaultDuty(f Fault, arg, duty float64) {
	if f == FaultStale && l.Fault != FaultStale {
		l.last = l.Leak() // the sample it stays at
	}
	l.Fault, l.Arg, l.Duty, l.faultAt = f, arg, duty, *l.Now
}

// Contact reports whether the input's loop is open now, as hardware wired
// in series with it sees it: the condition, a cut wire, an open circuit in
// the loop; a sensor stuck reads what it is stuck at; a driver that stopped
// sampling (stale) does not change the loop.
func (l *LeakInput) Contact() bool {
	switch l.Fault {
	case FaultOpen:
		return true
	case FaultStuckAt:
		return l.Arg >= 0.5
	case FaultIntermittent:
		if intermittentOpen(*l.Now, l.faultAt, l.Arg, l.Duty) {
			return true
		}
	}
	return l.Wet || l.Broken
}

// Leak implements hal.LeakInput.
func (l *LeakInput) Leak() hal.Sample[bool] {
	now := *l.Now
	s := hal.Sample[bool]{Value: l.Wet || l.Broken, At: now, Status: hal.StatusOK}
	switch l.Fault {
	case FaultOpen:
		s.Status = hal.StatusOpen
	case FaultStale:
		return l.last
	case FaultStuckAt:
		s.Value = l.Arg >= 0.5
	case FaultIntermittent:
		if intermittentOpen(now, l.faultAt, l.Arg, l.Duty) {
			s.Status = hal.StatusOpen
		}
	}
	return s
}
