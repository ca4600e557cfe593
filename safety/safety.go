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
	CauseSensor        // a probe is not believed (open, short, CRC, stale, stuck, spike, power-on 85 C)
	CauseEnergyBalance // module power and the heat the oil carries disagree
	CausePumpAlarm     // a pump reports an alarm on its feedback line
	CauseModule        // a module did not comply or stopped answering, and was cut
	NumCauses
)

var causeNames = [NumCauses]string{"none", "oil_in_high", "oil_out_high", "water_flow_high",
	"tank_high", "pressure_low", "pressure_high", "leak", "no_oil_flow", "oil_in_sensor",
	"thermal_runaway", "water_pump", "self_test", "oil_in_disagree", "sensor", "energy_balance",
	"pump_alarm", "module"}

func (c Cause) String() string {
	if c < NumCauses {
		return causeNames[c]
	}
	return "cause?"
}

// Status is what the layer tells the rest of the controller after a tick.
type Status struct {
	State      State
	Cause      Cause      // the latched trip's or the shutdown's cause, else the first warning
	TripAt     units.Time // when the latched trip happened
	CoolHarder bool       // an over-temperature warning is active: control should cool at its maximum
	ModuleCap  hal.Level  // the highest level any module may run at
	Cap        [hal.MaxModules]hal.Level
	Warnings   uint32 // bit per Cause: limits approached
	Alarms     uint32 // bit per Cause: degradations an engineer should see
	Isolated   uint32 // bit per module cut on its own
	ShedSteps  int    // shedding steps in force
	SelfTest   uint32 // bit per Cause that failed the last self-test
	FireErrors int    // refused transitions: a programming error if ever non-zero
}

// probe is the plausibility record of one temperature input.
type probe struct {
	value      units.Celsius // last believed value
	validAt    units.Time    // when a believed value last arrived
	seen       bool          // a believed value has arrived at least once
	lastAt     units.Time    // timestamp of the last sample considered
	valid      bool          // the current sample is believed
	raw        units.Celsius // last raw reading, for the stuck check
	rawAt      units.Time    // when the raw reading last changed
	rawSeen    bool
	rejection  Cause // why the last sample was not believed
	lastStatus hal.Status
}

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

// module is the compliance record of one module.
type module struct {
	cmd   hal.Level  // what it was last told
	cmdAt units.Time // since when
	above timer      // running above its command, however often the command changed
}

// Layer is the safety layer. The zero value is not usable: call New.
type Layer struct {
	cfg Config
	// The configuration's times as durations, converted once: compared on
	// every tick.
	stale, stuck, sensorLoss units.Duration
	checksum                 uint32
	m                        *Machine
	st                       Status
	probes                   [hal.NumTemps]probe
	mods                     [hal.MaxModules]module

	started    bool
	stateAt    units.Time
	resetOK    bool
	resetAsked bool

	flowLow, leak, pressLow, pressHigh, disagree, balance, waterPump, pumpAlarm, waterMeter timer
	prevWaterCmd                                                                            units.Ratio // the water pump's command last tick

	shedAt, clearAt units.Time
	warnOn          bool
	runawayAt       units.Time
	runawayC        units.Celsius
	runawayOn       bool

	capsFor capsKey // what the caps were last computed from

	testValveFrom units.Ratio
	testValveTo   units.Ratio
	testArmed     bool
}

// New returns a layer in boot with the given configuration. The
// configuration should have passed Validate.
func New(cfg Config) *Layer {
	l := &Layer{cfg: cfg, checksum: cfg.ConfigChecksum(), stale: units.DurationOf(cfg.StaleS),
		stuck: units.DurationOf(cfg.StuckS), sensorLoss: units.DurationOf(cfg.SensorLossS)}
	l.setMachine(NewMachine(StateBoot))
	l.st.State = StateBoot
	return l
}

func (l *Layer) setMachine(m *Machine) {
	l.m = m
	m.SetGuard(func(Event) error {
		if !l.resetOK {
			return errNotCleared
		}
		return nil
	})
}

type constErr string

func (e constErr) Error() string { return string(e) }

const errNotCleared = constErr("the cause has not cleared, or no authorised reset was asked")

// Status returns the status after the last Step.
func (l *Layer) Status() Status { return l.st }

// Config returns the layer's configuration.
func (l *Layer) Config() *Config { return &l.cfg }

// Restore re-enters a trip persisted before a power cut: the latch survives
// the restart and is left only by an authorised reset.
func (l *Layer) Restore(c Cause, at units.Time) {
	l.setMachine(NewMachine(StateTripped))
	l.st.State, l.st.Cause, l.st.TripAt = StateTripped, c, at
}

const powerOnC = 85.0 // a DS18B20 reads this before its first conversion

// judge decides whether the sample of probe id is believed.
func (l *Layer) judge(id hal.TempID, s hal.Sample[units.Celsius], now units.Time) {
	p, cfg := &l.probes[id], &l.cfg
	fresh := s.At != p.lastAt || !p.rawSeen
	if !fresh && s.Status == p.lastStatus {
		// The same sample as last tick (a DS18B20 converts every 750 ms):
		// only time can have changed the verdict.
		if p.valid && (now.Sub(s.At) > l.stale || now.Sub(p.rawAt) > l.stuck) {
			p.valid, p.rejection = false, CauseSensor
		}
		return
	}
	p.lastAt, p.lastStatus = s.At, s.Status
	p.valid = false
	p.rejection = CauseSensor
	switch {
	case s.Status != hal.StatusOK:
		return
	case now.Sub(s.At) > l.stale:
		return
	case !(s.Value >= -55 && s.Value <= 125): // out of range, or not a number
		return
	case s.Value == powerOnC && (!p.seen || p.value < powerOnC-5 || p.value > powerOnC+5):
		// The power-on value is believed only when the last believed value
		// was already near it: from a cooler plant it is a lie.
		return
	}
	if fresh && (!p.rawSeen || s.Value != p.raw) {
		p.raw, p.rawAt, p.rawSeen = s.Value, now, true
	}
	if now.Sub(p.rawAt) > l.stuck {
		return // not one bit of change in StuckS: a real probe always flickers
	}
	if p.seen {
		allowed := units.Celsius(cfg.MaxRateKPerS*now.Sub(p.validAt).Seconds() + 1)
		if d := s.Value - p.value; d > allowed || d < -allowed {
			return // a spike no oil or water can make
		}
	}
	p.valid, p.rejection = true, CauseNone
	if fresh || !p.seen {
		p.validAt = now
	}
	p.value, p.seen = s.Value, true
}

// known reports whether probe id has been believed within SensorLossS.
func (l *Layer) known(id hal.TempID, now units.Time) bool {
	p := &l.probes[id]
	return p.seen && now.Sub(p.validAt) <= l.sensorLoss
}

// oilIn returns the hotter believed oil-in reading and whether any is known.
func (l *Layer) oilIn(now units.Time) (units.Celsius, bool) {
	a, b := &l.probes[hal.TempOilInA], &l.probes[hal.TempOilInB]
	ka, kb := l.known(hal.TempOilInA, now), l.known(hal.TempOilInB, now)
	switch {
	case ka && kb:
		return max(a.value, b.value), true
	case ka:
		return a.value, true
	case kb:
		return b.value, true
	}
	return 0, false
}

// Step judges the inputs, moves the state machine and writes the final
// command for every output into out, starting from control's wish. It
// allocates nothing but on a state transition.
func (l *Layer) Step(in *hal.Inputs, wish *hal.Outputs, out *hal.Outputs) {
	now, cfg := in.Now, &l.cfg
	if !l.started {
		l.started, l.stateAt = true, now
		l.shedAt, l.clearAt = now, now
	}
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		l.judge(id, in.Temp[id], now)
	}
	var warn, alarm uint32
	trip := CauseNone
	first := func(c Cause) {
		if trip == CauseNone {
			trip = c
		}
	}

	// Leak: a broken loop reads as a leak, and so does a dead input.
	if l.leak.held(in.Leak.Value || !in.Leak.OK() || now.Sub(in.Leak.At) > l.stale, now, cfg.DebounceS) {
		first(CauseLeak)
	}
	// Water pressure (a wiring fault is an alarm, not a pressure).
	if pr := in.Pressure; pr.OK() && pr.Value == pr.Value && now.Sub(pr.At) <= l.stale { // NaN != NaN
		if l.pressLow.held(pr.Value <= cfg.PressureTripLowBar, now, cfg.DebounceS) {
			first(CausePressureLow)
		}
		if l.pressHigh.held(pr.Value >= cfg.PressureTripHighBar, now, cfg.DebounceS) {
			first(CausePressureHigh)
		}
		if pr.Value <= cfg.PressureWarnLowBar || (l.st.Warnings&(1<<CausePressureLow) != 0 && pr.Value < cfg.PressureWarnLowBar+cfg.PressureHystBar) {
			warn |= 1 << CausePressureLow
		}
		if pr.Value >= cfg.PressureWarnHighBar || (l.st.Warnings&(1<<CausePressureHigh) != 0 && pr.Value > cfg.PressureWarnHighBar-cfg.PressureHystBar) {
			warn |= 1 << CausePressureHigh
		}
	} else {
		alarm |= 1 << CauseSensor
	}

	// Proof of oil flow for every powered module.
	powered, power := false, units.Watt(0)
	for i := 0; i < in.NumModules; i++ {
		ms := &in.Module[i]
		if ms.Relay && ms.Power > 0 {
			powered = true
			power += ms.Power
		}
	}
	of := in.Flow[hal.FlowOil]
	oilFlowOK := of.OK() && now.Sub(of.At) <= l.stale && of.Value >= cfg.MinOilFlowLPM
	if l.flowLow.held(powered && !oilFlowOK, now, cfg.FlowProofS) {
		first(CauseNoOilFlow)
	}

	// Oil into the modules: either probe trips; both unknown trips.
	oil, oilKnown := l.oilIn(now)
	bootDone := now.Sub(l.stateAt).Seconds() > cfg.SensorLossS || l.st.State != StateBoot && l.st.State != StateSelfTest
	if !oilKnown && bootDone && l.st.State != StateBoot {
		first(CauseOilInSensor)
	}
	a, b := &l.probes[hal.TempOilInA], &l.probes[hal.TempOilInB]
	if !l.known(hal.TempOilInA, now) || !l.known(hal.TempOilInB, now) {
		alarm |= 1 << CauseSensor
	}
	if d := a.value - b.value; l.disagree.held(l.known(hal.TempOilInA, now) && l.known(hal.TempOilInB, now) &&
		(d > units.Celsius(cfg.DisagreeK) || d < -units.Celsius(cfg.DisagreeK)), now, cfg.DisagreeS) {
		alarm |= 1 << CauseOilInDisagree
	}
	l.limit(oilKnown, oil, &cfg.OilIn, CauseOilInHigh, &warn, first)
	l.limit(l.known(hal.TempOilOut, now), l.probes[hal.TempOilOut].value, &cfg.OilOut, CauseOilOutHigh, &warn, first)
	l.limit(l.known(hal.TempWaterFlow, now), l.probes[hal.TempWaterFlow].value, &cfg.WaterFlow, CauseWaterFlowHigh, &warn, first)
	l.limit(l.known(hal.TempTankTop, now), l.probes[hal.TempTankTop].value, &cfg.Tank, CauseTankHigh, &warn, first)
	for _, id := range [...]hal.TempID{hal.TempOilOut, hal.TempWaterFlow, hal.TempTankTop} {
		if !l.known(id, now) {
			alarm |= 1 << CauseSensor
		}
	}

	coolHarder := warn&overTemp != 0
	// Thermal runaway: cooling at its maximum and the oil still climbing.
	if coolHarder && oilKnown {
		if !l.runawayOn {
			l.runawayOn, l.runawayAt, l.runawayC = true, now, oil
		} else if dt := now.Sub(l.runawayAt).Seconds(); dt >= cfg.RunawayS {
			if float64(oil-l.runawayC)/dt*60 > cfg.RunawayKPerMin {
				first(CauseRunaway)
			}
			l.runawayAt, l.runawayC = now, oil
		}
	} else {
		l.runawayOn = false
	}

	// Energy balance: the modules' power must reach the oil.
	ob, oo := &l.probes[hal.TempOilOut], oil
	if powered && power > cfg.BalanceMinW && oilKnown && l.known(hal.TempOilOut, now) && of.OK() {
		q := units.Watt(float64(units.OilRate(of.Value)) * float64(ob.value-oo))
		off := float64(q-power) / float64(power)
		if l.balance.held(off > cfg.BalanceTolerance || off < -cfg.BalanceTolerance, now, cfg.BalanceS) {
			alarm |= 1 << CauseEnergyBalance
		}
	} else {
		l.balance.on = false
	}

	// Pumps' own reports. A blocked water pump means heat cannot leave.
	shutdown := CauseNone
	wp := in.Pump[hal.PumpWater]
	if l.waterPump.held(wp.OK() && wp.Alarm == hal.PumpBlocked && wish.Pump[hal.PumpWater] > 0, now, cfg.DebounceS) {
		shutdown = CauseWaterPump
	}
	pumpAlarm := false
	for _, p := range in.Pump {
		pumpAlarm = pumpAlarm || p.Alarm == hal.PumpWarning || p.Alarm == hal.PumpElectrical || p.Alarm == hal.PumpBlocked
	}
	if l.pumpAlarm.held(pumpAlarm, now, cfg.DebounceS) {
		alarm |= 1 << CausePumpAlarm
	}
	// A water pump that runs normally yet shows no flow for a while means
	// the meter (or the pipe) is lying: not a trip, temperatures still show
	// whether heat leaves, but an engineer must look.
	wf := in.Flow[hal.FlowWater]
	noWater := wp.OK() && wp.Alarm == hal.PumpNormal && l.prevWaterCmd >= 0.08 &&
		(!wf.OK() || now.Sub(wf.At) > l.stale || wf.Value < 0.5)
	if l.waterMeter.held(noWater, now, cfg.SensorLossS*3) {
		alarm |= 1 << CauseSensor
	}

	l.st.Warnings, l.st.Alarms, l.st.CoolHarder = warn, alarm, coolHarder && l.st.State != StateTripped
	l.resetAsked = in.ResetRequest
	l.advance(in, now, trip, shutdown)
	l.caps(in)
	l.arbitrate(in, wish, out)
	l.watchModules(in, out, now)
	l.prevWaterCmd = out.Pump[hal.PumpWater]
}

// limit compares a believed value with its warn and trip limits.
func (l *Layer) limit(known bool, v units.Celsius, lim *TempLimit, c Cause, warn *uint32, first func(Cause)) {
	if !known {
		return
	}
	if v >= lim.TripC {
		first(c)
	}
	if v >= lim.WarnC || (l.st.Warnings&(1<<c) != 0 && v >= lim.WarnC-units.Celsius(lim.HystK)) {
		*warn |= 1 << c
	}
}

const overTemp = 1<<CauseOilInHigh | 1<<CauseOilOutHigh | 1<<CauseWaterFlowHigh | 1<<CauseTankHigh

func (l *Layer) fire(e Event, now units.Time) bool {
	if err := l.m.Fire(e); err != nil {
		l.st.FireErrors++
		return false
	}
	l.st.State, l.stateAt = l.m.State(), now
	if l.st.State == StateSelfTest {
		l.testArmed = false // every self-test moves the valve from where it is now
	}
	return true
}

// advance moves the state machine for this tick.
func (l *Layer) advance(in *hal.Inputs, now units.Time, trip, shutdown Cause) {
	st, cfg := &l.st, &l.cfg
	if trip != CauseNone && st.State != StateTripped {
		if l.fire(EventTrip, now) {
			st.Cause, st.TripAt = trip, now
		}
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
		l.resetOK = !in.Maintenance && l.cleared(now)
		if l.resetOK && l.fire(EventLeaveMaintenance, now) {
			st.Cause, st.ShedSteps, st.Isolated = CauseNone, 0, 0
		}
		l.resetOK = false
	case StateStandby:
		if in.Maintenance {
			l.fire(EventEnterMaintenance, now)
			break
		}
		if shutdown == CauseNone && inState >= 1 {
			st.Cause = CauseNone
			l.shedAt, l.clearAt = now, now
			l.fire(EventStart, now)
		}
	case StateTripped:
		// Not while a trip condition is in force: it would trip again from
		// maintenance on the next tick, and every other tick would lose the
		// cause's safe state.
		if in.Maintenance && trip == CauseNone {
			l.fire(EventEnterMaintenance, now) // the latch is kept: leaving is guarded like reset
			break
		}
		// Leave only by an authorised reset, with every cause cleared.
		l.resetOK = l.resetAsked && l.cleared(now)
		if l.resetOK && l.fire(EventReset, now) {
			st.Cause, st.ShedSteps, st.Isolated = CauseNone, 0, 0
		}
		l.resetOK = false
	case StateShutdown:
		if l.modulesOff(in) {
			l.fire(EventStop, now)
		}
	case StateRunning, StateDegraded, StateShedding:
		if shutdown != CauseNone || in.Maintenance {
			if l.fire(EventShutdown, now) {
				st.Cause = shutdown
			}
			return
		}
		l.shed(now, in.NumModules)
		switch want := l.wantState(now); {
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
			if st.Warnings&(1<<c) != 0 {
				st.Cause = c
				break
			}
		}
	}
	if in.ResetRequest && st.State != StateTripped {
		st.Isolated = 0 // an engineer's reset gives isolated modules another chance
	}
	_ = cfg
}

// wantState is the operating state the layer's findings call for.
func (l *Layer) wantState(now units.Time) State {
	switch {
	case l.st.ShedSteps > 0:
		return StateShedding
	case l.st.Alarms&(1<<CauseSensor|1<<CauseOilInDisagree|1<<CauseEnergyBalance) != 0:
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
		if in.Module[i].Relay && in.Module[i].Power > 0 {
			return false
		}
	}
	return true
}

// watchModules cuts, on its own, a module that runs above its command past
// its deadline, stays powered after its shutdown deadline, or stops
// answering. It judges against what each module was told last tick.
func (l *Layer) watchModules(in *hal.Inputs, out *hal.Outputs, now units.Time) {
	cfg, st := &l.cfg, &l.st
	for i := 0; i < in.NumModules; i++ {
		m, ms := &l.mods[i], &in.Module[i]
		since := now.Sub(m.cmdAt).Seconds()
		bad := false
		above := ms.Relay && m.cmd >= hal.LevelIdle && ms.Status == hal.StatusOK && ms.Level > m.cmd
		aboveLong := m.above.held(above, now, cfg.ThrottleDeadlineS)
		switch {
		case !ms.Relay:
		case now.Sub(ms.At).Seconds() > cfg.SilentS:
			bad = true // nobody answers for it: it cannot be vouched for
		case above:
			bad = aboveLong
		case m.cmd <= hal.LevelOff && ms.Power > 0:
			bad = since > cfg.ShutdownDeadlineS
		}
		if bad && st.Isolated&(1<<i) == 0 {
			st.Isolated |= 1 << i
			st.Cap[i] = hal.LevelCut
			out.Module[i] = hal.LevelCut
		}
		if out.Module[i] != m.cmd {
			m.cmd, m.cmdAt = out.Module[i], now
		}
	}
	if st.Isolated != 0 {
		st.Alarms |= 1 << CauseModule
		out.Alarm = true
	}
}

// cleared reports whether every trip-relevant measurement is back below its
// warning limit by its hysteresis.
func (l *Layer) cleared(now units.Time) bool {
	below := func(id hal.TempID, lim TempLimit) bool {
		return l.known(id, now) && l.probes[id].value < lim.WarnC-units.Celsius(lim.HystK)
	}
	return below(hal.TempOilInA, l.cfg.OilIn) && below(hal.TempOilInB, l.cfg.OilIn) &&
		below(hal.TempOilOut, l.cfg.OilOut) && below(hal.TempWaterFlow, l.cfg.WaterFlow) &&
		below(hal.TempTankTop, l.cfg.Tank) && !l.leak.on && !l.pressLow.on && !l.pressHigh.on &&
		l.st.Warnings&(1<<CausePressureLow|1<<CausePressureHigh) == 0
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
		failed |= 1 << CauseSelfTest
	}
	for _, id := range [...]hal.TempID{hal.TempOilInA, hal.TempOilInB, hal.TempOilOut, hal.TempWaterFlow, hal.TempTankTop} {
		if !l.known(id, now) {
			failed |= 1 << CauseSensor
		}
	}
	if !in.Pressure.OK() {
		failed |= 1 << CausePressureLow
	}
	if f := in.Flow[hal.FlowOil]; !f.OK() || f.Value < cfg.SelfTestFlowLPM {
		failed |= 1 << CauseNoOilFlow
	}
	if f := in.Flow[hal.FlowWater]; !f.OK() || f.Value < cfg.SelfTestFlowLPM {
		failed |= 1 << CauseWaterPump
	}
	if d := in.Valve[hal.ValveDump].Value - l.testValveFrom; !in.Valve[hal.ValveDump].OK() || (d < cfg.SelfTestValve && d > -cfg.SelfTestValve) {
		failed |= 1 << CauseSelfTest
	}
	l.st.SelfTest = failed
	switch {
	case failed == 0:
		l.testArmed = !l.fire(EventSelfTestPass, now)
	case inState >= cfg.SelfTestS:
		if l.fire(EventSelfTestFail, now) {
			l.st.Cause, l.st.TripAt, l.testArmed = CauseSelfTest, now, false
		}
	}
}

// arbitrate is the one place every output passes: it starts from the wish
// and imposes the caps and the safe state of the current cause.
func (l *Layer) arbitrate(in *hal.Inputs, wish, out *hal.Outputs) {
	*out = *wish
	st := &l.st
	// Speeds and positions within their range; a wish that is not a number
	// gets the over-temperature safe value (cooling at its maximum).
	for i := range out.Pump {
		out.Pump[i] = ratioOr(out.Pump[i], 1)
	}
	out.Valve[hal.ValveDump] = ratioOr(out.Valve[hal.ValveDump], 1)
	out.Valve[hal.ValveTank] = ratioOr(out.Valve[hal.ValveTank], 0)
	out.Fan = ratioOr(out.Fan, 1)
	for i := range out.Module {
		out.Module[i] = min(out.Module[i], st.Cap[i])
	}
	if tt := &l.probes[hal.TempTankTop]; !l.known(hal.TempTankTop, in.Now) || tt.value >= l.cfg.Tank.WarnC {
		out.Immersion = false // no electric heat into a tank we cannot see, or that is hot
	}
	out.Alarm = out.Alarm || st.Warnings != 0 || st.Alarms != 0
	switch st.State {
	case StateSelfTest:
		out.Pump[hal.PumpOil], out.Pump[hal.PumpWater] = 0.5, 0.5
		out.Valve[hal.ValveDump] = l.testValveTo
		out.Immersion = false
	case StateShutdown:
		coolMax(out)
		out.Alarm = true
	case StateTripped:
		out.Alarm, out.Immersion = true, false
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
	default:
		if st.CoolHarder {
			coolMax(out)
		}
	}
}

// ratioOr clamps r to [0, 1], or returns safe if r is not a number.
func ratioOr(r, safe units.Ratio) units.Ratio {
	if r != r {
		return safe
	}
	return r.Clamp()
}

// coolMax is the over-temperature safe state of the hydraulics: both pumps at
// maximum, everything to the dump, fan at maximum, no electric heat.
func coolMax(out *hal.Outputs) {
	out.Pump[hal.PumpOil], out.Pump[hal.PumpWater] = 1, 1
	out.Valve[hal.ValveDump], out.Valve[hal.ValveTank] = 1, 0
	out.Fan = 1
	out.Immersion = false
}
