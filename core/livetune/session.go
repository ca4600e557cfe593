// Package livetune is a relay tuning session on the live plant: while it
// runs, a pid.Tuner drives one of control's loops in place of the loop's
// PID output (control.Driver), everything else stays under control, and
// the safety layer, after control, still has the last word on every
// output. It aborts on any safety warning or alarm, a trip, a safety state
// other than running, a fault on the loop's measurement, an override or
// the maintenance hold, the tuner's own bounds, or an operator's abort,
// and says why. When the relay's cycles agree it chooses gains
// (chooseGains) and puts them into the running controller without a bump.
//
// The daemon steps it from its tick: Drive from within control's step,
// Observe after the core's step. Nothing here allocates per tick.
package livetune

import (
	"errors"
	"strconv"
	"strings"

	"hearth/control"
	"hearth/hal"
	"hearth/pid"
	"hearth/safety"
	"hearth/units"
)

// Phase is where a session is.
type Phase uint8

// The phases.
const (
	PhaseIdle     Phase = iota // never started
	PhaseStarting              // asked; the relay starts at the loop's next step
	PhaseRelay                 // the relay drives the loop
	PhaseDone                  // the cycles agreed; gains chosen (and applied, unless refused)
	PhaseAborted               // ended without gains: Status.Cause says why
)

func (p Phase) String() string {
	return [...]string{"idle", "starting", "relay", "done", "aborted"}[p]
}

// Status is what a session shows: a plain value, copied into the console's
// view on every tick.
type Status struct {
	Loop     control.Loop
	Phase    Phase
	Started  units.Time     // when the relay began
	Elapsed  units.Duration // how long the relay has run (or ran)
	Cycles   int            // complete relay cycles
	Setpoint float64        // what the relay oscillates around
	Output   float64        // the relay's last output
	Result   pid.Result     // Ku and Tu once known (Result.Ku > 0)
	Gains    pid.Gains      // the chosen gains (PhaseDone)
	Config   pid.Config     // the loop's configuration with them (ms-iae: its setpoint weight and derivative filter too)
	Base     pid.Config     // the loop's configuration when the session started
	Rule     string         // the rule that chose them
	Reason   string         // why that rule
	Applied  bool           // the gains are in the running controller
	Previous pid.Gains      // the loop's gains before they were applied
	InForce  pid.Gains      // the loop's gains in the running controller, read after every step
	Cause    string         // why it aborted ("aborted: safety warning oil_in_high")
	// Settling is true while the loop's PID holds it OffsetK below its
	// operating point before the relay (Phase stays PhaseStarting); Offset
	// is the offset the relay started from (0: none, or it fell back),
	// SettledIn how long settling took, and Note what it found.
	Settling  bool
	Offset    float64
	SettledIn units.Duration
	Note      string
	// StartOutput is the output that held the operating point (the loop's
	// when the session began; with an offset, its mean once settled there),
	// RestOutput the output the relay started from (with an offset, what
	// held the loop at rest below it).
	StartOutput float64
	RestOutput  float64
	Relayed     bool // the relay has begun (StartOutput and RestOutput are set)
}

// Active reports whether the session drives, or is about to drive, its loop.
func (s *Status) Active() bool { return s.Phase == PhaseStarting || s.Phase == PhaseRelay }

// Session is one tuning session at a time. Keep it behind a pointer: its
// tuner holds about 33 KB.
type Session struct {
	ctl      *control.Controller
	tuner    pid.Tuner
	plan     Plan
	pidC     pid.Config // the loop's PID configuration when the session started
	lastU    float64    // the relay's output since its last switch (its first, after the quiet window, before one)
	relayOn  bool       // lastU is set
	moved    bool       // the relay has switched at least once
	switchAt units.Time // when lastU began
	set      settle     // the loop held below its operating point first (Plan.OffsetK)
	st       Status
}

// Errors of Start and Apply.
var (
	ErrActive    = errors.New("a tuning session is running: tune abort first")
	ErrNoResult  = errors.New("no tuning result to apply: tune start LOOP first, and let it finish")
	ErrUnhealthy = errors.New("safety is not running clear")
)

// Start arms a session on loop l of ctl: the relay begins at the loop's
// next step. It is refused while another runs, or while safety is not
// running clear (st: the last tick's status).
func (s *Session) Start(ctl *control.Controller, l control.Loop, st *safety.Status, now units.Time) error {
	if s.st.Active() {
		return ErrActive
	}
	plan, err := PlanFor(l)
	if err != nil {
		return err
	}
	if why := unhealthy(st); why != "" {
		return errors.New("tune refused: " + why)
	}
	cfg, err := ctl.LoopConfig(l)
	if err != nil {
		return err
	}
	if err := ctl.SetDriver(l, s); err != nil {
		return err
	}
	if err := s.set.init(cfg); err != nil {
		return err
	}
	s.ctl, s.plan, s.pidC = ctl, plan, cfg
	s.moved, s.relayOn = false, false
	s.st = Status{Loop: l, Phase: PhaseStarting, Started: now, Base: cfg}
	return nil
}

// Status returns the session's status.
func (s *Session) Status() *Status { return &s.st }

// Drive implements control.Driver: the tuner's output in place of the
// loop's PID, configured on the first call from the loop's setpoint and
// the PID's last output (the relay's first bias and its rest).
func (s *Session) Drive(setpoint, measurement, last float64, now units.Time) (float64, bool) {
	switch s.st.Phase {
	case PhaseStarting:
		bias, rest, start := last, last, last
		if s.plan.OffsetK > 0 {
			u, held, err := s.settleStep(setpoint, measurement, last, now)
			if err != nil {
				s.end(err.Error())
				return 0, false
			}
			if held {
				return u, true
			}
			bias, rest, start = u, u, s.set.u0
			if s.set.offset > 0 {
				bias = s.set.u0 // the output that held the operating point
			}
		}
		s.st.StartOutput, s.st.RestOutput = start, rest
		if err := s.configure(setpoint, bias, rest); err != nil {
			s.end(err.Error())
			return 0, false
		}
		s.st.Phase, s.st.Started, s.st.Setpoint, s.st.Relayed = PhaseRelay, now, setpoint, true
	case PhaseRelay:
	default:
		return 0, false
	}
	u, done := s.tuner.Step(measurement, now)
	s.st.Elapsed, s.st.Cycles, s.st.Output = now.Sub(s.st.Started), s.tuner.Cycles(), u
	if done {
		s.finish()
		return 0, false
	}
	// The relay's first output is the one after the quiet window (which
	// holds the rest output); its first switch is due FirstSwitch later.
	relay := s.st.Elapsed - s.plan.QuietTime
	if relay < 0 {
		return u, true
	}
	if !s.relayOn {
		s.lastU, s.relayOn, s.switchAt = u, true, now
	}
	if u != s.lastU {
		s.moved, s.lastU, s.switchAt = true, u, now
	}
	if now.Sub(s.switchAt) > s.plan.FirstSwitch {
		if !s.moved {
			s.end("aborted: the relay did not switch within " + s.plan.FirstSwitch.String() +
				": it does not bracket the output that holds the setpoint (start once the loop has settled)")
		} else {
			s.end("aborted: the relay has not switched for " + s.plan.FirstSwitch.String() + " after " + strconv.Itoa(s.st.Cycles) +
				" cycles: the plant moved away from its operating point (its load or the weather changed); start again once it has settled")
		}
		return 0, false
	}
	return u, true
}

// configure sets the tuner up around the loop's operating point: its
// first bias the output that held the setpoint, its rest the output the
// plant rests at now (the same without an offset). A PID at one of its
// limits does not hold its setpoint: there is no operating point to
// oscillate around.
func (s *Session) configure(setpoint, bias, rest float64) error {
	c, p := &s.pidC, &s.plan
	if err := atLimit(c, bias); err != nil {
		return err
	}
	margin := 0.05 * (c.OutMax - c.OutMin)
	return s.tuner.Configure(pid.TunerConfig{
		Setpoint: setpoint, Hysteresis: p.HysteresisK, QuietTime: p.QuietTime,
		OutMin: c.OutMin, OutMax: c.OutMax,
		Bias:      min(max(bias, c.OutMin+margin), c.OutMax-margin),
		Amplitude: p.Amplitude, AdaptiveBias: true, Reverse: c.Reverse, RestOutput: rest,
		MaxDeviation: p.MaxDeviationK, MaxDuration: p.MaxDuration,
		Tolerance: p.Tolerance, MaxCycles: p.MaxCycles,
	})
}

// finish ends the relay: gains on agreement, an abort with the tuner's
// reason otherwise. The gains go in at Observe, after the step.
func (s *Session) finish() {
	r, err := s.tuner.Result()
	s.st.Result = r
	if err != nil {
		s.end("aborted: " + strings.TrimPrefix(err.Error(), "pid: tuning aborted: "))
		return
	}
	cfg, rule, reason, err := chooseGains(s.st.Loop, r, s.pidC, s.st.Offset, s.st.StartOutput)
	if err != nil {
		s.end("aborted: no gains: " + err.Error())
		return
	}
	s.st.Phase, s.st.Config, s.st.Rule, s.st.Reason = PhaseDone, cfg, rule.String(), reason
	s.st.Gains = pid.Gains{Rule: rule, Kp: cfg.Kp, Ki: cfg.Ki, Kd: cfg.Kd}
}

// end aborts the session with cause; the loop goes back to its PID at its
// next step.
func (s *Session) end(cause string) {
	if s.st.Phase == PhaseRelay {
		s.tuner.Abort()
	}
	s.st.Phase, s.st.Cause = PhaseAborted, cause
}

// Abort is the operator's abort.
func (s *Session) Abort() bool {
	if !s.st.Active() {
		return false
	}
	s.end("aborted: by the operator")
	s.release()
	return true
}

func (s *Session) release() {
	if s.ctl != nil {
		_ = s.ctl.SetDriver(s.st.Loop, nil)
	}
}

// Observe runs after every core step with its inputs and safety's status,
// and whether an override or the maintenance hold is in force: it aborts
// on what makes the experiment untrustworthy or unsafe, and on completion
// applies the gains. It allocates only when the session ends.
func (s *Session) Observe(in *hal.Inputs, st *safety.Status, handOn bool) {
	defer s.readGains()
	switch s.st.Phase {
	case PhaseStarting, PhaseRelay:
		why := unhealthy(st)
		if why == "" && handOn {
			why = "an override or the maintenance hold is in force"
		}
		if why == "" {
			why = s.measurementFault(in, st)
		}
		if why == "" && s.st.Phase == PhaseStarting && !s.set.on && in.Now.Sub(s.st.Started) > idleLoop {
			why = "the loop's PID has not run for " + idleLoop.String() + ": its loop is idle now (the water pump outside the heating season, the tank's share with no heat to share)"
		}
		if why != "" {
			s.end("aborted: " + why)
			s.release()
		}
	case PhaseDone:
		if !s.st.Applied && s.ctl != nil {
			s.release()
			_ = s.Apply()
		}
	case PhaseAborted:
		s.release()
	}
}

// readGains notes the gains the running controller holds for the loop.
func (s *Session) readGains() {
	if s.ctl == nil {
		return
	}
	if cfg, err := s.ctl.LoopConfig(s.st.Loop); err == nil {
		s.st.InForce = pid.Gains{Kp: cfg.Kp, Ki: cfg.Ki, Kd: cfg.Kd}
	}
}

// Apply puts the last session's gains into the running controller
// (bumplessly: pid's Configure). It is what a completed session does by
// itself; an engineer may apply them again after a restart of the loop.
func (s *Session) Apply() error {
	if s.st.Phase != PhaseDone || s.ctl == nil {
		return ErrNoResult
	}
	if !s.st.Applied {
		cfg, _ := s.ctl.LoopConfig(s.st.Loop)
		s.st.Previous = pid.Gains{Kp: cfg.Kp, Ki: cfg.Ki, Kd: cfg.Kd}
	}
	if err := s.ctl.SetLoopConfig(s.st.Loop, s.st.Config); err != nil {
		return err
	}
	s.st.Applied = true
	s.readGains()
	return nil
}

// idleLoop bounds the wait for the loop's first step after a start: a
// loop control does not run now never takes the relay.
const idleLoop = units.Minute

// unhealthy says why safety's status forbids a relay, or "".
func unhealthy(st *safety.Status) string {
	switch {
	case st.Latched:
		return "trip " + st.Cause.String()
	case st.Warnings != 0:
		return "safety warning " + strings.Join(safety.CauseNames(st.Warnings), ", ")
	case st.Alarms != 0:
		return "safety alarm " + strings.Join(safety.CauseNames(st.Alarms), ", ")
	case st.State != safety.StateRunning:
		return "safety state " + st.State.String()
	}
	return ""
}

// measurementFault says which of the loop's probes is not read or not
// believed, or "".
func (s *Session) measurementFault(in *hal.Inputs, st *safety.Status) string {
	for _, id := range s.plan.Probes {
		if smp := in.Temp[id]; !smp.OK() {
			return "sensor fault " + id.String() + " (" + smp.Status.String() + ")"
		}
		if st.Untrusted&hal.TempChannel(id).Bit() != 0 {
			return "sensor fault " + id.String() + " (not believed)"
		}
	}
	return ""
}

func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }
