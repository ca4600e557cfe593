package hil

import (
	"strconv"
	"strings"
	"time"

	"hearth/hil/plant"
	"hearth/units"
)

// The fault matrix: a built-in scenario for every (fault, channel) pair that
// a trip hangs on, in winter and in summer, each with what the safety layer
// must do about it. Every run injects its fault at 30 min for 30 min, resets
// at 75 min (and again at 85 min, as an engineer whose reset was refused
// would), and, unless its outcome rides on the plant's course, must be
// running again by 105 min (a repaired plant comes back); the invariants
// hold throughout, as in every run.

// matrixOutcome is what a pair must lead to.
type matrixOutcome uint8

const (
	mDegraded matrixOutcome = iota // no trip; degraded 20 min into the fault
	mNoTrip                        // no trip; the fault changes nothing a trip hangs on
	mTrip                          // a trip on a given cause and witness, by a deadline
	mAny                           // the outcome rides on the plant's course (and so does its recovery); the invariants judge it
)

// matrixRow is one pair.
type matrixRow struct {
	kind    plant.FaultKind
	target  string
	arg     float64
	outcome matrixOutcome
	cause   string
	witness string
	byS     float64 // the trip's deadline after the fault
}

// Channels a trip hangs on, and a plausible value to stick each at.
var (
	matrixTemps   = []string{"oil_in_a", "oil_in_b", "oil_out", "water_flow", "tank_top", "tank_bottom"}
	matrixStuckAt = map[string]float64{"oil_in_a": 40, "oil_in_b": 40, "oil_out": 45, "water_flow": 40,
		"tank_top": 45, "tank_bottom": 44, "pressure": 1.5, "flow_oil": 20, "flow_water": 10}
	matrixNoise = map[string]float64{"pressure": 0.05} // bar; the default 1.5 units elsewhere
)

// matrixRows lists every pair with its outcome.
func matrixRows() []matrixRow {
	var rows []matrixRow
	add := func(k plant.FaultKind, target string, arg float64, o matrixOutcome) {
		rows = append(rows, matrixRow{kind: k, target: target, arg: arg, outcome: o})
	}
	trip := func(k plant.FaultKind, target string, arg float64, cause, witness string, byS float64) {
		rows = append(rows, matrixRow{k, target, arg, mTrip, cause, witness, byS})
	}
	lost := []plant.FaultKind{"sensor_open", "sensor_short", "sensor_crc", "sensor_stale", "sensor_intermittent"}
	for _, t := range matrixTemps {
		for _, k := range append(lost, "sensor_frozen_85", "sensor_stuck", "sensor_noisy") {
			add(k, t, 0, mDegraded)
		}
		add("sensor_stuck_at", t, matrixStuckAt[t], mDegraded)
		add("sensor_drift", t, 0, mAny) // 2 K in 30 min: inside the pair's band, the balance's tolerance
		add("sensor_offset", t, 0, map[bool]matrixOutcome{true: mDegraded, false: mAny}[strings.HasPrefix(t, "oil_in")])
	}
	for _, k := range lost {
		add(k, "pressure", 0, mDegraded)
	}
	add("sensor_stuck", "pressure", 0, mDegraded)
	add("sensor_stuck_at", "pressure", matrixStuckAt["pressure"], mDegraded)
	add("sensor_offset", "pressure", 0, mDegraded) // -8 bar: below the transducer's range
	add("sensor_noisy", "pressure", matrixNoise["pressure"], mNoTrip)
	trip("sensor_drift", "pressure", 0, "pressure_low", "pressure", 16*60) // -4 bar/h: 0.5 bar after 15 min
	for _, k := range []plant.FaultKind{"sensor_open", "sensor_short", "sensor_crc"} {
		trip(k, "flow_oil", 0, "no_oil_flow", "flow_meter", 11)
	}
	trip("sensor_stale", "flow_oil", 0, "no_oil_flow", "flow_meter", 16)
	trip("flow_meter_dead", "oil", 0, "no_oil_flow", "flow_meter", 11)
	add("sensor_intermittent", "flow_oil", 0, mDegraded) // 2 s unproven, then proven again: it flaps
	for _, k := range []plant.FaultKind{"sensor_stuck", "sensor_drift", "sensor_offset", "sensor_noisy"} {
		add(k, "flow_oil", 0, mAny)
	}
	add("sensor_stuck_at", "flow_oil", matrixStuckAt["flow_oil"], mAny)
	for _, k := range append(lost, "flow_meter_dead") {
		target := "flow_water"
		if k == "flow_meter_dead" {
			target = "water"
		}
		add(k, target, 0, mDegraded)
	}
	for _, k := range []plant.FaultKind{"sensor_stuck", "sensor_drift", "sensor_offset", "sensor_noisy"} {
		add(k, "flow_water", 0, mAny)
	}
	add("sensor_stuck_at", "flow_water", matrixStuckAt["flow_water"], mAny)
	for _, t := range []struct{ target, witness string }{{"leak", "leak_input"}, {"oil_low", "level_switch"}} {
		trip("sensor_open", t.target, 0, "leak", t.witness, 3)
		trip("sensor_stale", t.target, 0, "leak", t.witness, 8)
		add("sensor_intermittent", t.target, 0, mDegraded) // open 2 s in 10: under debounce_s, it flaps
		trip("sensor_stuck_at", t.target, 1, "leak", t.witness, 3)
		add("sensor_stuck_at", t.target, 0, mNoTrip)
	}
	trip("pump_seized", "oil", 0, "no_oil_flow", "pump_feedback", 3)
	trip("pump_seized_silent", "oil", 0, "no_oil_flow", "flow_meter", 12)
	trip("pump_feedback_lies", "oil", 0, "no_oil_flow", "pump_feedback", 3)
	add("pump_seized_silent", "water", 0, mAny)
	add("pump_feedback_lies", "water", 0, mDegraded)
	add("module_false_power", "all", 0, mNoTrip) // the feed meters are the power witness
	return rows
}

// Matrix returns the fault matrix's scenarios, one per pair and season.
func Matrix() []*Scenario {
	var out []*Scenario
	for _, r := range matrixRows() {
		out = append(out, r.scenario().Expand()...)
	}
	return out
}

func (r matrixRow) scenario() *Scenario {
	name := "matrix-" + strings.ReplaceAll(string(r.kind), "_", "-") + "-" + strings.ReplaceAll(r.target, "_", "-")
	if r.kind == "sensor_stuck_at" {
		name += "-" + strconv.FormatFloat(r.arg, 'g', -1, 64)
	}
	at := units.Duration(30 * time.Minute)
	sc := &Scenario{Name: name, Seasons: []string{string(plant.Winter), string(plant.Summer)}, Duration: units.Duration(2 * time.Hour),
		Seed: 70, src: "matrix:" + name,
		Events: []Event{{At: at, Fault: string(r.kind), Target: r.target, Arg: r.arg, For: units.Duration(30 * time.Minute)},
			{At: units.Duration(75 * time.Minute), Command: "reset"},
			// An engineer whose reset was refused (a limit still held: a
			// tripped hub's oil cools only through its enclosure, slowly on
			// a summer afternoon) tries again ten minutes later.
			{At: units.Duration(85 * time.Minute), Command: "reset"}}}
	sc.Description = "The fault matrix: " + string(r.kind) + " on " + r.target + " at 30 min for 30 min, a reset at 75 min (again at 85 min)."
	ex := &sc.Expect
	if r.outcome != mAny {
		ex.States = []StateAt{{At: units.Duration(105 * time.Minute), State: "running"}}
	}
	switch r.outcome {
	case mDegraded:
		ex.NoTrip = true
		ex.States = append(ex.States, StateAt{At: units.Duration(50 * time.Minute), State: "degraded"})
	case mNoTrip:
		ex.NoTrip = true
	case mTrip:
		by := at + units.Duration(time.Duration(r.byS*float64(time.Second)))
		ex.Trips = []TripExpect{{Cause: r.cause, By: by, Witness: r.witness}}
	}
	return sc
}
