package livetune

import "hearth/pid"

// chooseGains is the one place a session's gains are chosen from its
// result: today Ziegler-Nichols PI on every loop, the rule `hearth tune`
// recommends (hil.DefaultLoopSetup's Rule: the relay cannot reach the
// plant's −180° point under the probes' noise and underestimates Ku, which
// the model-based rules compound; docs/pid.md §6.4).
func chooseGains(r pid.Result) (g pid.Gains, rule, reason string, err error) {
	g, err = r.Gains(pid.ZieglerNicholsPI)
	if err != nil {
		return pid.Gains{}, "", "", err
	}
	return g, pid.ZieglerNicholsPI.String(),
		"the rule hearth tune recommends on every loop: the relay under the probes' noise underestimates Ku, which the model-based rules compound (docs/pid.md §6.4)", nil
}
