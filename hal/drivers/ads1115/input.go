package ads1115

import (
	"fmt"
	"math"

	"hearth/hal"
	"hearth/units"
)

// PressureCal is a pressure transducer's transfer line and its wiring fault
// margins, in volts at the ADC's input.
type PressureCal struct {
	MinV, MaxV            float64   // the output at MinBar and MaxBar: 0.5, 4.5
	MinBar, MaxBar        units.Bar // the range: 0, 4
	FaultLowV, FaultHighV float64   // outside them the wiring is faulty: 0.25, 4.75
}

// Transducer4Bar is the HeatHub's 0-4 bar gauge transducer, 0.5-4.5 V, with
// wiring faults below 0.25 V and above 4.75 V. A function, not a package
// variable anyone could reassign.
func Transducer4Bar() PressureCal {
	return PressureCal{MinV: 0.5, MaxV: 4.5, MinBar: 0, MaxBar: 4, FaultLowV: 0.25, FaultHighV: 4.75}
}

// maxV is the highest input the ADC measures at PGA ±6.144 V (its supply,
// 5 V, bounds the input in practice).
const maxV = 6.144

// Validate reports a calibration a pressure input would refuse.
func (c PressureCal) Validate() error {
	if !(0 <= c.FaultLowV && c.FaultLowV < c.MinV && c.MinV < c.MaxV && c.MaxV < c.FaultHighV &&
		c.FaultHighV < maxV && c.MinBar < c.MaxBar) || math.IsInf(float64(c.MaxBar-c.MinBar), 0) {
		return fmt.Errorf("ads1115: calibration %+v: want 0 ≤ FaultLowV < MinV < MaxV < FaultHighV < %v V, MinBar < MaxBar", c, maxV)
	}
	return nil
}

// input is one channel with its fault margins. Its last value is guarded by
// the ADC's mutex.
type input struct {
	a                 *ADC
	ch                int
	faultLow, faultHi float64
	valid             bool
}

// read converts the channel: the volts and a status. Called with a.mu held.
func (in *input) read() (float64, hal.Status) {
	if !in.valid {
		return 0, hal.StatusFault // see Pressure and Ratio
	}
	v, st := in.a.convert(in.ch)
	switch {
	case st != hal.StatusOK:
		return v, st
	case v < in.faultLow:
		return v, hal.StatusOpen
	case v > in.faultHi:
		return v, hal.StatusShort
	}
	return v, hal.StatusOK
}

// pressure is a hal.PressureSensor on one channel.
type pressure struct {
	input
	cal  PressureCal
	last units.Bar
}

// Pressure returns a pressure sensor on channel ch (0..3). A voltage below
// cal.FaultLowV is StatusOpen (an open or broken signal wire), above
// cal.FaultHighV StatusShort (shorted to the supply); in between it is a
// pressure on the line through (MinV, MinBar) and (MaxV, MaxBar), not
// clamped: an overpressure reads above MaxBar. A channel outside 0..3 or a
// calibration Validate refuses gives StatusFault samples, without touching
// the bus.
func (a *ADC) Pressure(ch int, cal PressureCal) hal.PressureSensor {
	p := &pressure{cal: cal}
	p.input = input{a: a, ch: ch, faultLow: cal.FaultLowV, faultHi: cal.FaultHighV,
		valid: ch >= 0 && ch < numChannels && cal.Validate() == nil}
	return p
}

// Pressure implements hal.PressureSensor. It runs a conversion (up to 12 ms).
func (p *pressure) Pressure() hal.Sample[units.Bar] {
	p.a.mu.Lock()
	defer p.a.mu.Unlock()
	v, st := p.read()
	if st == hal.StatusOK {
		c := p.cal
		p.last = c.MinBar + units.Bar((v-c.MinV)/(c.MaxV-c.MinV))*(c.MaxBar-c.MinBar)
	}
	return hal.Sample[units.Bar]{Value: p.last, At: p.a.now(), Status: st}
}

// RatioInput is an analog signal read as a fraction 0..1.
type RatioInput interface {
	Read() hal.Sample[units.Ratio]
}

// ratio is a RatioInput on one channel.
type ratio struct {
	input
	lowV, highV float64
	last        units.Ratio
}

// Ratio returns an input on channel ch (0..3) that reads lowV..highV volts
// as 0..1: a valve's position feedback (a 2-10 V signal through a divider
// of k reads 2k..10k). The fault margins are a sixteenth of the span, as
// the pressure transducer's 0.25 V of 4 V: below lowV-margin the signal is
// open (StatusOpen), above highV+margin shorted (StatusShort); within the
// margins the ratio is clamped to 0..1. A channel outside 0..3, or not 0 ≤
// lowV < highV with highV+margin below 6.144 V, gives StatusFault samples,
// without touching the bus. A signal with no live zero (lowV 0) cannot
// show an open wire.
func (a *ADC) Ratio(ch int, lowV, highV float64) RatioInput {
	m := (highV - lowV) / 16
	r := &ratio{lowV: lowV, highV: highV}
	r.input = input{a: a, ch: ch, faultLow: lowV - m, faultHi: highV + m,
		valid: ch >= 0 && ch < numChannels && 0 <= lowV && lowV < highV && highV+m < maxV}
	return r
}

// Read implements RatioInput. It runs a conversion (up to 12 ms).
func (r *ratio) Read() hal.Sample[units.Ratio] {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	v, st := r.read()
	if st == hal.StatusOK {
		r.last = units.Ratio((v - r.lowV) / (r.highV - r.lowV)).Clamp()
	}
	return hal.Sample[units.Ratio]{Value: r.last, At: r.a.now(), Status: st}
}
