package safety

import (
	"hearth/hal"
	"hearth/units"
)

// Arbitration is the one place every output passes: it starts from
// control's wish and imposes the caps, the staggered start and the safe
// state of every cause in force; assertions then check what must hold.

// arbitrate writes the final command for every output into out.
func (l *Layer) arbitrate(in *hal.Inputs, wish, out *hal.Outputs) {
	*out = *wish
	st := &l.st
	// Speeds and positions within their range; a wish that is not a number
	// gets the over-temperature safe value (cooling at its maximum).
	for i := range out.Pump {
		out.Pump[i] = ratioOr(out.Pump[i], 1)
	}
	out.Valve[hal.ValveDump] = ratioOr(out.Valve[hal.ValveDump], 1)
	out.Valve[hal.ValveTank] = ratioOr(out.Valve[hal.ValveTank], 0)
	out.Fan = ratioOr(out.Fan, 1)
	for i := range out.Module {
		out.Module[i] = min(out.Module[i], st.Cap[i])
	}
	l.stagger(in, out, in.NumModules, in.Now)
	if tt := &l.probes[hal.TempTankTop]; !l.known(hal.TempTankTop, in.Now) || !tt.valid || tt.value >= l.cfg.Tank.WarnC {
		out.Immersion = false // no electric heat into a tank we cannot see, or that is hot
	}
	out.Alarm = out.Alarm || st.Warnings != 0 || st.Alarms != 0
	switch st.State {
	case StateSelfTest:
		out.Pump[hal.PumpOil], out.Pump[hal.PumpWater] = 0.5, 0.5
		out.Valve[hal.ValveDump] = l.testValveTo
		out.Immersion = false
	case StateShutdown:
		coolMax(out)
		out.Alarm = true
	case StateTripped:
		tripSafe(out, st.TripCauses)
	default:
		if st.CoolHarder {
			coolMax(out)
		}
		if st.Latched { // maintenance entered from a trip: its pumps stay stopped
			stopPumps(out, st.TripCauses)
		}
	}
}

// tripSafe imposes the combined safe state of every trip cause in the mask:
// cooling at the maximum for over-temperature; a leak stops the oil pump
// (feed no oil to the leak), whatever else would run it; low pressure stops
// the water pump (no dry running). Compute is cut by the caps.
func tripSafe(out *hal.Outputs, causes uint32) {
	coolMax(out)
	out.Alarm = true
	stopPumps(out, causes)
}

// stopPumps stops the pumps the causes in the mask forbid.
func stopPumps(out *hal.Outputs, causes uint32) {
	if causes&CausePressureLow.Bit() != 0 {
		out.Pump[hal.PumpWater] = 0
	}
	if causes&CauseLeak.Bit() != 0 {
		out.Pump[hal.PumpOil] = 0
	}
}

// ratioOr clamps r to [0, 1], or returns safe if r is not a number.
func ratioOr(r, safe units.Ratio) units.Ratio {
	if r != r {
		return safe
	}
	return r.Clamp()
}

// coolMax is the over-temperature safe state of the hydraulics: both pumps at
// maximum, everything to the dump, fan at maximum, no electric heat.
func coolMax(out *hal.Outputs) {
	out.Pump[hal.PumpOil], out.Pump[hal.PumpWater] = 1, 1
	out.Valve[hal.ValveDump], out.Valve[hal.ValveTank] = 1, 0
	out.Fan = 1
	out.Immersion = false
}

// inRange reports whether r is a number within [0, 1].
func inRange(r units.Ratio) bool { return r >= 0 && r <= 1 }

// violated returns what the final outputs break of the layer's promises,
// or "": every module at or below its cap, every module cut while tripped,
// every speed and position within its range.
func (l *Layer) violated(in *hal.Inputs, out *hal.Outputs) string {
	st := &l.st
	for i := range out.Module {
		if out.Module[i] > st.Cap[i] {
			return "a module above its cap"
		}
		if st.State == StateTripped && i < in.NumModules && out.Module[i] != hal.LevelCut {
			return "a module not cut while tripped"
		}
	}
	for i := range out.Pump {
		if !inRange(out.Pump[i]) {
			return "a pump speed out of range"
		}
	}
	for i := range out.Valve {
		if !inRange(out.Valve[i]) {
			return "a valve position out of range"
		}
	}
	if !inRange(out.Fan) {
		return "the fan speed out of range"
	}
	return ""
}

// assert checks the final outputs after arbitration (TigerBeetle's pair
// assertions: the same truth checked on the way out). A failure is a
// programming error: in the bench (strict) it panics; on the Pi it latches
// an internal-fault trip and imposes the full safe state at once.
func (l *Layer) assert(in *hal.Inputs, out *hal.Outputs) {
	what := l.violated(in, out)
	if what == "" {
		return
	}
	st := &l.st
	st.AssertFailures++
	if l.strict {
		panic("safety: assertion after arbitration failed: " + what)
	}
	if st.State != StateTripped {
		l.latch(&findings{trips: CauseInternal.Bit(), first: CauseInternal, witness: WitnessAssertion}, in.Now)
	}
	st.TripCauses |= CauseInternal.Bit()
	for i := range out.Module {
		out.Module[i] = hal.LevelCut
	}
	tripSafe(out, st.TripCauses)
}
