package safety

import (
	"hearth/hal"
	"hearth/units"
	"math/bits"
)

// State is the safety layer's state.
type State uint8

// States. Append only: names are reported and persisted.
const (
	StateBoot State = iota
	StateSelfTest
	StateStandby
	StateRunning
	StateDegraded
	StateShedding
	StateShutdown
	StateTripped
	StateMaintenance
	NumStates
)

var stateNames = [NumStates]string{"boot", "self_test", "standby", "running", "degraded",
	"shedding", "shutdown", "tripped", "maintenance"}

func (s State) String() string {
	if s < NumStates {
		return stateNames[s]
	}
	return "state?"
}

// Cause is why the layer trips, shuts down, warns or runs degraded.
type Cause uint8

// Causes. Append only: names are reported and persisted.
const (
	CauseNone Cause = iota
	CauseOilInHigh
	CauseOilOutHigh
	CauseWaterFlowHigh
	CauseTankHigh
	CausePressureLow
	CausePressureHigh
	CauseLeak
	CauseNoOilFlow
	CauseOilInSensor   // neither oil-in probe can be believed
	CauseRunaway       // cooling at its maximum and oil still rising
	CauseWaterPump     // the water pump reports a blocked rotor: heat cannot leave
	CauseSelfTest      // the start-up self-test failed
	CauseOilInDisagree // the oil-in probes disagree beyond their band
	CauseSensor        // a channel is not believed (open, short, CRC, stale, stuck, spike, power-on 85 C, implausible)
	CauseEnergyBalance // the heat the oil carries and the modules' power disagree
	CausePumpAlarm     // a pump reports an alarm on its feedback line
	CauseModule        // a module did not comply or stopped answering, and was cut
	CauseBoardHigh     // a module's boards report a temperature past their limit
	CauseInternal      // an assertion after arbitration failed: a programming error
	CauseFlapping      // a channel faults intermittently; latched until an engineer clears it
	CauseWitness       // two witnesses of one cause disagree: one of them lies
	NumCauses
)

// Causes are bits of uint32 masks.
var _ [32 - NumCauses]struct{}

var causeNames = [NumCauses]string{"none", "oil_in_high", "oil_out_high", "water_flow_high",
	"tank_high", "pressure_low", "pressure_high", "leak", "no_oil_flow", "oil_in_sensor",
	"thermal_runaway", "water_pump", "self_test", "oil_in_disagree", "sensor", "energy_balance",
	"pump_alarm", "module", "board_high", "internal", "flapping", "witness"}

func (c Cause) String() string {
	if c < NumCauses {
		return causeNames[c]
	}
	return "cause?"
}

// Bit returns c's bit in a cause mask.
func (c Cause) Bit() uint32 { return 1 << c }

// Witness names the evidence a trip was taken on: each trip cause has at
// least two (docs/safety.md lists them), and the engineer is told which one
// spoke.
type Witness uint8

// Witnesses. Append only: names are reported.
const (
	WitnessNone          Witness = iota
	WitnessProbe                 // the cause's own temperature probe (a voted pair for oil in)
	WitnessFlowMeter             // the oil flow meter: too little flow, or flow not proven
	WitnessPumpFeedback          // a pump's feedback line: blocked rotor, standby, or no power drawn
	WitnessEnergyBalance         // the heat the oil carries exceeds the modules' power
	WitnessOilRise               // the oil's rise across the modules too large for the power at the minimum flow
	WitnessBoardReport           // a module agent's board temperature
	WitnessPressure              // the pressure transducer
	WitnessDryPump               // the water pump unloaded with no water flowing
	WitnessLeakInput             // the bund's leak detector
	WitnessLevelSwitch           // the oil expansion tank's low-level switch
	WitnessSelfTest              // a start-up self-test
	WitnessAssertion             // an assertion after arbitration
	NumWitnesses
)

var witnessNames = [NumWitnesses]string{"none", "probe", "flow_meter", "pump_feedback", "energy_balance",
	"oil_rise", "board_report", "pressure", "dry_pump", "leak_input", "level_switch", "self_test", "assertion"}

func (w Witness) String() string {
	if w < NumWitnesses {
		return witnessNames[w]
	}
	return "witness?"
}

// Status is what the layer tells the rest of the controller after a tick.
type Status struct {
	State      State
	Cause      Cause      // the latched trip's (first-out) or the shutdown's cause, else the first warning
	Witness    Witness    // the evidence the trip was taken on
	TripAt     units.Time // when the latched trip happened
	Latched    bool       // a trip is latched: left only by an authorised reset with every cause cleared
	TripCauses uint32     // bit per Cause: every trip cause seen since the latch; their safe states combine
	// Holding has a bit per Cause whose condition still holds while a trip
	// is latched: what a reset waits for (0 when not latched).
	Holding    uint32
	CoolHarder bool      // an over-temperature warning is active: control should cool at its maximum
	ModuleCap  hal.Level // the highest level any module may run at
	Cap        [hal.MaxModules]hal.Level
	Warnings   uint32 // bit per Cause: limits approached
	Alarms     uint32 // bit per Cause: degradations an engineer should see
	Isolated   uint32 // bit per module cut on its own
	ShedSteps  int    // shedding steps in force
	SelfTest   uint32 // bit per Cause that failed the last self-test
	FireErrors int    // refused transitions: a programming error if ever non-zero

	// Untrusted has a bit per hal.Channel not believed now (its value is
	// used by nobody: safety, nor control through its advice).
	Untrusted uint32
	// Flapping has a bit per hal.Channel latched degraded for faulting
	// intermittently; FaultCount counts each channel's faults (a fault is
	// a believed channel ceasing to be believed), saturating.
	Flapping   uint32
	FaultCount [hal.NumChannels]uint16
	// OilInExcluded is the oil-in probe voted out as the liar (hal.TempOilInA
	// or hal.TempOilInB), or hal.NumTemps when neither is.
	OilInExcluded hal.TempID
	// ModuleReports has a bit per module whose agent's report is not
	// believed (silent, stale, or a power or board temperature that cannot
	// be); ModuleFeeds a bit per module whose feed meter is not believed.
	ModuleReports uint32
	ModuleFeeds   uint32
	// Imbalance is the energy balance's last figure: (heat carried + heat
	// stored - power) / power, or NaN while it cannot be judged.
	Imbalance float64
	// AssertFailures counts failed assertions after arbitration.
	AssertFailures int
}

// CauseNames names the causes of a cause mask, in Cause order (an empty
// slice for none): for the console, telemetry and the bench's traces.
func CauseNames(m uint32) []string {
	out := []string{}
	for ; m != 0; m &= m - 1 {
		out = append(out, Cause(bits.TrailingZeros32(m)).String())
	}
	return out
}
