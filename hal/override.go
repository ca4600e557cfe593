package hal

import (
	"math/bits"
	"strconv"
	"strings"

	"hearth/units"
)

// Output names one output, for an engineer's override from the console.
type Output uint8

// Outputs an override can name: the hydraulics, the heater and alarm, then
// one per module slot (OutModule+i is the i-th module, named module.<i+1>).
const (
	OutPumpOil Output = iota
	OutPumpWater
	OutValveDump
	OutValveTank
	OutFan
	OutHeater
	OutAlarm
	OutModule
	NumOutputs = OutModule + MaxModules
)

// Outputs are bits of uint32 masks.
var _ [32 - NumOutputs]struct{}

var outputNames = [OutModule]string{"pump.oil", "pump.water", "valve.dump", "valve.tank", "fan", "heater", "alarm"}

func (o Output) String() string {
	switch {
	case o < OutModule:
		return outputNames[o]
	case o < NumOutputs:
		return "module." + strconv.Itoa(int(o-OutModule)+1)
	}
	return "output?"
}

// Bit returns o's bit in an output mask.
func (o Output) Bit() uint32 { return 1 << o }

// Ratio reports whether o takes a speed or position (0..1); the heater and
// alarm take on/off, a module a Level.
func (o Output) Ratio() bool { return o <= OutFan }

// ParseOutput returns the output called name (as String spells it).
func ParseOutput(name string) (Output, bool) {
	for o := Output(0); o < OutModule; o++ {
		if outputNames[o] == name {
			return o, true
		}
	}
	if n, ok := strings.CutPrefix(name, "module."); ok {
		i, err := strconv.Atoi(n)
		if err == nil && i >= 1 && i <= MaxModules && strconv.Itoa(i) == n {
			return OutModule + Output(i-1), true
		}
	}
	return 0, false
}

// Override is an engineer's hand on some outputs: for each bit of Mask, the
// value in Set replaces control's wish. The safety layer still has the last
// word on it, as on every wish.
type Override struct {
	Mask uint32
	Set  Outputs
}

// Apply replaces the overridden outputs of wish with their set values.
func (o *Override) Apply(wish *Outputs) {
	for m := o.Mask; m != 0; m &= m - 1 {
		out := Output(bits.TrailingZeros32(m))
		o.Set.Copy(out, wish)
	}
}

// Copy copies output o of s into dst.
func (s *Outputs) Copy(o Output, dst *Outputs) {
	switch {
	case o == OutPumpOil || o == OutPumpWater:
		dst.Pump[o-OutPumpOil] = s.Pump[o-OutPumpOil]
	case o == OutValveDump || o == OutValveTank:
		dst.Valve[o-OutValveDump] = s.Valve[o-OutValveDump]
	case o == OutFan:
		dst.Fan = s.Fan
	case o == OutHeater:
		dst.Immersion = s.Immersion
	case o == OutAlarm:
		dst.Alarm = s.Alarm
	case o < NumOutputs:
		dst.Module[o-OutModule] = s.Module[o-OutModule]
	}
}

// Value returns output o of s as a number: a speed or position, 0 or 1 for
// the heater and alarm, a Level for a module.
func (s *Outputs) Value(o Output) float64 {
	switch {
	case o == OutPumpOil || o == OutPumpWater:
		return float64(s.Pump[o-OutPumpOil])
	case o == OutValveDump || o == OutValveTank:
		return float64(s.Valve[o-OutValveDump])
	case o == OutFan:
		return float64(s.Fan)
	case o == OutHeater:
		return b2f(s.Immersion)
	case o == OutAlarm:
		return b2f(s.Alarm)
	case o < NumOutputs:
		return float64(s.Module[o-OutModule])
	}
	return 0
}

// SetValue sets output o of s from a number, as Value returns it.
func (s *Outputs) SetValue(o Output, v float64) {
	switch {
	case o == OutPumpOil || o == OutPumpWater:
		s.Pump[o-OutPumpOil] = units.Ratio(v)
	case o == OutValveDump || o == OutValveTank:
		s.Valve[o-OutValveDump] = units.Ratio(v)
	case o == OutFan:
		s.Fan = units.Ratio(v)
	case o == OutHeater:
		s.Immersion = v != 0
	case o == OutAlarm:
		s.Alarm = v != 0
	case o < NumOutputs:
		s.Module[o-OutModule] = Level(v)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
