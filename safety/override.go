package safety

import (
	"strconv"

	"hearth/hal"
	"hearth/units"
)

// OverrideRefused returns why the layer would not let an engineer's
// override of output o to set's value through as asked, naming the bound it
// breaks, or "" when it would. It judges from the layer's status and the
// inputs of the same tick (the console reads a snapshot of both), with the
// rules arbitration applies, so that a refused override is refused up
// front with its reason instead of being silently held. An accepted one
// still passes arbitration on every tick: safety keeps the last word when
// the plant changes under it.
func OverrideRefused(cfg *Config, st *Status, in *hal.Inputs, o hal.Output, set *hal.Outputs) string {
	v := set.Value(o)
	if o.Ratio() && !(v >= 0 && v <= 1) {
		return o.String() + " " + g(v) + ": a speed or position is 0..1"
	}
	if o >= hal.OutModule {
		return moduleRefused(st, in, o, hal.Level(v))
	}
	if o == hal.OutAlarm {
		if v == 0 && (st.Warnings != 0 || st.Alarms != 0 || st.State == StateTripped || st.State == StateShutdown) {
			return "alarm off: safety sounds it while a warning, an alarm, a trip or a shutdown stands (" + st.Cause.String() + ")"
		}
		return ""
	}
	if why := heldBy(st); why != "" {
		return o.String() + ": safety holds the hydraulics " + why
	}
	switch o {
	case hal.OutPumpOil, hal.OutPumpWater:
		return pumpRefused(cfg, st, in, o, v)
	case hal.OutHeater:
		return heaterRefused(cfg, st, in, v)
	}
	return ""
}

// heldBy says why arbitration sets the hydraulics itself whatever is
// wished, or "" when it takes the wish.
func heldBy(st *Status) string {
	switch {
	case st.State == StateTripped:
		return "in their trip safe state (tripped: " + st.Cause.String() + "); reset first"
	case st.State == StateShutdown:
		return "at full cooling while the modules shut down (" + st.Cause.String() + ")"
	case st.State == StateSelfTest:
		return "for the self-test; wait for standby"
	case st.CoolHarder:
		return "at full cooling while an over-temperature warning stands (" + st.Cause.String() + ")"
	}
	return ""
}

// MinOilPumpSpeed is the oil pump speed that gives the oil flow every
// powered module needs, MinOilFlowLPM with the meter's accuracy, at the
// pump's full-speed flow.
func (c *Config) MinOilPumpSpeed() units.Ratio {
	return units.Ratio(float64(c.MinOilFlowLPM) * (1 + c.FlowMeterAccuracy) / float64(c.OilPumpMaxLPM))
}

// MinWaterPumpSpeed is the water pump speed that gives the flow the
// self-test proves, SelfTestFlowLPM, at the pump's full-speed flow: below
// it the modules' heat cannot be shown to leave.
func (c *Config) MinWaterPumpSpeed() units.Ratio {
	return units.Ratio(float64(c.SelfTestFlowLPM) / float64(c.WaterPumpMaxLPM))
}

func pumpRefused(cfg *Config, st *Status, in *hal.Inputs, o hal.Output, v float64) string {
	if st.Latched {
		if o == hal.OutPumpOil && st.TripCauses&CauseLeak.Bit() != 0 && v > 0 {
			return "pump.oil: stays stopped after a leak trip: it would feed oil to the leak"
		}
		if o == hal.OutPumpWater && st.TripCauses&CausePressureLow.Bit() != 0 && v > 0 {
			return "pump.water: stays stopped after a low-pressure trip: it would run dry"
		}
	}
	if !mayPower(st, in) {
		return ""
	}
	if o == hal.OutPumpOil && v < float64(cfg.MinOilPumpSpeed()) {
		return "pump.oil " + f2(v) + ": below " + f2(float64(cfg.MinOilPumpSpeed())) + " while a module is powered or may start (safety.min_oil_flow_lpm " +
			g(float64(cfg.MinOilFlowLPM)) + " L/min, +" + g(100*cfg.FlowMeterAccuracy) + " % meter, at safety.oil_pump_max_lpm " +
			g(float64(cfg.OilPumpMaxLPM)) + " L/min); maintenance on first"
	}
	if o == hal.OutPumpWater && v < float64(cfg.MinWaterPumpSpeed()) {
		return "pump.water " + f2(v) + ": below " + f2(float64(cfg.MinWaterPumpSpeed())) + " while a module is powered or may start: its heat could not leave (safety.self_test_flow_lpm " +
			g(float64(cfg.SelfTestFlowLPM)) + " L/min at safety.water_pump_max_lpm " + g(float64(cfg.WaterPumpMaxLPM)) + " L/min); maintenance on first"
	}
	return ""
}

func heaterRefused(cfg *Config, st *Status, in *hal.Inputs, v float64) string {
	if v == 0 {
		return ""
	}
	s := in.Temp[hal.TempTankTop]
	if !s.OK() || st.Untrusted&hal.TempChannel(hal.TempTankTop).Bit() != 0 {
		return "heater on: the tank top probe is not believed (" + s.Status.String() + "): no electric heat into a tank nobody sees"
	}
	if v := in.Calibrated(hal.TempTankTop); v >= cfg.Tank.WarnC {
		return "heater on: the tank top reads " + strconv.FormatFloat(float64(v), 'f', 1, 64) + " C, at or above safety.tank.warn_c " + g(float64(cfg.Tank.WarnC)) + " C"
	}
	return ""
}

func moduleRefused(st *Status, in *hal.Inputs, o hal.Output, lv hal.Level) string {
	i := int(o - hal.OutModule)
	if i >= in.NumModules {
		return o.String() + ": no such module (" + strconv.Itoa(in.NumModules) + " on this hub)"
	}
	if lv >= hal.NumLevels {
		return o.String() + ": not a level"
	}
	if lv > st.Cap[i] {
		why := st.State.String()
		if st.Cause != CauseNone {
			why += ": " + st.Cause.String()
		}
		if st.Isolated&(1<<i) != 0 {
			why += ", the module isolated"
		}
		return o.String() + " " + lv.String() + ": safety caps it at " + st.Cap[i].String() + " now (" + why + ")"
	}
	return ""
}

// mayPower reports whether any module's relay is closed, or the layer may
// start one: in every state but maintenance (a trip's latch holds the
// hydraulics itself) a module may start within seconds. An override that
// would starve a module of oil or water is refused before it starts, not
// tripped on after.
func mayPower(st *Status, in *hal.Inputs) bool {
	for i := 0; i < in.NumModules; i++ {
		if in.Module[i].Relay {
			return true
		}
	}
	return st.State != StateMaintenance
}

func g(v float64) string  { return strconv.FormatFloat(v, 'g', -1, 64) }
func f2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
