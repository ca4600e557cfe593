package hal

import "hearth/units"

// TemperatureProbe returns its latest temperature sample without blocking.
// A driver whose conversion takes time (DS18B20: 750 ms) converts in the
// background and returns the last finished sample.
type TemperatureProbe interface {
	Temperature() Sample[units.Celsius]
}

// PressureSensor returns the latest gauge pressure.
type PressureSensor interface {
	Pressure() Sample[units.Bar]
}

// FlowMeter returns the latest flow.
type FlowMeter interface {
	Flow() Sample[units.LitrePerMin]
}

// LeakInput returns the leak detector's state; true means a leak.
type LeakInput interface {
	Leak() Sample[bool]
}

// Pump takes a speed command and reports its feedback line.
type Pump interface {
	SetSpeed(units.Ratio) error
	Feedback() PumpFeedback
}

// Valve takes a position command and reports its measured position.
type Valve interface {
	SetPosition(units.Ratio) error
	Position() Sample[units.Ratio]
}

// Fan takes a speed command and reports its measured speed.
type Fan interface {
	SetSpeed(units.Ratio) error
	Speed() Sample[units.Ratio]
}

// Switch is an on/off output (the immersion heater's contactor, the alarm).
type Switch interface {
	Set(on bool) error
}

// ModulePower commands one compute module's level and reports its status.
type ModulePower interface {
	SetLevel(Level) error
	Status() ModuleStatus
}

// Devices is every device of one HeatHub. The edge loop (the daemon on the Pi,
// the HIL bench) reads them into Inputs, steps the core, and writes Outputs.
type Devices struct {
	Temp     [NumTemps]TemperatureProbe
	Pressure PressureSensor
	Flow     [NumFlows]FlowMeter
	Leak     LeakInput
	OilLow   LeakInput // the oil expansion tank's low-level switch; nil when none is fitted
	Pump     [NumPumps]Pump
	Valve    [NumValves]Valve
	Fan      Fan
	Heater   Switch
	Alarm    Switch
	Modules  []ModulePower // at most MaxModules
}

// Read samples every device into in. It does not touch the fields the edge
// owns (Now, Demand, WeekTime, ResetRequest).
func (d *Devices) Read(in *Inputs) {
	// Index, do not range by value: ranging copies the arrays of interfaces.
	for i := range d.Temp {
		in.Temp[i] = d.Temp[i].Temperature()
	}
	in.Pressure = d.Pressure.Pressure()
	for i := range d.Flow {
		in.Flow[i] = d.Flow[i].Flow()
	}
	in.Leak = d.Leak.Leak()
	if d.OilLow != nil {
		in.OilLow = d.OilLow.Leak()
	}
	for i := range d.Pump {
		in.Pump[i] = d.Pump[i].Feedback()
	}
	for i := range d.Valve {
		in.Valve[i] = d.Valve[i].Position()
	}
	in.Fan = d.Fan.Speed()
	in.NumModules = len(d.Modules)
	for i, m := range d.Modules {
		in.Module[i] = m.Status()
	}
}

// Write sends every command, the modules' first (WriteModules, then
// WriteRest). It tries every device even when one fails and returns the
// first error, so one broken output never blocks the others.
func (d *Devices) Write(out *Outputs) error {
	err := d.WriteModules(out)
	if rerr := d.WriteRest(out); err == nil {
		err = rerr
	}
	return err
}

// WriteModules sends every module its level. A cut opens the module's relay
// in the caller's goroutine (modules.Power), so the edge writes modules
// before anything else: a pump whose write hangs cannot delay a cut.
func (d *Devices) WriteModules(out *Outputs) error {
	var first error
	for i, m := range d.Modules {
		if err := m.SetLevel(out.Module[i]); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// WriteRest sends every output but the modules: pumps, valves, fan, heater,
// alarm.
func (d *Devices) WriteRest(out *Outputs) error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	for i := range d.Pump {
		keep(d.Pump[i].SetSpeed(out.Pump[i]))
	}
	for i := range d.Valve {
		keep(d.Valve[i].SetPosition(out.Valve[i]))
	}
	keep(d.Fan.SetSpeed(out.Fan))
	keep(d.Heater.Set(out.Immersion))
	keep(d.Alarm.Set(out.Alarm))
	return first
}

// Deenergised returns the commands that match what the hardware does by
// itself when the controller lets go of it (its watchdog fired, its supply
// failed, or it shut down): module relays open (energise-to-run), the
// profile-A pumps lose their PWM and run at full speed, the spring-return
// valve sends all the water to the dump cooler, the fan (wired to run
// unless held off) runs at full speed, the immersion heater's contactor and
// the alarm relay drop. A controlled shutdown ends by writing them, so that
// letting go changes nothing.
func Deenergised() Outputs {
	var out Outputs
	for i := range out.Module {
		out.Module[i] = LevelCut
	}
	for i := range out.Pump {
		out.Pump[i] = 1
	}
	out.Valve[ValveDump], out.Valve[ValveTank] = 1, 0
	out.Fan = 1
	return out
}

// FeedMeter is a module feed's own power meter (an INA219 on the feed),
// independent of the module's agent.
type FeedMeter interface {
	Feed() Sample[units.Watt]
}

// MeteredModule is a module's power (the channel to its agent, and its
// relay) with its feed meter: its Status carries the meter's reading as
// ModuleStatus.Feed, so the agent's word and the meter's can be compared.
type MeteredModule struct {
	ModulePower
	Meter FeedMeter
}

// Status implements ModulePower.
func (m MeteredModule) Status() ModuleStatus {
	s := m.ModulePower.Status()
	s.Feed = m.Meter.Feed()
	return s
}
