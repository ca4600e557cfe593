// Package hal defines what the controller touches, in physical types: the
// devices (probes, meters, pumps, valves, fan, heater, module power) and the
// process image the core steps over (Inputs in, Outputs out).
//
// Implementations live in subpackages: hal/sim drives the HIL bench's plant;
// drivers on periph.io drive the real HeatHub. This package holds interfaces
// and plain data only. It must never do I/O, start goroutines or read the wall
// clock: the core imports it.
package hal

import (
	"math/bits"

	"hearth/units"
)

// Status qualifies a sample. The zero value means the sensor has never
// answered, so a zeroed Inputs is safely "nothing known".
type Status uint8

// Sample statuses. Append only: the values are persisted and reported.
const (
	StatusMissing Status = iota // no sample yet, or the device is gone
	StatusOK                    // a fresh, checked reading
	StatusOpen                  // open circuit (MAX31865 fault, 1-wire absent, ADC below range)
	StatusShort                 // short circuit (ADC above range, MAX31865 fault)
	StatusCRC                   // the reading failed its CRC
	StatusRange                 // out of the sensor's physical range
	StatusPowerOn               // a power-on value, not a measurement (DS18B20's 85 C before its first conversion)
	StatusFault                 // the chip reports a fault of its own (MAX31865 over/under-voltage, a lost calibration)
	StatusBus                   // the bus transaction failed (no acknowledge, a short read): nothing was measured
)

var statusNames = [...]string{"missing", "ok", "open", "short", "crc", "range", "power_on", "fault", "bus"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// Sample is one reading with the controller time it was taken and its status.
// A driver that has nothing new returns the previous sample unchanged, so
// staleness is visible in At.
type Sample[T any] struct {
	Value  T
	At     units.Time
	Status Status
}

// OK reports whether the driver vouches for the value. Plausibility (stale,
// stuck, rate, the DS18B20 power-on 85 C) is judged by safety, not here.
func (s Sample[T]) OK() bool { return s.Status == StatusOK }

// TempID names a temperature measurement point.
type TempID uint8

// Temperature measurement points of the reference HeatHub.
const (
	TempOilInA      TempID = iota // oil into the modules, first probe
	TempOilInB                    // oil into the modules, second, independent probe
	TempOilOut                    // oil out of the modules (into the exchanger)
	TempWaterFlow                 // primary water out of the exchanger
	TempWaterReturn               // primary water back into the exchanger
	TempTankTop                   // hot-water tank, upper layer
	TempTankBottom                // hot-water tank, lower layer (coil)
	TempIndoor                    // reference room
	TempOutdoor                   // outside air
	NumTemps
)

var tempNames = [NumTemps]string{"oil_in_a", "oil_in_b", "oil_out", "water_flow",
	"water_return", "tank_top", "tank_bottom", "indoor", "outdoor"}

func (id TempID) String() string {
	if id < NumTemps {
		return tempNames[id]
	}
	return "temp?"
}

// FlowID names a flow meter.
type FlowID uint8

// Flow meters.
const (
	FlowOil FlowID = iota
	FlowWater
	NumFlows
)

func (id FlowID) String() string { return [...]string{"oil", "water", "flow?"}[min(int(id), 2)] }

// PumpID names a pump.
type PumpID uint8

// Pumps.
const (
	PumpOil PumpID = iota
	PumpWater
	NumPumps
)

func (id PumpID) String() string { return [...]string{"oil", "water", "pump?"}[min(int(id), 2)] }

// ValveID names a motorised valve. The primary water leaves the exchanger
// through ValveDump (the fraction sent to the dump cooler; spring return to 1,
// all to the dump) and then ValveTank (the fraction of the rest sent to the
// tank coil; the remainder goes to the radiators).
type ValveID uint8

// Valves.
const (
	ValveDump ValveID = iota
	ValveTank
	NumValves
)

func (id ValveID) String() string { return [...]string{"dump", "tank", "valve?"}[min(int(id), 2)] }

// PumpAlarm is what a profile-A circulator reports on its feedback line.
type PumpAlarm uint8

// Pump feedback states (VDMA 24224 feedback duty: 0-70 % power, 75 %
// warning, 85 % electrical alarm, 90 % blocked rotor, 95 % standby).
const (
	PumpNormal PumpAlarm = iota
	PumpWarning
	PumpElectrical
	PumpBlocked
	PumpStandby
)

func (a PumpAlarm) String() string {
	return [...]string{"normal", "warning", "electrical", "blocked", "standby", "alarm?"}[min(int(a), 5)]
}

// PumpFeedback is a pump's own report.
type PumpFeedback struct {
	Power  units.Ratio // fraction of the pump's rated electrical power
	Alarm  PumpAlarm
	At     units.Time
	Status Status
}

// Level is a module's power level. The order matters: a lower level is always
// safer, so arbitration takes the minimum of what is wished and what is allowed.
type Level uint8

// Module power levels.
const (
	LevelCut  Level = iota // power relay open: instant, no graceful shutdown
	LevelOff               // graceful shutdown (~20 s), then the board is off
	LevelIdle              // powered, no workload
	Level25                // 25 % of the span from idle to full draw
	Level50
	Level75
	Level100
	NumLevels
)

var levelNames = [NumLevels]string{"cut", "off", "idle", "25%", "50%", "75%", "100%"}

func (l Level) String() string {
	if l < NumLevels {
		return levelNames[l]
	}
	return "level?"
}

// Fraction returns the share of the idle-to-full power span this level asks
// for, and whether the level keeps the board powered at all.
func (l Level) Fraction() (f units.Ratio, powered bool) {
	switch l {
	case LevelIdle:
		return 0, true
	case Level25:
		return 0.25, true
	case Level50:
		return 0.5, true
	case Level75:
		return 0.75, true
	case Level100:
		return 1, true
	}
	return 0, false
}

// MaxModules bounds the module count so the process image is a fixed size.
const MaxModules = 16

// ModuleStatus is what is known of one module: its relay, what its agent says
// and what its feed's power meter measures.
type ModuleStatus struct {
	Power     units.Watt    // electrical draw the agent reports: the module's own word
	BoardTemp units.Celsius // hottest SoC the agent reports
	At        units.Time    // when the agent last answered
	Relay     bool          // power relay closed
	Level     Level         // level the agent reports it is running at
	Status    Status        // StatusOK while the agent answers
	// Feed is the module feed's own power meter (an INA219 on the feed),
	// independent of the agent: the trusted power witness. StatusMissing
	// when no meter is fitted.
	Feed Sample[units.Watt]
}

// Inputs is one sample of every input, taken at Now.
type Inputs struct {
	Now      units.Time
	Temp     [NumTemps]Sample[units.Celsius]
	Pressure Sample[units.Bar] // primary water circuit
	Flow     [NumFlows]Sample[units.LitrePerMin]
	Leak     Sample[bool] // oil bund; true = leak (a broken loop reads as a leak)
	// OilLow is the oil expansion tank's low-level switch, the leak's second
	// witness: true = the level is low (normally closed: a broken loop reads
	// as low).
	OilLow Sample[bool]
	Pump   [NumPumps]PumpFeedback
	Valve  [NumValves]Sample[units.Ratio]
	Fan    Sample[units.Ratio]

	NumModules int
	Module     [MaxModules]ModuleStatus
	// Demand is the level the compute workload asks of each module.
	Demand [MaxModules]Level

	// WeekTime is local time since Monday 00:00, given by the edge so that the
	// core can keep a weekly schedule without reading a clock.
	WeekTime units.Duration

	// ResetRequest is an operator's authorised request to leave a latched trip.
	// The edge checks the authority; the core checks that the cause cleared.
	ResetRequest bool

	// Watchdog reports that the hardware watchdog is armed and being kicked
	// by the edge (checked by the start-up self-test).
	Watchdog bool

	// Maintenance is an engineer's authorised hold on the plant: while it is
	// set, compute is shut down gracefully and stays off; when it is
	// released, the plant proves itself again (self-test) before running.
	Maintenance bool

	// Override is an engineer's authorised hand on some outputs (the
	// console's override command): it replaces control's wish for them,
	// and the safety layer still has the last word.
	Override Override

	// Offset is the engineer's calibration of each probe (the console's
	// calibrate), added to its reading once safety has judged the raw
	// reading's plausibility: a DS18B20's power-on 85.0 C, a stuck or
	// out-of-range reading are told by the value the probe gave. Temp
	// holds the raw readings.
	Offset [NumTemps]units.Kelvin
}

// Calibrated returns probe id's reading with its calibration offset: what
// safety's limits and control's loops use.
func (in *Inputs) Calibrated(id TempID) units.Celsius {
	return in.Temp[id].Value + units.Celsius(in.Offset[id])
}

// Outputs is a command for every output.
type Outputs struct {
	Pump      [NumPumps]units.Ratio  // speed, 0..1 of maximum
	Valve     [NumValves]units.Ratio // position, see ValveID
	Fan       units.Ratio            // dump cooler fan speed
	Immersion bool                   // tank's electric immersion heater
	Module    [MaxModules]Level
	Alarm     bool // audible/visible alarm to the homeowner and engineer
}

// Channel names an input channel that safety judges, so that its verdicts
// (believed or not) can be shared as bit masks: the temperatures first, in
// TempID order, then the others.
type Channel uint8

// Channels beyond the temperatures. Append only: the bits are reported.
const (
	ChanPressure Channel = Channel(NumTemps) + iota
	ChanFlowOil
	ChanFlowWater
	ChanLeak
	ChanOilLow
	ChanPumpOil
	ChanPumpWater
	NumChannels
)

// NumChannels fits a uint32 mask.
var _ [32 - NumChannels]struct{}

var chanNames = [...]string{"pressure", "flow_oil", "flow_water", "leak", "oil_low", "pump_oil", "pump_water"}

func (c Channel) String() string {
	switch {
	case c < Channel(NumTemps):
		return TempID(c).String()
	case c < NumChannels:
		return chanNames[c-Channel(NumTemps)]
	}
	return "channel?"
}

// TempChannel returns the channel of a temperature point.
func TempChannel(id TempID) Channel { return Channel(id) }

// FlowChannel returns the channel of a flow meter.
func FlowChannel(id FlowID) Channel { return ChanFlowOil + Channel(id) }

// PumpChannel returns the channel of a pump's feedback line.
func PumpChannel(id PumpID) Channel { return ChanPumpOil + Channel(id) }

// Bit returns c's bit in a channel mask.
func (c Channel) Bit() uint32 { return 1 << c }

// OK reports whether the feedback line was read.
func (f PumpFeedback) OK() bool { return f.Status == StatusOK }

// ChannelNames names the channels of a channel mask, in Channel order (an
// empty slice for none).
func ChannelNames(m uint32) []string {
	out := []string{}
	for ; m != 0; m &= m - 1 {
		out = append(out, Channel(bits.TrailingZeros32(m)).String())
	}
	return out
}
