package hil

import (
	"fmt"

	"hearth/pid"
)

// ProbeQuantumK is the resolution of the bench's temperature probes (a
// DS18B20 at 12 bits, as hil/plant simulates them): the quantum
// Result.Recommend designs the derivative filter and the model's probe for.
const ProbeQuantumK = 1.0 / 16

// TuneReport is what `hearth tune` reports for one loop.
type TuneReport struct {
	Setup  LoopSetup
	Seed   uint64
	Tuning Tuning
	// Rules holds every rule of pid.Rules that yields gains, in order;
	// ms-iae's are Result.Recommend's.
	Rules []Candidate
	// Current is the loop with the gains of control.DefaultConfig.
	Current Candidate
	// Recommendation is ms-iae's design, when the fit allowed one;
	// RecommendNote says why there is none otherwise.
	Recommendation *pid.Recommendation
	RecommendNote  string
}

// RecommendOptions are those of Result.Recommend on the loop: the probes'
// quantum, the step's size, the actuator's full range.
func (s *LoopSetup) RecommendOptions() pid.RecommendOptions {
	return pid.RecommendOptions{Quantum: ProbeQuantumK, SetpointStep: s.StepK, ActuatorRange: s.Base.OutMax - s.Base.OutMin}
}

// RecommendedRule is the setup's rule, or its fallback when the rule is
// ms-iae and the fit allowed no design.
func (r *TuneReport) RecommendedRule() pid.Rule {
	if r.Setup.Rule == pid.MsIAE && r.Recommendation == nil {
		return r.Setup.Fallback
	}
	return r.Setup.Rule
}

// RecommendedReason says in one line why the recommended rule.
func (r *TuneReport) RecommendedReason() string {
	switch {
	case r.Setup.Rule != pid.MsIAE:
		return r.Setup.RuleReason
	case r.Recommendation == nil:
		return r.Setup.Fallback.String() + ": ms-iae has no model to design on (" + r.RecommendNote + ")"
	}
	return pid.MsIAE.String() + ": " + r.Recommendation.Reason
}

// Recommended returns the candidate of the recommended rule, if it yielded
// gains.
func (r *TuneReport) Recommended() (Candidate, bool) {
	rule := r.RecommendedRule()
	for _, c := range r.Rules {
		if c.Gains.Rule == rule {
			return c, true
		}
	}
	return Candidate{}, false
}

// Tune runs the relay experiment on the loop and a step run for the gains of
// every rule and for the current gains. It fails when the experiment does
// not converge; the Tuning then says how far it got.
func Tune(s LoopSetup, seed uint64) (*TuneReport, error) {
	r := &TuneReport{Setup: s, Seed: seed}
	var err error
	if r.Tuning, err = s.Autotune(seed); err != nil {
		return r, err
	}
	for _, rule := range pid.Rules() {
		g, cfg, ok := r.gains(rule)
		if !ok {
			continue // a model-based rule without a model: not an error of the run
		}
		f, rev, err := s.stepRun(cfg, seed)
		if err != nil {
			return r, fmt.Errorf("%s: %w", rule, err)
		}
		r.Rules = append(r.Rules, Candidate{Name: rule.String(), Gains: g, Figures: f, Config: cfg, ReversalsPerHour: rev})
	}
	f, rev, err := s.stepRun(s.Base, seed)
	if err != nil {
		return r, fmt.Errorf("current gains: %w", err)
	}
	r.Current = Candidate{Name: "current", Gains: pid.Gains{Kp: s.Base.Kp, Ki: s.Base.Ki, Kd: s.Base.Kd},
		Figures: f, Config: s.Base, ReversalsPerHour: rev}
	return r, nil
}

// gains returns the rule's gains and the loop's configuration with them;
// for ms-iae, Recommend's design (recorded in the report).
func (r *TuneReport) gains(rule pid.Rule) (pid.Gains, pid.Config, bool) {
	s, res := &r.Setup, r.Tuning.Result
	if rule == pid.MsIAE {
		rc, err := res.Recommend(s.RecommendOptions())
		if err != nil {
			r.RecommendNote = err.Error()
			return pid.Gains{}, pid.Config{}, false
		}
		r.Recommendation = &rc
		return rc.Gains, rc.Apply(s.Base), true
	}
	g, err := res.Gains(rule)
	if err != nil {
		return pid.Gains{}, pid.Config{}, false
	}
	return g, g.Apply(s.Base), true
}
