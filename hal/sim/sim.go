// Package sim is the simulated backend of hal: sensors with their measuring
// chain (conversion period, quantisation, noise, the DS18B20's 85 C power-on
// value) and actuators with their dynamics (pump spin-up, valve travel, module
// agents that throttle, shut down and lose power), each with the faults the
// HIL bench injects.
//
// A device reads the true value it measures through a pointer into the plant
// and reads the bench's virtual clock through a pointer, so the plant in hil
// owns the physics and this package owns what the controller can see of it.
// Nothing here reads the wall clock or does I/O: a run is a pure function of
// its seed.
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
	FaultNone     Fault = iota
	FaultOpen           // open circuit: the driver reports StatusOpen
	FaultShort          // short circuit: StatusShort
	FaultStuck          // the value stops changing, still reported fresh and OK
	FaultDrift          // the value drifts by Arg units per hour
	FaultNoisy          // extra Gaussian noise of Arg units (1 sigma)
	FaultFrozen85       // a DS18B20 that lost power reads 85.0 C, fresh and OK
	FaultStale          // no new sample: At stops advancing
	FaultCRC            // every conversion fails its CRC
	FaultOffset         // a constant offset of Arg units (a lying sensor)
	FaultDead           // the transducer gives nothing: reads 0, fresh and OK (a pulse meter without pulses)
)

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

	Fault   Fault
	Arg     float64
	faultAt units.Time

	last    hal.Sample[T]
	next    units.Time
	started bool
}

// SetFault injects (or with FaultNone clears) a fault from now on.
func (s *Sensor[T]) SetFault(f Fault, arg float64) {
	s.Fault, s.Arg, s.faultAt = f, arg, *s.Now
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

func (s *Sensor[T]) convert(at units.Time) {
	v := float64(*s.Src)
	if s.Noise > 0 {
		v += s.Rng.NormFloat64() * s.Noise
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
	}
	if s.Quantum > 0 && s.Fault != FaultStuck && s.Fault != FaultFrozen85 && s.Fault != FaultDead {
		v = math.Round(v/s.Quantum) * s.Quantum
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

// LeakInput is a normally-closed leak loop.
type LeakInput struct {
	Now    *units.Time
	Wet    bool // the plant has a leak in the bund
	Broken bool // the loop's wire is cut: reads as a leak
}

// Leak implements hal.LeakInput.
func (l *LeakInput) Leak() hal.Sample[bool] {
	return hal.Sample[bool]{Value: l.Wet || l.Broken, At: *l.Now, Status: hal.StatusOK}
}
