package safety

import (
	"hearth/hal"
	"hearth/units"
)

// The state: the machine moved on the findings, shedding, the modules'
// caps, what counts as cleared, and the start-up self-test.

// timer tracks how long a condition has held.
type timer struct {
	on    bool
	since units.Time
}

// held updates t with cond and reports whether it has held for s seconds.
func (t *timer) held(cond bool, now units.Time, s float64) bool {
	if !cond {
		t.on = false
		return false
	}
	if !t.on {
		t.on, t.since = true, now
	}
	return now.Sub(t.since).Seconds() >= s
}

func (l *Layer) fire(e Event, now units.Time) bool {
	if err := l.m.Fire(e); err != nil {
		l.st.FireErrors++
		return false
	}
	l.st.State, l.stateAt = l.m.State(), now
	switch l.st.State {
	case StateSelfTest:
		l.testArmed = false // every self-test moves the valve from where it is now
	case StateRunning:
		if e == EventStart {
			l.stepped = false // the staggered start begins with its first step at once
		}
	}
	return true
}

// latch enters tripped on the findings' first cause.
func (l *Layer) latch(f *findings, now units.Time) {
	st := &l.st
	if l.fire(EventTrip, now) {
		st.Cause, st.Witness, st.TripAt, st.Latched = f.first, f.witness, now, true
		st.TripCauses = f.trips
	}
}

// advance moves the state machine for this tick.
func (l *Layer) advance(in *hal.Inputs, now units.Time, f *findings) {
	st := &l.st
	if st.State == StateTripped || st.Latched {
		st.TripCauses |= f.trips // every cause in force joins the latch: their safe states combine
	}
	if f.trips != 0 && st.State != StateTripped {
		l.latch(f, now)
		return
	}
	inState := now.Sub(l.stateAt).Seconds()
	switch st.State {
	case StateBoot:
		l.fire(EventSelfTestStart, now)
	case StateSelfTest:
		l.selfTest(in, now, inState)
	case StateMaintenance:
		// The engineer hands back only with every cause cleared.
		l.guardOK = !in.Maintenance && l.cleared(now)
		if l.guardOK && l.fire(EventLeaveMaintenance, now) {
			l.unlatch()
		}
		l.guardOK = false
	case StateStandby:
		if in.Maintenance {
			l.fire(EventEnterMaintenance, now)
			break
		}
		if f.shutdown == CauseNone && inState >= 1 {
			st.Cause = CauseNone
			l.shedAt, l.clearAt = now, now
			l.fire(EventStart, now)
		}
	case StateTripped:
		l.tripped(in, now, f)
	case StateShutdown:
		if l.modulesOff(in) {
			l.fire(EventStop, now)
		}
	case StateRunning, StateDegraded, StateShedding:
		l.operate(in, now, f)
	}
	if l.resetEdge && st.State != StateTripped {
		// An engineer's reset gives isolated modules another chance and
		// clears the channels latched for flapping.
		st.Isolated, st.Flapping = 0, 0
		l.clearVote(now)
	}
}

// tripped leaves the latch only by a new reset request (an edge, not a
// request held high) with every cause cleared, or enters maintenance.
func (l *Layer) tripped(in *hal.Inputs, now units.Time, f *findings) {
	// Not into maintenance while a trip condition is in force: it would trip
	// again from maintenance on the next tick, and every other tick would
	// lose the cause's safe state.
	if in.Maintenance && f.trips == 0 {
		l.fire(EventEnterMaintenance, now) // the latch is kept: leaving is guarded like reset
		return
	}
	l.guardOK = l.resetEdge && l.cleared(now)
	if l.guardOK && l.fire(EventReset, now) {
		l.unlatch()
		l.st.Flapping = 0
		l.clearVote(now)
	}
	l.guardOK = false
}

// unlatch forgets the trip once the guarded event has fired.
func (l *Layer) unlatch() {
	st := &l.st
	st.Cause, st.Witness, st.ShedSteps, st.Isolated = CauseNone, WitnessNone, 0, 0
	st.Latched, st.TripCauses = false, 0
}

// operate moves between running, degraded and shedding, or begins a
// graceful shutdown.
func (l *Layer) operate(in *hal.Inputs, now units.Time, f *findings) {
	st := &l.st
	if f.shutdown != CauseNone || in.Maintenance {
		if l.fire(EventShutdown, now) {
			st.Cause = f.shutdown
		}
		return
	}
	l.shed(now, in.NumModules)
	switch want := l.wantState(); {
	case want == st.State:
	case want == StateShedding:
		l.fire(EventShed, now)
	case st.State == StateShedding && want == StateDegraded:
		l.fire(EventDegrade, now)
	case st.State == StateShedding:
		l.fire(EventRestore, now)
	case want == StateDegraded:
		l.fire(EventDegrade, now)
	default:
		l.fire(EventRecover, now)
	}
	st.Cause = CauseNone
	for c := Cause(1); c < NumCauses; c++ {
		if st.Warnings&c.Bit() != 0 {
			st.Cause = c
			break
		}
	}
}

// degrading are the alarms that mean lost redundancy: the layer runs
// degraded while any is raised.
const degrading = 1<<CauseSensor | 1<<CauseOilInDisagree | 1<<CauseEnergyBalance | 1<<CauseFlapping | 1<<CauseWitness

// wantState is the operating state the layer's findings call for.
func (l *Layer) wantState() State {
	switch {
	case l.st.ShedSteps > 0:
		return StateShedding
	case l.st.Alarms&degrading != 0:
		return StateDegraded
	}
	return StateRunning
}

// shed steps compute down while an over-temperature warning persists, and
// back up once every warning has been clear for RestoreS.
func (l *Layer) shed(now units.Time, modules int) {
	st, cfg := &l.st, &l.cfg
	maxSteps := shedPerModule * min(max(modules, 1), hal.MaxModules)
	if st.CoolHarder {
		l.clearAt = now
		if !l.warnOn {
			l.warnOn, l.shedAt = true, now.Add(-units.DurationOf(cfg.ShedStepS)) // the first step at once
		}
		if now.Sub(l.shedAt).Seconds() >= cfg.ShedStepS && st.ShedSteps < maxSteps {
			st.ShedSteps++
			l.shedAt = now
		}
		return
	}
	l.warnOn = false
	if st.ShedSteps > 0 && now.Sub(l.clearAt).Seconds() >= cfg.RestoreS {
		st.ShedSteps--
		l.clearAt = now
	}
}

// capsKey is everything the module caps depend on.
type capsKey struct {
	state     State
	shedSteps int
	isolated  uint32
	modules   int
}

// shedPerModule is the number of steps from 100 % to off: 75, 50, 25, idle, off.
const shedPerModule = int(hal.Level100 - hal.LevelOff)

// caps computes each module's cap from the state, the shedding steps (the
// last module first: lower index, higher priority) and isolation.
func (l *Layer) caps(in *hal.Inputs) {
	st := &l.st
	key := capsKey{st.State, st.ShedSteps, st.Isolated, in.NumModules}
	if key == l.capsFor {
		return
	}
	l.capsFor = key
	base := hal.Level100
	switch st.State {
	case StateTripped, StateMaintenance:
		base = hal.LevelCut
	case StateBoot, StateSelfTest, StateStandby, StateShutdown:
		base = hal.LevelOff
	}
	n := max(in.NumModules, 1)
	st.ModuleCap = hal.LevelCut
	for i := range st.Cap {
		c := base
		if base == hal.Level100 && i < n {
			s := st.ShedSteps - shedPerModule*(n-1-i)
			s = min(max(s, 0), shedPerModule)
			c = hal.Level100 - hal.Level(s)
		}
		if st.Isolated&(1<<i) != 0 {
			c = hal.LevelCut
		}
		st.Cap[i] = c
		if i < in.NumModules {
			st.ModuleCap = max(st.ModuleCap, c)
		}
	}
}

// modulesOff reports whether every module is unpowered.
func (l *Layer) modulesOff(in *hal.Inputs) bool {
	for i := 0; i < in.NumModules; i++ {
		if l.powered(in, i) {
			return false
		}
	}
	return true
}

// cleared reports whether every trip-relevant measurement is back below its
// warning limit by its hysteresis, and no trip condition is in force.
func (l *Layer) cleared(now units.Time) bool { return l.holding(now) == 0 }

// holding returns a bit per Cause whose condition still holds, the ones a
// reset waits for: a temperature not yet below its warning limit by its
// hysteresis (or not known: nothing proves it cooled), a leak or low oil
// level, a pressure out of its band, the water pump running dry, a board
// past its limit.
func (l *Layer) holding(now units.Time) uint32 {
	below := func(id hal.TempID, lim TempLimit) bool {
		return l.known(id, now) && l.probes[id].value < lim.WarnC-units.Celsius(lim.HystK)
	}
	var h uint32
	set := func(c Cause, holds bool) {
		if holds {
			h |= c.Bit()
		}
	}
	oilIn := l.oil.known && l.oil.value < l.cfg.OilIn.WarnC-units.Celsius(l.cfg.OilIn.HystK)
	for _, id := range [...]hal.TempID{hal.TempOilInA, hal.TempOilInB} {
		if l.oil.excluded != id && l.known(id, now) && !below(id, l.cfg.OilIn) {
			oilIn = false
		}
	}
	set(CauseOilInHigh, !oilIn)
	set(CauseOilOutHigh, !below(hal.TempOilOut, l.cfg.OilOut))
	set(CauseWaterFlowHigh, !below(hal.TempWaterFlow, l.cfg.WaterFlow))
	set(CauseTankHigh, !below(hal.TempTankTop, l.cfg.Tank))
	set(CauseBoardHigh, l.st.Warnings&CauseBoardHigh.Bit() != 0)
	set(CauseLeak, l.leak.on || l.level.on)
	set(CausePressureLow, l.pressLow.on || l.dry.on || l.st.Warnings&CausePressureLow.Bit() != 0)
	set(CausePressureHigh, l.pressHigh.on || l.st.Warnings&CausePressureHigh.Bit() != 0)
	return h
}

// selfTest runs the start-up checks in the spirit of IEC 60730 class B:
// configuration checksum, the watchdog, every trip-relevant probe present
// and plausible, each pump proving flow, the dump valve proving it moves.
func (l *Layer) selfTest(in *hal.Inputs, now units.Time, inState float64) {
	cfg := &l.cfg
	if !l.testArmed {
		l.testArmed = true
		from := in.Valve[hal.ValveDump].Value
		l.testValveFrom, l.testValveTo = from, from+2*cfg.SelfTestValve
		if from > 0.5 {
			l.testValveTo = from - 2*cfg.SelfTestValve
		}
	}
	var failed uint32
	if l.cfg.ConfigChecksum() != l.checksum || !in.Watchdog {
		failed |= CauseSelfTest.Bit()
	}
	for _, id := range [...]hal.TempID{hal.TempOilInA, hal.TempOilInB, hal.TempOilOut, hal.TempWaterFlow, hal.TempTankTop} {
		if !l.known(id, now) {
			failed |= CauseSensor.Bit()
		}
	}
	if !l.press.ok {
		failed |= CausePressureLow.Bit()
	}
	if f := &l.flows[hal.FlowOil]; !f.ok || f.value < float64(cfg.SelfTestFlowLPM) {
		failed |= CauseNoOilFlow.Bit()
	}
	if f := &l.flows[hal.FlowWater]; !f.ok || f.value < float64(cfg.SelfTestFlowLPM) {
		failed |= CauseWaterPump.Bit()
	}
	if d := in.Valve[hal.ValveDump].Value - l.testValveFrom; !in.Valve[hal.ValveDump].OK() || (d < cfg.SelfTestValve && d > -cfg.SelfTestValve) {
		failed |= CauseSelfTest.Bit()
	}
	l.st.SelfTest = failed
	switch {
	case failed == 0:
		l.testArmed = !l.fire(EventSelfTestPass, now)
	case inState >= cfg.SelfTestS:
		if l.fire(EventSelfTestFail, now) {
			st := &l.st
			st.Cause, st.Witness, st.TripAt, st.Latched = CauseSelfTest, WitnessSelfTest, now, true
			st.TripCauses = CauseSelfTest.Bit()
			l.testArmed = false
		}
	}
}
