package plant

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"hearth/hal"
	"hearth/hal/sim"
	"hearth/units"
)

// FaultKind names a fault of the catalogue. The names are a contract:
// scenarios, campaigns and reports use them.
type FaultKind string

// FaultSpec describes one kind of fault: what it breaks, what it targets and
// what its argument means.
type FaultSpec struct {
	Kind        FaultKind `json:"kind"`
	Description string    `json:"description"`
	Targets     []string  `json:"targets"`       // what it can be applied to; empty: the plant as a whole
	Arg         string    `json:"arg,omitempty"` // meaning and unit of the argument, if any
	DefaultArg  float64   `json:"default_arg,omitempty"`
	SafeState   string    `json:"safe_state"` // what the controller is expected to do
}

var sensorTargets = func() []string {
	t := make([]string, 0, hal.NumTemps+3)
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		t = append(t, id.String())
	}
	return append(t, "pressure", "flow_oil", "flow_water")
}()

// channelTargets adds the bool inputs (the bund's leak detector, the oil
// expansion tank's low-level switch) to the sensors, for the faults that fit
// a digital input.
var channelTargets = append(sensorTargets[:len(sensorTargets):len(sensorTargets)], "leak", "oil_low")

var (
	pumpTargets   = []string{"oil", "water"}
	valveTargets  = []string{"dump", "tank"}
	moduleTargets = []string{"0", "1", "2", "3", "4", "5", "6", "7", "all"}
)

// Catalogue lists every fault the bench can inject. Each is injectable at a
// given time and clearable (for controller_stall and controller_restart the
// argument is the duration; they clear themselves).
var Catalogue = []FaultSpec{
	{Kind: "sensor_open", Description: "open circuit: the driver reports an open-circuit fault", Targets: channelTargets,
		SafeState: "the sample is not believed; a trip-relevant measurement lost on both channels trips"},
	{Kind: "sensor_short", Description: "short circuit: the driver reports a short", Targets: sensorTargets,
		SafeState: "as sensor_open"},
	{Kind: "sensor_stuck", Description: "the value stops changing, still reported fresh and OK", Targets: sensorTargets,
		SafeState: "the redundant channel or the energy balance catches it; the true plant stays within limits"},
	{Kind: "sensor_drift", Description: "the value drifts steadily", Targets: sensorTargets, Arg: "units per hour", DefaultArg: -4,
		SafeState: "the redundant channel catches the disagreement; the higher oil-in reading governs"},
	{Kind: "sensor_noisy", Description: "extra Gaussian noise", Targets: sensorTargets, Arg: "1-sigma, units", DefaultArg: 1.5,
		SafeState: "loops ride through; no nuisance trip"},
	{Kind: "sensor_frozen_85", Description: "a DS18B20 that lost power reads 85.0 C, fresh and OK", Targets: sensorTargets[:hal.NumTemps],
		SafeState: "85.0 C from a cold plant is not believed: no trip on it"},
	{Kind: "sensor_stale", Description: "no new sample: the timestamp stops advancing", Targets: channelTargets,
		SafeState: "the sample is not believed after the stale time"},
	{Kind: "sensor_crc", Description: "every conversion fails its CRC", Targets: sensorTargets,
		SafeState: "as sensor_open"},
	{Kind: "sensor_offset", Description: "a constant offset: a sensor that lies", Targets: sensorTargets, Arg: "units", DefaultArg: -8,
		SafeState: "the redundant channel or the energy balance catches it"},
	{Kind: "sensor_stuck_at", Description: "the channel reads a given value, fresh and OK, whatever the truth", Targets: channelTargets,
		Arg:       "the value, in the channel's units (leak, oil_low: 0 dry or normal, 1 wet or low)",
		SafeState: "an independent witness of the same hazard catches what the lying channel hides; the true plant stays within limits"},
	{Kind: "sensor_intermittent", Description: "the channel fails open for duty x period at the start of every period (event key duty, default 0.2)",
		Targets: channelTargets, Arg: "period, seconds", DefaultArg: 10,
		SafeState: "the sample is not believed while open; loops ride through; a gap that outlasts a trip's loss time trips as sensor_open"},
	{Kind: "pump_seized", Description: "blocked rotor: no flow, feedback reports blocked", Targets: pumpTargets,
		SafeState: "oil: trip on no oil flow, modules cut; water: heat cannot leave, shed then trip on oil temperature"},
	{Kind: "pump_degraded", Description: "the pump delivers only part of its flow curve", Targets: pumpTargets, Arg: "fraction of flow delivered", DefaultArg: 0.5,
		SafeState: "control compensates; compute sheds if heat cannot leave"},
	{Kind: "pump_feedback_alarm", Description: "the pump reports an electrical alarm on its feedback line (it still runs)", Targets: pumpTargets,
		SafeState: "alarm raised; no trip while flow is proven"},
	{Kind: "pump_seized_silent", Description: "blocked rotor: no flow, while the feedback line keeps reporting normal with the power it had", Targets: pumpTargets,
		SafeState: "the flow meter and the temperatures witness what the line hides: oil: trip on no oil flow, modules cut; water: heat cannot leave, compute off"},
	{Kind: "pump_feedback_lies", Description: "the feedback line reports a given alarm whatever the pump does; the pump runs normally", Targets: pumpTargets,
		Arg: "alarm: 1 warning, 2 electrical, 3 blocked, 4 standby (0 takes the default)", DefaultArg: float64(hal.PumpBlocked),
		SafeState: "alarm raised; while the flow meter proves the pump delivers, the line's word alone neither trips nor shuts down"},
	{Kind: "valve_stuck", Description: "the valve actuator does not move", Targets: valveTargets,
		SafeState: "control routes around it with the other valve and the fan; shed if heat cannot leave"},
	{Kind: "valve_slow", Description: "the valve travels slower", Targets: valveTargets, Arg: "travel-time multiplier", DefaultArg: 4,
		SafeState: "loops ride through"},
	{Kind: "flow_meter_dead", Description: "the flow meter gives no pulses: it reads 0", Targets: pumpTargets,
		SafeState: "oil: no proven flow, trip and cut; water: alarm"},
	{Kind: "oil_leak", Description: "oil leaks into the bund: the leak detector closes; the oil is lost (2 L/min pumped, 0.2 L/min still), the expansion tank's level switch reads low after 1 L and the pump draws air past 10 L; clearing repairs and refills",
		SafeState: "trip: compute off, oil pump stopped, alarm"},
	{Kind: "water_pressure_loss", Description: "the primary water circuit loses pressure", Arg: "bar per second", DefaultArg: 0.01,
		SafeState: "trip: compute off, water pump stopped, oil pump on"},
	{Kind: "pressure_to_floor", Description: "the primary water circuit loses pressure at 0.01 bar/s down to a floor and stays there; clearing refills", Arg: "floor, bar", DefaultArg: 0.6,
		SafeState: "below the low trip limit: trip, compute off, water pump stopped, oil pump on; above it: warning and alarm"},
	{Kind: "fan_failure", Description: "the dump cooler's fan stops",
		SafeState: "the dump rejects less; compute sheds if heat cannot leave"},
	{Kind: "module_ignores_throttle", Description: "a module's agent never lowers its level", Targets: moduleTargets,
		SafeState: "escalated on its own: that module is cut"},
	{Kind: "module_ignores_shutdown", Description: "a module's agent never shuts down", Targets: moduleTargets,
		SafeState: "escalated on its own: that module is cut"},
	{Kind: "module_silent", Description: "a module's agent stops answering and obeying", Targets: moduleTargets,
		SafeState: "escalated on its own: that module is cut"},
	{Kind: "module_false_power", Description: "a module's agent reports a given power while its feed meter reads the truth", Targets: moduleTargets,
		Arg:       "W reported (nan, negative and per-board figures allowed)",
		SafeState: "the feed meter is believed over the agent: flow proof, shutdown and compliance are judged on the true draw"},
	{Kind: "controller_stall", Description: "the controller takes no step", Arg: "seconds", DefaultArg: 30,
		SafeState: "the watchdog de-energises every relay: modules unpowered, pumps at max, valve to the dump"},
	{Kind: "controller_restart", Description: "the controller loses power and restarts, keeping only what it persisted", Arg: "seconds of outage", DefaultArg: 20,
		SafeState: "outputs de-energised during the outage; a latched trip survives the restart"},
}

// Spec returns the catalogue entry of kind k.
func Spec(k FaultKind) (FaultSpec, bool) {
	for _, s := range Catalogue {
		if s.Kind == k {
			return s, true
		}
	}
	return FaultSpec{}, false
}

// FaultKinds returns every kind's name, sorted.
func FaultKinds() []string {
	k := make([]string, len(Catalogue))
	for i, s := range Catalogue {
		k[i] = string(s.Kind)
	}
	sort.Strings(k)
	return k
}

// CheckFault checks a plant fault's kind and target as Apply would, without
// a plant: for a configuration that schedules faults.
func CheckFault(k FaultKind, target string) error {
	s, ok := Spec(k)
	if !ok {
		return fmt.Errorf("unknown fault %q (see 'hearth hil faults')", k)
	}
	if k == "controller_stall" || k == "controller_restart" {
		return fmt.Errorf("fault %s is the bench runner's, not the plant's", k)
	}
	return s.CheckTarget(target)
}

// CheckTarget checks that the fault can be applied to target.
func (s FaultSpec) CheckTarget(target string) error {
	if len(s.Targets) == 0 {
		if target != "" {
			return fmt.Errorf("fault %s takes no target, got %q", s.Kind, target)
		}
		return nil
	}
	for _, t := range s.Targets {
		if t == target {
			return nil
		}
	}
	return fmt.Errorf("fault %s: target %q is not one of %s", s.Kind, target, strings.Join(s.Targets, ", "))
}

// sensor returns the simulated input chain a target names.
func (pl *Plant) sensor(target string) (func(f sim.Fault, arg, duty float64), bool) {
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		if id.String() == target {
			return pl.Probes[id].SetFaultDuty, true
		}
	}
	switch target {
	case "pressure":
		return pl.Pressure.SetFaultDuty, true
	case "flow_oil":
		return pl.Flows[hal.FlowOil].SetFaultDuty, true
	case "flow_water":
		return pl.Flows[hal.FlowWater].SetFaultDuty, true
	case "leak":
		return pl.LeakIn.SetFaultDuty, true
	case "oil_low":
		return pl.OilLowIn.SetFaultDuty, true
	}
	return nil, false
}

var sensorFaults = map[FaultKind]sim.Fault{
	"sensor_open": sim.FaultOpen, "sensor_short": sim.FaultShort, "sensor_stuck": sim.FaultStuck,
	"sensor_drift": sim.FaultDrift, "sensor_noisy": sim.FaultNoisy, "sensor_frozen_85": sim.FaultFrozen85,
	"sensor_stale": sim.FaultStale, "sensor_crc": sim.FaultCRC, "sensor_offset": sim.FaultOffset,
	"sensor_stuck_at": sim.FaultStuckAt, "sensor_intermittent": sim.FaultIntermittent,
}

// DefaultDuty is sensor_intermittent's open share of each period when the
// event gives none.
const DefaultDuty = 0.2

func pumpID(t string) hal.PumpID {
	if t == "water" {
		return hal.PumpWater
	}
	return hal.PumpOil
}

func valveID(t string) hal.ValveID {
	if t == "tank" {
		return hal.ValveTank
	}
	return hal.ValveDump
}

// modules returns the modules a target names.
func (pl *Plant) modules(target string) []*sim.Module {
	if target == "all" {
		m := make([]*sim.Module, pl.P.Modules)
		for i := range m {
			m[i] = &pl.Modules[i]
		}
		return m
	}
	i, err := strconv.Atoi(target)
	if err != nil || i < 0 || i >= pl.P.Modules {
		return nil
	}
	return []*sim.Module{&pl.Modules[i]}
}

// Apply injects (on) or clears (!on) a plant fault with the default duty.
// Controller faults (stall, restart) are the runner's, not the plant's.
func (pl *Plant) Apply(k FaultKind, target string, arg float64, on bool) error {
	return pl.ApplyDuty(k, target, arg, 0, on)
}

// ApplyDuty is Apply with an event's duty (sensor_intermittent's open share
// of each period; 0: DefaultDuty).
func (pl *Plant) ApplyDuty(k FaultKind, target string, arg, duty float64, on bool) error {
	s, ok := Spec(k)
	if !ok {
		return fmt.Errorf("unknown fault %q (see 'hearth hil faults')", k)
	}
	if err := s.CheckTarget(target); err != nil {
		return err
	}
	if arg == 0 {
		arg = s.DefaultArg
	}
	if f, ok := sensorFaults[k]; ok {
		return pl.applySensor(k, f, target, arg, duty, on)
	}
	switch k {
	case "pump_seized", "pump_degraded", "pump_feedback_alarm", "pump_seized_silent", "pump_feedback_lies":
		return pl.applyPump(k, &pl.Pumps[pumpID(target)], arg, on)
	case "valve_stuck":
		pl.Valves[valveID(target)].Stuck = on
	case "valve_slow":
		pl.Valves[valveID(target)].Slow = map[bool]float64{true: arg, false: 1}[on]
	case "flow_meter_dead":
		f := sim.FaultNone
		if on {
			f = sim.FaultDead
		}
		pl.Flows[hal.FlowID(pumpID(target))].SetFault(f, 0)
	case "oil_leak", "water_pressure_loss", "pressure_to_floor":
		return pl.applyCircuit(k, arg, on)
	case "fan_failure":
		pl.Fan.Failed = on
	case "module_ignores_throttle", "module_ignores_shutdown", "module_silent", "module_false_power":
		for _, m := range pl.modules(target) {
			switch k {
			case "module_ignores_throttle":
				m.IgnoreThrottle = on
			case "module_ignores_shutdown":
				m.IgnoreShutdown = on
			case "module_false_power":
				m.FalsePower, m.FalsePowerW = on, units.Watt(arg)
			default:
				m.Silent = on
			}
		}
	default:
		return fmt.Errorf("fault %s is not a plant fault", k)
	}
	return nil
}

// applySensor injects or clears a fault of a measuring chain.
func (pl *Plant) applySensor(k FaultKind, f sim.Fault, target string, arg, duty float64, on bool) error {
	set, _ := pl.sensor(target)
	if !on {
		f = sim.FaultNone
	}
	if f == sim.FaultIntermittent {
		if !(arg > 0) {
			return fmt.Errorf("fault %s: period %g s, want > 0", k, arg)
		}
		if duty == 0 {
			duty = DefaultDuty
		}
		if !(duty > 0 && duty < 1) {
			return fmt.Errorf("fault %s: duty %g, want between 0 and 1", k, duty)
		}
	}
	set(f, arg, duty)
	return nil
}

// applyPump injects or clears a pump's fault.
func (pl *Plant) applyPump(k FaultKind, p *sim.Pump, arg float64, on bool) error {
	switch k {
	case "pump_seized":
		p.Seized = on
	case "pump_degraded":
		p.Degrade = map[bool]float64{true: arg, false: 1}[on]
	case "pump_feedback_alarm":
		p.FeedbackAlarm = on
	case "pump_seized_silent":
		p.SetSeizedSilent(on)
	case "pump_feedback_lies":
		a := hal.PumpAlarm(arg)
		if on && (float64(a) != arg || a > hal.PumpStandby) {
			return fmt.Errorf("fault %s: alarm %g, want 1..4", k, arg)
		}
		p.FeedbackLies, p.LieAlarm = on, a
	}
	return nil
}

// applyCircuit injects or clears a leak of the oil or the water circuit;
// clearing repairs and refills.
func (pl *Plant) applyCircuit(k FaultKind, arg float64, on bool) error {
	switch k {
	case "oil_leak":
		pl.OilLeak = on
		if !on {
			pl.S.OilLostL = 0 // repaired and refilled
		}
	case "water_pressure_loss":
		pl.PressureLossBarPerS = 0
		if on {
			pl.PressureLossBarPerS = arg
		} else {
			pl.S.PressureBar = pl.P.PressureBar // refilled
		}
	case "pressure_to_floor":
		if on && !(arg >= 0) {
			return fmt.Errorf("fault %s: floor %g bar, want >= 0", k, arg)
		}
		pl.PressureToFloor, pl.PressureFloorBar = on, units.Bar(arg)
		if !on {
			pl.S.PressureBar = pl.P.PressureBar // refilled
		}
	}
	return nil
}
