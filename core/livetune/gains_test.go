package livetune

import (
	"strings"
	"testing"

	"hearth/control"
	"hearth/pid"
	"hearth/units"
)

// TestChooseGainsFollowsHearthTune: oil gets Ziegler-Nichols PI whatever
// the model; water and tank get ms-iae (its setpoint weight and filter in
// the configuration) when the experiment gives a model, and
// Ziegler-Nichols PI saying why when it does not.
func TestChooseGainsFollowsHearthTune(t *testing.T) {
	relay := pid.RelayFigures{Cycles: 5, Period: 300 * units.Second, Amplitude: 0.3, Swing: 0.05}
	noModel := pid.Result{Ku: 0.2, Tu: 300 * units.Second, Relay: relay}
	moved := noModel // the output that holds the setpoint went from 0.83 to 0.43 during the relay
	moved.Relay.MeanOutput = 0.43
	stayed := noModel
	stayed.Relay.MeanOutput = 0.81
	withModel := noModel
	withModel.Model = pid.FOPDT{K: -2, T: 200 * units.Second, L: 40 * units.Second, Valid: true}
	withModel.Second = pid.SOPDT{K: -2, T1: 150 * units.Second, T2: 50 * units.Second, L: 30 * units.Second, Valid: true}
	base := pid.Config{OutMin: 0, OutMax: 1, Reverse: true, SetpointWeight: 1, Kp: 1, Ki: 0.01}
	zn, err := noModel.Gains(pid.ZieglerNicholsPI)
	if err != nil {
		t.Fatal(err)
	}
	want, err := withModel.Recommend(pid.RecommendOptions{Quantum: probeQuantum, SetpointStep: designStep, ActuatorRange: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		loop   control.Loop
		r      pid.Result
		offset float64
		start  float64
		rule   pid.Rule
		reason string
	}{
		{"oil with a model", control.LoopDump, withModel, 0, 0.5, pid.ZieglerNicholsPI, "on oil"},
		{"water without a model", control.LoopWaterPump, noModel, 0, 0.5, pid.ZieglerNicholsPI, "with no step from rest to fit"},
		{"tank without a model", control.LoopTank, noModel, 0, 0.5, pid.ZieglerNicholsPI, "no model"},
		{"water without a model after a step", control.LoopWaterPump, noModel, 1, 0.83, pid.ZieglerNicholsPI, "the step from 1 K below gave no static gain"},
		{"water, the load moved", control.LoopWaterPump, moved, 1, 0.83, pid.ZieglerNicholsPI,
			"was 0.83 at the start and 0.43 on the relay's mean, more than the relay's swing (0.05) apart: the plant's load moved"},
		{"water, the load stayed", control.LoopWaterPump, stayed, 1, 0.83, pid.ZieglerNicholsPI,
			"was 0.83 at the start and 0.81 on the relay's mean, within the relay's swing (0.05): the plant's lag is too short"},
		{"water with a model", control.LoopWaterPump, withModel, 1, 0.83, pid.MsIAE, want.Reason},
	} {
		cfg, rule, reason, err := chooseGains(c.loop, c.r, base, c.offset, c.start)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if rule != c.rule || !strings.Contains(reason, c.reason) {
			t.Errorf("%s: %s (%q), want %s with %q", c.name, rule, reason, c.rule, c.reason)
		}
		if !cfg.Reverse || cfg.OutMax != 1 {
			t.Errorf("%s: the loop's own settings lost: %+v", c.name, cfg)
		}
		switch rule {
		case pid.ZieglerNicholsPI:
			if cfg.Kp != zn.Kp || cfg.Ki != zn.Ki || cfg.Kd != 0 || cfg.SetpointWeight != 1 {
				t.Errorf("%s: %+v, want zn-pi %+v with the loop's setpoint weight", c.name, cfg, zn)
			}
		case pid.MsIAE:
			if cfg.Kp != want.Gains.Kp || cfg.Ki != want.Gains.Ki || cfg.Kd != want.Gains.Kd ||
				cfg.SetpointWeight != want.SetpointWeight || cfg.DerivativeFilter != want.DerivativeFilter {
				t.Errorf("%s: %+v, want Recommend's %+v", c.name, cfg, want)
			}
		}
	}
}
