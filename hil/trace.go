package hil

import (
	"hearth/hil/plant"
	"hearth/units"
)

// TracePoint is one sample of a run for plots: true plant temperatures, what
// the controller measured, its targets, every actuator command, compute
// power and the safety state.
type TracePoint struct {
	TS float64 `json:"t_s"`
	// True plant temperatures, C.
	OilInC, OilOutC, WaterFlowC, WaterReturnC, TankTopC, TankBottomC, IndoorC, OutdoorC float64
	// What the two oil-in probes reported (a lying sensor shows here), C.
	OilInAMeasuredC, OilInBMeasuredC float64
	// Targets: the weather curve's flow temperature, C.
	FlowTargetC float64
	// Commands after safety's word, 0..1.
	OilPump, WaterPump, ValveDump, ValveTank, Fan float64
	Immersion                                     bool
	ComputeKW                                     float64
	// CapacityKW is the bench's estimate of the compute power the plant
	// could reject now (hil/capacity.go), 0 where it was not needed.
	CapacityKW     float64
	ModulesPowered int
	SafetyState    string
	// What the hardware did with the commands: a pump's speed, a valve's
	// position, the fan's speed (a dead fan commanded 1 turns at 0).
	OilPumpActual, WaterPumpActual, ValveDumpActual, ValveTankActual, FanActual float64
	// The primary water's pressure (bar) and the two circuits' flows (L/min).
	PressureBar, OilFlowLPM, WaterFlowLPM float64
	// Heat by sink, kW: each the mean over the interval since the last
	// point (the energy's difference over the time), not one tick's value.
	ToTankKW, ToHeatingKW, DumpedKW, LossesKW float64
}

// Marker is an event on a run's time line.
type Marker struct {
	TS    float64 `json:"t_s"`
	Kind  string  `json:"kind"` // fault, clear, command, demand, trip, violation
	Label string  `json:"label"`
}

// Trace is the recorded history of one run, sampled every TraceEvery.
type Trace struct {
	Points  []TracePoint
	Markers []Marker
	// Limits to draw, by name and unit (oil_in_warn_c, oil_in_trip_c,
	// oil_ceiling_c, pressure_trip_low_bar, oil_flow_trip_min_lpm, ...).
	Limits map[string]float64
	// StartLocal is the local time since Monday 00:00 at the run's zero
	// (the scenario's start_week): the report's time axis keeps local time.
	StartLocal units.Duration

	// The recorder's own account between points.
	lastAt           units.Time
	lastE            plant.Energy
	alarms, warnings uint32
}
