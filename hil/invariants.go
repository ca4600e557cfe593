package hil

import (
	"strconv"

	"hearth/safety"
	"hearth/units"
)

// Invariant is a property that must hold at every tick of every run,
// whatever the scenario says. They are checked on the plant's true state,
// not on what the controller measures.
type Invariant struct {
	Name string `json:"name"`
	Doc  string `json:"doc"`
}

// Invariants is the one list of what the bench checks at every tick.
var Invariants = []Invariant{
	{"oil_in_below_trip_plus_2k", "oil into the modules never above its trip limit + 2 K"},
	{"no_power_without_oil_flow", "no module powered without proven oil flow (>= the minimum flow) for longer than the flow-proof detection time + 2 s"},
	{"no_power_once_tripped", "once tripped, no module draws power after one tick"},
	{"trip_left_only_by_reset", "a latched trip is left only through an authorised reset, with its cause cleared on the true plant"},
	{"water_flow_below_95c", "primary water flow never above 95 C"},
	{"tank_below_85c", "tank never above 85 C"},
}

// maxViolations bounds what one run keeps: the first few tell the story.
const maxViolations = 20

type invariants struct {
	violations   []Violation
	noFlowSince  units.Time
	noFlow       bool
	noFlowFlag   bool
	trippedTicks int
}

func (v *invariants) init(s *Sim) { v.violations = make([]Violation, 0, 4) }

func (v *invariants) fail(s *Sim, name, detail string) {
	if len(v.violations) < maxViolations {
		v.violations = append(v.violations, Violation{Invariant: name, AtS: s.Plant.Now.Seconds(), Detail: detail})
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// check runs after the plant step of each tick; st is safety's status of the
// tick and resetAsked whether the tick carried an authorised reset.
func (v *invariants) check(s *Sim, st *safety.Status, resetAsked bool) {
	pl, ps, lim := s.Plant, &s.Plant.S, &s.Cfg.Core.Safety
	if ps.OilInC > lim.OilIn.TripC+2 {
		v.fail(s, "oil_in_below_trip_plus_2k", "oil into modules "+ftoa(float64(ps.OilInC))+" C")
	}
	if ps.WaterFlowC > 95 {
		v.fail(s, "water_flow_below_95c", "water flow "+ftoa(float64(ps.WaterFlowC))+" C")
	}
	if ps.TankTopC > 85 {
		v.fail(s, "tank_below_85c", "tank "+ftoa(float64(ps.TankTopC))+" C")
	}
	powered := 0
	for i := 0; i < pl.P.Modules; i++ {
		if pl.Modules[i].Powered() {
			powered++
		}
	}
	now := pl.Now
	if powered > 0 && ps.OilFlowLPM < lim.MinOilFlowLPM {
		if !v.noFlow {
			v.noFlow, v.noFlowSince, v.noFlowFlag = true, now, false
		}
		if d := now.Sub(v.noFlowSince).Seconds(); d > lim.FlowProofS+2 && !v.noFlowFlag {
			v.noFlowFlag = true
			v.fail(s, "no_power_without_oil_flow", strconv.Itoa(powered)+" modules powered with oil flow "+
				ftoa(float64(ps.OilFlowLPM))+" L/min for "+ftoa(d)+" s")
		}
	} else {
		v.noFlow = false
	}
	if st.State == safety.StateTripped {
		v.trippedTicks++
		if v.trippedTicks > 1 && powered > 0 {
			v.fail(s, "no_power_once_tripped", strconv.Itoa(powered)+" modules powered while tripped since "+
				ftoa(st.TripAt.Seconds())+" s")
		}
	} else {
		if v.trippedTicks > 0 && !(resetAsked && s.causeCleared()) {
			v.fail(s, "trip_left_only_by_reset", "left the trip without an authorised reset with its cause cleared")
		}
		v.trippedTicks = 0
	}
}

// causeCleared judges on the true plant whether every trip cause has cleared.
func (s *Sim) causeCleared() bool {
	ps, lim := &s.Plant.S, &s.Cfg.Core.Safety
	below := func(t units.Celsius, l safety.TempLimit) bool { return t < l.WarnC }
	return below(ps.OilInC, lim.OilIn) && below(ps.OilOutC, lim.OilOut) && below(ps.WaterFlowC, lim.WaterFlow) &&
		below(ps.TankTopC, lim.Tank) && !s.Plant.OilLeak && ps.PressureBar > lim.PressureTripLowBar
}
