package hil

import (
	"errors"
	"strconv"

	"hearth/hal"
	"hearth/hil/plant"
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

// The limits the invariants judge against come from the REFERENCE safety
// configuration and safety's hard bounds, never from the configuration
// under test: a configuration that loosens a limit must not loosen the
// bench's verdict with it.
var (
	refSafety = safety.DefaultConfig()
	// dryBar is the hard lower bound of pressure_trip_low_bar: below it the
	// circulator cavitates.
	dryBar = hardBound("safety.pressure_trip_low_bar", func(c *safety.Config) { c.PressureTripLowBar = 1e-9 })
)

// hardBound returns the hard bound safety's Validate reports for key when
// set breaks it.
func hardBound(key string, set func(*safety.Config)) float64 {
	c := safety.DefaultConfig()
	set(&c)
	var le *safety.LimitError
	for _, e := range unwrapAll(c.Validate()) {
		if errors.As(e, &le) && le.Key == key &&
			(le.Rule == safety.RuleBelowBound || le.Rule == safety.RuleAboveBound) {
			return le.Bound
		}
	}
	panic("hil: no hard bound for " + key)
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// Thresholds that are not safety's configuration.
const (
	overshootK    = 2  // allowance over a trip limit: probe lag and heat already in the oil
	waterFlowMaxC = 95 // primary water flow, 15 K under the 110 C STB
	tankMaxC      = 85
	socMaxC       = 85 // the boards' hard limit
	// dryRunS is how long the water pump may run below dryBar: a pressure
	// trip acts within debounce_s (<= 10 s) and the rotor spins down in a
	// few seconds.
	dryRunS = 20
	// leakPumpS is how long the oil pump may run while oil leaks into the
	// bund: the slowest leak witness, the expansion tank's level switch at
	// 1 L lost at 2 L/min (30 s), plus debounce and margin.
	leakPumpS = 45
)

// Indices of Invariants.
const (
	invOilIn = iota
	invNoFlow
	invTripped
	invReset
	invWaterFlow
	invTank
	invModuleOil
	invSoC
	invWaterDry
	invLeakPump
	invFireErrors
	invSupplyStep
	invSafeState
	numInvariants
)

func g(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// Invariants is the one list of what the bench checks at every tick.
var Invariants = []Invariant{
	invOilIn: {"oil_in_below_trip_plus_2k", "oil into the modules never above the reference oil_in trip (" +
		g(float64(refSafety.OilIn.TripC)) + " C) + 2 K"},
	invNoFlow: {"no_power_without_oil_flow", "no module powered with the true oil flow below the reference minimum (" +
		g(float64(refSafety.MinOilFlowLPM)) + " L/min) for longer than the reference flow_proof_s (" +
		g(refSafety.FlowProofS) + " s) + 2 s"},
	invTripped: {"no_power_once_tripped", "once tripped, no module draws power after one tick"},
	invReset: {"trip_left_only_by_reset", "a latched trip is left only through an authorised reset, with its cause " +
		"cleared on the true plant (below the reference warn limits, no oil leak, pressure above the reference low trip)"},
	invWaterFlow: {"water_flow_below_95c", "primary water flow never above 95 C"},
	invTank:      {"tank_below_85c", "tank never above 85 C"},
	invModuleOil: {"module_oil_below_trip_plus_2k", "the hottest module's oil never above the reference oil_out trip (" +
		g(float64(refSafety.OilOut.TripC)) + " C) + 2 K"},
	invSoC: {"soc_below_85c", "the hottest SoC never above 85 C (the boards' hard limit)"},
	invWaterDry: {"no_water_pump_dry", "the water pump never runs (rotor above 5 % of its speed) with the true pressure below " +
		g(dryBar) + " bar (the hard bound of pressure_trip_low_bar: cavitation) for more than " + g(dryRunS) + " s"},
	invLeakPump: {"no_oil_pump_on_leak", "the oil pump never runs (rotor above 5 % of its speed) while oil leaks into the bund " +
		"for more than " + g(leakPumpS) + " s (the slowest witness, the level switch at 1 L lost at 2 L/min = 30 s, plus debounce and margin)"},
	invFireErrors: {"safety_fire_errors", "safety never refuses a state transition (Status.FireErrors > 0 is a programming error)"},
	invSupplyStep: {"supply_step_within_one_module", "the modules' draw on the home's supply never rises by more than one " +
		"module's full draw within " + g(supplyStepS) + " s (modules come on one at a time: after boot, a reset, a watchdog's restart)"},
	invSafeState: {"tripped_safe_state", safeStateDoc},
}

// safeStateDoc says what tripped_safe_state checks.
const safeStateDoc = "while tripped and the controller runs, the commands the plant's devices hold are the combined safe " +
	"state of every cause latched: every module cut, the oil pump stopped if a leak is among them (else at full speed), " +
	"the water pump stopped on low pressure (else at full speed), all water to the dump, the fan at full speed, " +
	"no electric heat, the alarm on"

// supplyStepS is the window the supply step is judged over.
const supplyStepS = 1

// supplyTicks is the window in ticks.
const supplyTicks = int(supplyStepS * units.Second / Tick)

// maxViolations bounds the episodes one run keeps: the first few tell the
// story. Past it a last entry, violationsDropped, counts the rest.
const maxViolations = 20

// violationsDropped names the entry that counts the episodes not kept.
const violationsDropped = "violations_dropped"

// episode is the state of one invariant: whether its condition holds, since
// when, and the violation it has open.
type episode struct {
	cond  bool
	since units.Time
	open  bool
	idx   int // index of the open violation, -1 when it was dropped
}

type invariants struct {
	draw         [supplyTicks]units.Watt // the modules' draw over the last supplyStepS, a ring
	drawN        int
	violations   []Violation
	ep           [numInvariants]episode
	trippedTicks int
	kept         int // episodes kept
	dropped      [numInvariants]int
	droppedIdx   int // index of the violationsDropped entry, -1 before any
}

func (v *invariants) init(s *Sim) {
	v.violations = make([]Violation, 0, 4)
	v.droppedIdx = -1
}

// hold advances invariant i's episode with this tick's condition: it closes
// an open violation when the condition clears and extends it while it
// holds. It reports whether a violation starts now (the condition has held
// for more than graceS; graceS < 0: at once); the caller then calls begin
// with the episode's detail, so nothing is formatted on a quiet tick.
func (v *invariants) hold(i int, cond bool, now units.Time, graceS float64) bool {
	e := &v.ep[i]
	if !cond {
		if e.open {
			v.stretch(e, now)
		}
		e.cond, e.open = false, false
		return false
	}
	if !e.cond {
		e.cond, e.since = true, now
	}
	if e.open {
		v.stretch(e, now)
		return false
	}
	return graceS < 0 || now.Sub(e.since).Seconds() > graceS
}

// stretch moves the end of e's violation to now.
func (v *invariants) stretch(e *episode, now units.Time) {
	if e.idx < 0 {
		return
	}
	vi := &v.violations[e.idx]
	vi.EndS = now.Seconds()
	vi.LengthS = vi.EndS - vi.AtS
}

// begin opens a violation of invariant i now.
func (v *invariants) begin(s *Sim, i int, detail string) {
	e, now := &v.ep[i], s.Plant.Now
	e.open, e.idx = true, -1
	at := now.Seconds()
	if v.kept < maxViolations {
		v.kept++
		e.idx = len(v.violations)
		v.violations = append(v.violations, Violation{Invariant: Invariants[i].Name, AtS: at, EndS: at, Detail: detail})
		return
	}
	// Never cut silently: the last entry says how many more there were.
	v.dropped[i]++
	if v.droppedIdx < 0 {
		v.droppedIdx = len(v.violations)
		v.violations = append(v.violations, Violation{Invariant: violationsDropped, AtS: at})
	}
	d := &v.violations[v.droppedIdx]
	d.EndS, d.LengthS = at, at-d.AtS
	n, parts := 0, ""
	for j, c := range v.dropped {
		if c > 0 {
			n += c
			if parts != "" {
				parts += ", "
			}
			parts += Invariants[j].Name + " x " + strconv.Itoa(c)
		}
	}
	d.Detail = strconv.Itoa(n) + " more episodes past the first " + strconv.Itoa(maxViolations) + " not kept: " + parts
}

// event records a violation that is an instant, not a state.
func (v *invariants) event(s *Sim, i int, detail string) {
	v.begin(s, i, detail)
	v.ep[i].open = false
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// check runs after the plant step of each tick; st is safety's status of the
// tick and resetAsked whether the tick carried an authorised reset. Every
// comparison is written so that a NaN breaks the invariant.
func (v *invariants) check(s *Sim, st *safety.Status, resetAsked bool) {
	powered := v.checkTemps(s)
	v.checkFlows(s, powered)
	v.checkSafety(s, st, powered, resetAsked)
}

// checkTemps judges the plant's temperatures and returns the modules
// powered.
func (v *invariants) checkTemps(s *Sim) (powered int) {
	pl, ps, ref := s.Plant, &s.Plant.S, &refSafety
	now := pl.Now
	if v.hold(invOilIn, !(ps.OilInC <= ref.OilIn.TripC+overshootK), now, -1) {
		v.begin(s, invOilIn, "oil into modules "+ftoa(float64(ps.OilInC))+" C")
	}
	if v.hold(invWaterFlow, !(ps.WaterFlowC <= waterFlowMaxC), now, -1) {
		v.begin(s, invWaterFlow, "water flow "+ftoa(float64(ps.WaterFlowC))+" C")
	}
	if v.hold(invTank, !(ps.TankTopC <= tankMaxC), now, -1) {
		v.begin(s, invTank, "tank "+ftoa(float64(ps.TankTopC))+" C")
	}
	// The hottest module's oil and SoC: max propagates a NaN.
	hotOil, hotSoC := units.Celsius(-273), units.Celsius(-273)
	for i := 0; i < pl.P.Modules; i++ {
		m := &pl.Modules[i]
		if m.Powered() {
			powered++
		}
		hotOil, hotSoC = max(hotOil, ps.ModuleOilC[i]), max(hotSoC, m.SoCC)
	}
	if v.hold(invModuleOil, !(hotOil <= ref.OilOut.TripC+overshootK), now, -1) {
		v.begin(s, invModuleOil, "module "+strconv.Itoa(pl.Hottest(func(i int) units.Celsius { return ps.ModuleOilC[i] }))+
			" oil "+ftoa(float64(hotOil))+" C")
	}
	if v.hold(invSoC, !(hotSoC <= socMaxC), now, -1) {
		v.begin(s, invSoC, "module "+strconv.Itoa(pl.Hottest(func(i int) units.Celsius { return pl.Modules[i].SoCC }))+
			" SoC "+ftoa(float64(hotSoC))+" C")
	}
	return powered
}

// checkFlows judges the oil flow the powered modules get, the water pump's
// running dry, the oil pump on a leak, and the supply's steps.
func (v *invariants) checkFlows(s *Sim, powered int) {
	pl, ps, ref := s.Plant, &s.Plant.S, &refSafety
	now := pl.Now
	noFlowS := ref.FlowProofS + 2
	if v.hold(invNoFlow, powered > 0 && !(ps.OilFlowLPM >= ref.MinOilFlowLPM), now, noFlowS) {
		v.begin(s, invNoFlow, strconv.Itoa(powered)+" modules powered with oil flow "+
			ftoa(float64(ps.OilFlowLPM))+" L/min for "+ftoa(now.Sub(v.ep[invNoFlow].since).Seconds())+" s")
	}
	water := pl.Pumps[hal.PumpWater].Actual()
	if v.hold(invWaterDry, !(water <= plant.PumpRunning) && !(float64(ps.PressureBar) >= dryBar), now, dryRunS) {
		v.begin(s, invWaterDry, "water pump at "+ftoa(float64(water))+" of its speed with "+
			ftoa(float64(ps.PressureBar))+" bar for "+ftoa(now.Sub(v.ep[invWaterDry].since).Seconds())+" s")
	}
	oil := pl.Pumps[hal.PumpOil].Actual()
	if v.hold(invLeakPump, pl.OilLeak && !(oil <= plant.PumpRunning), now, leakPumpS) {
		v.begin(s, invLeakPump, "oil pump at "+ftoa(float64(oil))+" of its speed, "+
			ftoa(ps.OilLostL)+" L lost, for "+ftoa(now.Sub(v.ep[invLeakPump].since).Seconds())+" s of the leak")
	}
	drawW := pl.ComputePower()
	past := v.draw[v.drawN%supplyTicks]
	v.draw[v.drawN%supplyTicks] = drawW
	v.drawN++
	if v.hold(invSupplyStep, v.drawN > supplyTicks && !(drawW-past <= pl.P.ModuleFullW()), now, -1) {
		v.begin(s, invSupplyStep, "the modules' draw rose "+ftoa(float64(drawW-past))+" W within "+g(supplyStepS)+" s, to "+
			ftoa(float64(drawW))+" W")
	}
}

// checkSafety judges the safety layer's own promises: the latch, the safe
// state, no refused transition.
func (v *invariants) checkSafety(s *Sim, st *safety.Status, powered int, resetAsked bool) {
	now := s.Plant.Now
	if what := s.unsafeTrip(st); v.hold(invSafeState, what != "", now, -1) {
		v.begin(s, invSafeState, what+" while tripped on "+st.Cause.String())
	}
	if v.hold(invFireErrors, st.FireErrors > 0, now, -1) {
		v.begin(s, invFireErrors, strconv.Itoa(st.FireErrors)+" refused transitions, in state "+st.State.String())
	}
	tripped := st.State == safety.StateTripped
	if tripped {
		v.trippedTicks++
	}
	if v.hold(invTripped, tripped && v.trippedTicks > 1 && powered > 0, now, -1) {
		v.begin(s, invTripped, strconv.Itoa(powered)+" modules powered while tripped since "+ftoa(st.TripAt.Seconds())+" s")
	}
	if !tripped {
		if v.trippedTicks > 0 && !(resetAsked && s.causeCleared()) {
			v.event(s, invReset, "left the trip without an authorised reset with its cause cleared")
		}
		v.trippedTicks = 0
	}
}

// causeCleared judges on the true plant, against the reference limits,
// whether every trip cause has cleared.
func (s *Sim) causeCleared() bool {
	ps, ref := &s.Plant.S, &refSafety
	below := func(t units.Celsius, l safety.TempLimit) bool { return t < l.WarnC }
	return below(ps.OilInC, ref.OilIn) && below(ps.OilOutC, ref.OilOut) && below(ps.WaterFlowC, ref.WaterFlow) &&
		below(ps.TankTopC, ref.Tank) && !s.Plant.OilLeak && ps.PressureBar > ref.PressureTripLowBar
}

// unsafeTrip returns what of the plant's commands is not the combined safe
// state of the causes latched, or "" (also when not tripped, or when the
// controller is down and the hardware has de-energised everything).
func (s *Sim) unsafeTrip(st *safety.Status) string {
	pl := s.Plant
	if st.State != safety.StateTripped || s.ctlDown {
		return ""
	}
	oil, water := units.Ratio(1), units.Ratio(1)
	if st.TripCauses&safety.CauseLeak.Bit() != 0 {
		oil = 0
	}
	if st.TripCauses&safety.CausePressureLow.Bit() != 0 {
		water = 0
	}
	for i := 0; i < pl.P.Modules; i++ {
		if pl.Modules[i].Command() != hal.LevelCut {
			return "module " + strconv.Itoa(i) + " not cut"
		}
	}
	switch {
	case pl.Pumps[hal.PumpOil].Command() != oil:
		return "oil pump at " + ftoa(float64(pl.Pumps[hal.PumpOil].Command()))
	case pl.Pumps[hal.PumpWater].Command() != water:
		return "water pump at " + ftoa(float64(pl.Pumps[hal.PumpWater].Command()))
	case pl.Valves[hal.ValveDump].Command() != 1 || pl.Valves[hal.ValveTank].Command() != 0:
		return "water not all to the dump"
	case pl.Fan.Command() != 1:
		return "fan at " + ftoa(float64(pl.Fan.Command()))
	case pl.Heater.On:
		return "immersion heater on"
	case !pl.Alarm.On:
		return "no alarm"
	}
	return ""
}
