package safety

import (
	"hearth/hal"
	"hearth/units"
)

// Layer is the safety layer. The zero value is not usable: call New.
type Layer struct {
	cfg Config
	// The configuration's times as durations, converted once: compared on
	// every tick.
	stale, stuck, sensorLoss units.Duration
	checksum                 uint32
	m                        *Machine
	st                       Status
	strict                   bool // assertions panic (the bench) instead of latching a trip

	// Plausibility of every channel.
	probes [hal.NumTemps]probe
	flows  [hal.NumFlows]meter
	press  meter
	pumps  [hal.NumPumps]feedback
	leakIn digital
	oilLow digital
	flaps  [hal.NumChannels]flap
	mods   [hal.MaxModules]module
	// feedDisagrees: a module's feed meter reads no power while its agent
	// says it runs (judgeModules).
	feedDisagrees bool
	oil           vote
	bal           balance

	started   bool
	startAt   units.Time // the first tick
	now       units.Time
	lastNow   units.Time
	dtS       float64 // seconds since the last tick, at most 1
	stateAt   units.Time
	guardOK   bool // the guard of reset and leave_maintenance agrees
	resetHeld bool // the reset request of the last tick
	resetEdge bool // a new reset request this tick
	heatOnAt  units.Time
	prevOut   hal.Outputs  // the final outputs of the last tick
	rise      units.Kelvin // the oil's rise across the modules last tick, when riseOK
	riseOK    bool

	leak, level, pressLow, pressHigh, dry, flowLow, pumpStopped, pumpIdle timer
	disagree, waterPump, waterLies, pumpAlarm, waterMeter                 timer

	shedAt, clearAt units.Time
	warnOn          bool
	runawayAt       units.Time
	runawayC        units.Celsius
	runawayOn       bool

	stepAt  units.Time // the staggered start's last step
	stepped bool

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
	l.st.OilInExcluded, l.oil.excluded = hal.NumTemps, hal.NumTemps
	return l
}

func (l *Layer) setMachine(m *Machine) {
	l.m = m
	m.SetGuard(func(Event) error {
		if !l.guardOK {
			return errNotCleared
		}
		return nil
	})
}

type constErr string

func (e constErr) Error() string { return string(e) }

const errNotCleared = constErr("the cause has not cleared, or no new authorised reset was asked")

// Status returns the status after the last Step.
func (l *Layer) Status() Status { return l.st }

// Config returns the layer's configuration.
func (l *Layer) Config() *Config { return &l.cfg }

// SetStrict makes a failed assertion after arbitration panic instead of
// latching an internal-fault trip: for the bench, where a programming error
// must stop the run and be replayed.
func (l *Layer) SetStrict(strict bool) { l.strict = strict }

// Restore re-enters a trip persisted before a power cut: the latch survives
// the restart and is left only by an authorised reset.
func (l *Layer) Restore(c Cause, at units.Time) {
	l.setMachine(NewMachine(StateTripped))
	st := &l.st
	st.State, st.Cause, st.TripAt, st.Latched, st.TripCauses = StateTripped, c, at, true, c.Bit()
}

// Step judges the inputs, moves the state machine and writes the final
// command for every output into out, starting from control's wish. It
// allocates nothing but on a state transition.
func (l *Layer) Step(in *hal.Inputs, wish *hal.Outputs, out *hal.Outputs) {
	now := in.Now
	l.begin(in, now)
	l.judge(in, now)
	powered, power, powerOK := l.anyPowered(in)
	l.bal.track(l, power, powerOK)
	l.voteOilIn(now)

	var f findings
	l.checkLeak(&f, now)
	l.checkPressure(&f, now)
	l.checkOilFlow(&f, powered, now)
	l.checkBalance(&f, now)
	l.checkOilInSensors(&f, now)
	l.checkTemps(in, &f, now)
	l.checkRunaway(&f, now)
	l.checkPumps(&f, wish, now)
	l.publish(&f)

	l.advance(in, now, &f)
	l.st.Holding = 0
	if l.st.Latched {
		l.st.Holding = l.holding(now)
	}
	l.caps(in)
	l.arbitrate(in, wish, out)
	l.watchModules(in, out, now)
	l.assert(in, out)
	l.remember(out, now)
}

// begin starts a tick: the clock, and the reset request's edge.
func (l *Layer) begin(in *hal.Inputs, now units.Time) {
	if !l.started {
		l.startAt, l.stateAt, l.shedAt, l.clearAt = now, now, now, now
	} else if now > l.lastNow {
		l.dtS = min(now.Sub(l.lastNow).Seconds(), 1)
	} else {
		l.dtS = 0
	}
	l.now = now
	l.resetEdge = in.ResetRequest && !l.resetHeld
	l.resetHeld = in.ResetRequest
}

// publish writes the findings into the status.
func (l *Layer) publish(f *findings) {
	st := &l.st
	if st.Flapping != 0 {
		f.alarm |= CauseFlapping.Bit()
	}
	if l.feedDisagrees {
		f.alarm |= CauseWitness.Bit()
	}
	st.Warnings, st.Alarms = f.warn, f.alarm
	st.CoolHarder = f.warn&overTemp != 0 && st.State != StateTripped
	st.OilInExcluded = l.oil.excluded
	if x := l.oil.excluded; x < hal.NumTemps {
		st.Untrusted |= hal.TempChannel(x).Bit() // voted out: believed by nobody
	}
}

// remember keeps what the next tick judges against.
func (l *Layer) remember(out *hal.Outputs, now units.Time) {
	if out.Immersion && !l.prevOut.Immersion {
		l.heatOnAt = now
	}
	l.prevOut = *out
	l.rise = units.Kelvin(l.probes[hal.TempOilOut].value - l.oil.value)
	l.riseOK = l.oil.known && l.known(hal.TempOilOut, now)
	l.started, l.lastNow = true, now
}
