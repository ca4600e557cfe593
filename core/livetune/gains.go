package livetune

import (
	"math"

	"hearth/control"
	"hearth/pid"
)

// probeQuantum is a DS18B20's step (1/16 K), and designStep the setpoint
// step ms-iae designs for: what `hearth tune` uses (hil.ProbeQuantumK,
// hil.DefaultLoopSetup's StepK).
const (
	probeQuantum = 1.0 / 16
	designStep   = 2.0
)

// chooseGains is the one place a session's tuning is chosen from its
// result, by the policy `hearth tune` recommends (hil.DefaultLoopSetup,
// docs/pid.md §6.4): on oil Ziegler-Nichols PI (the relay cannot reach the
// plant's −180° point under the probes' noise and underestimates Ku, which
// the model-based rules compound); on water and tank ms-iae
// (Result.Recommend: gains, setpoint weight and derivative filter) where
// the experiment gives it a model, else Ziegler-Nichols PI. It returns
// base with the chosen gains (and, for ms-iae, setpoint weight and filter).
//
// offset is the step from rest the relay began with (0: none), and start
// the output that held the operating point when the session began: with
// the relay's mean output they say why a step gave no model.
func chooseGains(l control.Loop, r pid.Result, base pid.Config, offset, start float64) (cfg pid.Config, rule pid.Rule, reason string, err error) {
	if l != control.LoopDump {
		rec, rerr := r.Recommend(pid.RecommendOptions{Quantum: probeQuantum, SetpointStep: designStep,
			ActuatorRange: base.OutMax - base.OutMin})
		if rerr == nil {
			return rec.Apply(base), pid.MsIAE, rec.Reason, nil
		}
		reason = "ms-iae has no model to design on (" + rerr.Error() + ")"
		switch {
		case r.Model.Valid || r.Second.Valid:
			reason += ": the fit was refused"
		case offset > 0:
			reason += ": the step from " + fmtG(offset) + " K below gave no static gain above the gain at the relay's frequency" +
				noGainWhy(r.Relay, start)
		default:
			reason += ": the relay started at the operating point, with no step from rest to fit"
		}
	} else {
		reason = "the rule hearth tune recommends on oil: the relay under the probes' noise underestimates Ku, which the model-based rules compound (docs/pid.md §6.4)"
	}
	g, err := r.Gains(pid.ZieglerNicholsPI)
	if err != nil {
		return pid.Config{}, 0, "", err
	}
	return g.Apply(base), pid.ZieglerNicholsPI, reason, nil
}

// noGainWhy says, from the outputs, why a step from rest gave no static
// gain above the relay's: the output that holds the operating point moved
// by more than the relay's swing between the session's start and the
// relay's mean (the plant's load moved), or it did not (the plant's lag is
// too short to tell from its dead time, or its gain changes along the step).
func noGainWhy(rl pid.RelayFigures, start float64) string {
	held := ": the output that held the operating point was " + fmtG(start) + " at the start and " +
		fmtG(rl.MeanOutput) + " on the relay's mean"
	if math.Abs(rl.MeanOutput-start) > rl.Swing {
		return held + ", more than the relay's swing (" + fmtG(rl.Swing) + ") apart: the plant's load moved during the session"
	}
	return held + ", within the relay's swing (" + fmtG(rl.Swing) + "): the plant's lag is too short to tell from its dead time," +
		" or its gain changes along the step"
}
