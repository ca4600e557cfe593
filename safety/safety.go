package safety

import (
	"hearth/hal"
	"hearth/units"
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

// Cause is why the layer tripped or warns.
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
	CauseOilInSensor // neither oil-in probe can be believed
	NumCauses
)

var causeNames = [NumCauses]string{"none", "oil_in_high", "oil_out_high", "water_flow_high",
	"tank_high", "pressure_low", "pressure_high", "leak", "no_oil_flow", "oil_in_sensor"}

func (c Cause) String() string {
	if c < NumCauses {
		return causeNames[c]
	}
	return "cause?"
}

// Status is what the layer tells the rest of the controller after a tick.
type Status struct {
	State      State
	Cause      Cause      // the latched trip's cause, or the first active warning
	TripAt     units.Time // when the latched trip happened
	CoolHarder bool       // a temperature warning is active: control should cool at its maximum
	ModuleCap  hal.Level  // no module may run above this level
	Warnings   uint32     // bit per Cause
}

// probe is the plausibility record of one temperature input.
type probe struct {
	value   units.Celsius // last believed value
	validAt units.Time    // when a believed value last arrived
	seen    bool          // a believed value has arrived at least once
	lastAt  units.Time    // timestamp of the last sample considered
	valid   bool          // the current sample is believed
}

// Layer is the safety layer. The zero value is not usable: call New.
type Layer struct {
	cfg    Config
	st     Status
	probes [hal.NumTemps]probe

	started        bool
	startAt        units.Time
	flowLowSince   units.Time
	flowLow        bool
	leakSince      units.Time
	leakOn         bool
	pressLowSince  units.Time
	pressLow       bool
	pressHighSince units.Time
	pressHigh      bool
	lastShed       units.Time
	clearSince     units.Time
	warnActive     bool
}

// New returns a layer in boot with the given configuration.
func New(cfg Config) *Layer {
	return &Layer{cfg: cfg, st: Status{State: StateBoot, ModuleCap: hal.LevelCut}}
}

// Status returns the status after the last Step.
func (l *Layer) Status() Status { return l.st }

// Restore re-enters a trip persisted before a power cut.
func (l *Layer) Restore(c Cause, at units.Time) {
	l.st.State, l.st.Cause, l.st.TripAt, l.st.ModuleCap = StateTripped, c, at, hal.LevelCut
}

const powerOnC = 85.0 // a DS18B20 reads this before its first conversion

// judge decides whether the sample of probe id is believed.
func (l *Layer) judge(id hal.TempID, s hal.Sample[units.Celsius], now units.Time) {
	p := &l.probes[id]
	p.valid = false
	switch {
	case s.Status != hal.StatusOK:
	case now.Sub(s.At).Seconds() > l.cfg.StaleS:
	case s.Value < -55 || s.Value > 125:
	case s.Value == powerOnC && (!p.seen || p.value < powerOnC-5 || p.value > powerOnC+5):
		// The power-on value is believed only when the last believed value
		// was already near it: from a cold plant it is a lie.
	default:
		p.valid = true
		if s.At != p.lastAt || !p.seen {
			p.validAt = now
		}
		p.value, p.seen = s.Value, true
	}
	p.lastAt = s.At
}

// known reports whether probe id has been believed within SensorLossS.
func (l *Layer) known(id hal.TempID, now units.Time) bool {
	p := &l.probes[id]
	return p.seen && now.Sub(p.validAt).Seconds() <= l.cfg.SensorLossS
}

// Step judges the inputs, updates the state and writes the final command for
// every output into out, starting from control's wish. It allocates nothing.
func (l *Layer) Step(in *hal.Inputs, wish *hal.Outputs, out *hal.Outputs) {
	now, cfg := in.Now, &l.cfg
	if !l.started {
		l.started, l.startAt = true, now
	}
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		l.judge(id, in.Temp[id], now)
	}

	var warn uint32
	trip := CauseNone
	setTrip := func(c Cause) {
		if trip == CauseNone {
			trip = c
		}
	}
	// Over-temperature on either oil-in probe; loss of both is itself a trip.
	inA, inB := l.probes[hal.TempOilInA], l.probes[hal.TempOilInB]
	knownA, knownB := l.known(hal.TempOilInA, now), l.known(hal.TempOilInB, now)
	booted := now.Sub(l.startAt).Seconds() > cfg.SensorLossS
	if !knownA && !knownB && booted {
		setTrip(CauseOilInSensor)
	}
	for _, c := range [...]struct {
		p     probe
		ok    bool
		lim   *TempLimit
		cause Cause
	}{
		{inA, inA.valid, &cfg.OilIn, CauseOilInHigh},
		{inB, inB.valid, &cfg.OilIn, CauseOilInHigh},
		{l.probes[hal.TempOilOut], l.probes[hal.TempOilOut].valid, &cfg.OilOut, CauseOilOutHigh},
		{l.probes[hal.TempWaterFlow], l.probes[hal.TempWaterFlow].valid, &cfg.WaterFlow, CauseWaterFlowHigh},
		{l.probes[hal.TempTankTop], l.probes[hal.TempTankTop].valid, &cfg.Tank, CauseTankHigh},
	} {
		if !c.ok {
			continue
		}
		if c.p.value >= c.lim.TripC {
			setTrip(c.cause)
		}
		if c.p.value >= c.lim.WarnC || (l.st.Warnings&(1<<c.cause) != 0 && c.p.value > c.lim.WarnC-units.Celsius(c.lim.HystK)) {
			warn |= 1 << c.cause
		}
	}

	// Proof of oil flow for every powered module.
	powered := false
	for i := 0; i < in.NumModules; i++ {
		if in.Module[i].Relay && in.Module[i].Power > 0 {
			powered = true
		}
	}
	of := in.Flow[hal.FlowOil]
	noFlow := powered && (!of.OK() || now.Sub(of.At).Seconds() > cfg.StaleS || of.Value < cfg.MinOilFlowLPM)
	if l.persist(noFlow, &l.flowLow, &l.flowLowSince, now, cfg.FlowProofS) {
		setTrip(CauseNoOilFlow)
	}

	// Leak: a broken loop reads as a leak, and so does a dead input.
	wet := in.Leak.Value || !in.Leak.OK()
	if l.persist(wet, &l.leakOn, &l.leakSince, now, cfg.DebounceS) {
		setTrip(CauseLeak)
	}

	// Water pressure.
	pr := in.Pressure
	if pr.OK() && now.Sub(pr.At).Seconds() <= cfg.StaleS {
		if l.persist(pr.Value <= cfg.PressureTripLowBar, &l.pressLow, &l.pressLowSince, now, cfg.DebounceS) {
			setTrip(CausePressureLow)
		}
		if l.persist(pr.Value >= cfg.PressureTripHighBar, &l.pressHigh, &l.pressHighSince, now, cfg.DebounceS) {
			setTrip(CausePressureHigh)
		}
		if pr.Value <= cfg.PressureWarnLowBar {
			warn |= 1 << CausePressureLow
		}
		if pr.Value >= cfg.PressureWarnHighBar {
			warn |= 1 << CausePressureHigh
		}
	}
	l.st.Warnings = warn

	l.advance(in, now, trip, warn)
	l.arbitrate(in, wish, out)
}

// persist reports whether cond has held for at least s seconds.
func (l *Layer) persist(cond bool, on *bool, since *units.Time, now units.Time, s float64) bool {
	if !cond {
		*on = false
		return false
	}
	if !*on {
		*on, *since = true, now
	}
	return now.Sub(*since).Seconds() >= s
}

const overTemp = 1<<CauseOilInHigh | 1<<CauseOilOutHigh | 1<<CauseWaterFlowHigh | 1<<CauseTankHigh

// advance moves the state machine for this tick.
func (l *Layer) advance(in *hal.Inputs, now units.Time, trip Cause, warn uint32) {
	cfg, st := &l.cfg, &l.st
	if st.State == StateTripped {
		if in.ResetRequest && trip == CauseNone && warn == 0 && l.cleared(now) {
			st.State, st.Cause, st.ModuleCap = StateRunning, CauseNone, hal.Level100
		}
		return
	}
	if trip != CauseNone {
		st.State, st.Cause, st.TripAt, st.ModuleCap, st.CoolHarder = StateTripped, trip, now, hal.LevelCut, false
		return
	}
	if st.State == StateBoot {
		// Run once every trip-relevant probe has been believed.
		if !l.probes[hal.TempOilInA].seen && !l.probes[hal.TempOilInB].seen {
			return
		}
		st.State, st.ModuleCap, l.lastShed = StateRunning, hal.Level100, now
	}
	st.CoolHarder = warn&overTemp != 0
	st.Cause = CauseNone
	if warn != 0 {
		for c := Cause(1); c < NumCauses; c++ {
			if warn&(1<<c) != 0 {
				st.Cause = c
				break
			}
		}
	}
	if st.CoolHarder {
		l.clearSince = now
		if !l.warnActive {
			l.warnActive, l.lastShed = true, now
		}
		if now.Sub(l.lastShed).Seconds() >= cfg.ShedStepS && st.ModuleCap > hal.LevelIdle {
			st.ModuleCap--
			l.lastShed = now
		}
	} else {
		l.warnActive = false
		if st.ModuleCap < hal.Level100 && now.Sub(l.clearSince).Seconds() >= cfg.RestoreS {
			st.ModuleCap++
			l.clearSince = now
		}
	}
	switch {
	case st.ModuleCap < hal.Level100:
		st.State = StateShedding
	case !l.known(hal.TempOilInA, now) || !l.known(hal.TempOilInB, now):
		st.State = StateDegraded
	default:
		st.State = StateRunning
	}
}

// cleared reports whether every trip-relevant measurement is back below its
// warning limit by its hysteresis.
func (l *Layer) cleared(now units.Time) bool {
	below := func(id hal.TempID, lim TempLimit) bool {
		p := l.probes[id]
		return l.known(id, now) && p.value < lim.WarnC-units.Celsius(lim.HystK)
	}
	return below(hal.TempOilInA, l.cfg.OilIn) && below(hal.TempOilInB, l.cfg.OilIn) &&
		below(hal.TempOilOut, l.cfg.OilOut) && below(hal.TempWaterFlow, l.cfg.WaterFlow) &&
		below(hal.TempTankTop, l.cfg.Tank) && !l.leakOn && !l.pressLow && !l.pressHigh
}

// arbitrate is the one place every output passes: it starts from the wish
// and imposes the safe state of the current cause.
func (l *Layer) arbitrate(in *hal.Inputs, wish, out *hal.Outputs) {
	*out = *wish
	st := &l.st
	for i := range out.Module {
		if out.Module[i] > st.ModuleCap {
			out.Module[i] = st.ModuleCap
		}
	}
	if l.probes[hal.TempTankTop].valid && l.probes[hal.TempTankTop].value >= l.cfg.Tank.WarnC {
		out.Immersion = false
	}
	if st.CoolHarder {
		coolMax(out)
	}
	if st.State != StateTripped {
		out.Alarm = out.Alarm || st.Warnings != 0
		return
	}
	out.Alarm, out.Immersion = true, false
	for i := range out.Module {
		out.Module[i] = hal.LevelCut
	}
	switch st.Cause {
	case CauseLeak:
		// Stop feeding oil to the leak; the water side may keep cooling.
		out.Pump[hal.PumpOil] = 0
	case CausePressureLow:
		// No dry running of the water pump; oil keeps circulating.
		out.Pump[hal.PumpWater] = 0
		out.Pump[hal.PumpOil] = 1
	default:
		coolMax(out)
	}
}

// coolMax is the over-temperature safe state of the hydraulics: both pumps at
// maximum, everything to the dump, fan at maximum, no electric heat.
func coolMax(out *hal.Outputs) {
	out.Pump[hal.PumpOil], out.Pump[hal.PumpWater] = 1, 1
	out.Valve[hal.ValveDump], out.Valve[hal.ValveTank] = 1, 0
	out.Fan = 1
	out.Immersion = false
}
