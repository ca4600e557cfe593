package core

import (
	"errors"
	"math"
	"strconv"

	"hearth/control"
)

// Validate checks the whole configuration: control's keys against their
// bounds (control.Config.Validate), safety's against their hard bounds
// (safety.Config.Validate), and control against safety where the two are
// coupled: control must not steer the plant where safety warns, nor ask
// for less oil flow than safety proves, nor know the pumps otherwise. It
// returns nil or every broken rule joined, each naming its keys.
func (c *Config) Validate() error {
	errs := []error{c.Control.Validate(), c.Safety.Validate()}
	for _, x := range c.crossChecks() {
		a, b := x.a, x.b
		if math.IsNaN(a+b) || math.IsInf(a+b, 0) || x.ok(a, b) {
			continue
		}
		errs = append(errs, &control.ConfigError{Key: x.key, Value: num(a), Problem: x.problem + ": " + x.why})
	}
	return errors.Join(errs...)
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// cross is one coupling between control's configuration and safety's.
type cross struct {
	key     string // control's key
	a, b    float64
	ok      func(a, b float64) bool
	problem string // names safety's key(s) and value
	why     string
}

func atMost(a, b float64) bool  { return a <= b }
func below(a, b float64) bool   { return a < b }
func atLeast(a, b float64) bool { return a >= b }
func equal(a, b float64) bool   { return a == b }

func (c *Config) crossChecks() []cross {
	ctl, s := &c.Control, &c.Safety
	proved := float64(s.MinOilFlowLPM) * (1 + s.FlowMeterAccuracy)
	provedText := "the flow safety proves, safety.min_oil_flow_lpm = " + num(float64(s.MinOilFlowLPM)) +
		" x (1 + safety.flow_meter_accuracy = " + num(s.FlowMeterAccuracy) + ") = " + num(proved)
	return []cross{
		{"control.oil_ceiling_c", float64(ctl.OilCeilingC), float64(s.OilIn.WarnC), atMost,
			"above safety.oil_in.warn_c = " + num(float64(s.OilIn.WarnC)),
			"control would hold the oil into the modules where safety warns and sheds compute"},
		{"control.oil_out_max_c", float64(ctl.OilOutMaxC), float64(s.OilOut.WarnC), below,
			"not below safety.oil_out.warn_c = " + num(float64(s.OilOut.WarnC)),
			"control would let the oil out of the modules reach safety's warning"},
		{"control.oil_flow_min_lpm", float64(ctl.OilFlowMinLPM), proved, atLeast,
			"below " + provedText, "at control's floor a powered module would trip on unproven flow"},
		{"control.oil_pump_speed", float64(ctl.OilPumpSpeed) * float64(ctl.OilPumpMaxLPM), proved, atLeast,
			"times control.oil_pump_max_lpm = " + num(float64(ctl.OilPumpMaxLPM)) + " gives " +
				num(float64(ctl.OilPumpSpeed)*float64(ctl.OilPumpMaxLPM)) + " L/min, below " + provedText,
			"with its meter unknown the pump's speed must prove the modules' flow on a new pump"},
		{"control.oil_pump_max_lpm", float64(ctl.OilPumpMaxLPM), float64(s.OilPumpMaxLPM), equal,
			"differs from safety.oil_pump_max_lpm = " + num(float64(s.OilPumpMaxLPM)),
			"control and safety must know the same oil pump"},
		{"control.water_pump_max_lpm", float64(ctl.WaterPumpMaxLPM), float64(s.WaterPumpMaxLPM), equal,
			"differs from safety.water_pump_max_lpm = " + num(float64(s.WaterPumpMaxLPM)),
			"control and safety must know the same water pump"},
		{"control.tank_target_c", float64(ctl.TankTargetC), float64(s.Tank.WarnC), below,
			"not below safety.tank.warn_c = " + num(float64(s.Tank.WarnC)),
			"control would charge the tank to where safety warns"},
		{"control.legionella_c", float64(ctl.LegionellaC), float64(s.Tank.WarnC), below,
			"not below safety.tank.warn_c = " + num(float64(s.Tank.WarnC)),
			"safety cuts the immersion heater at tank warn: the weekly hold could never be reached"},
		{"control.curve_flow_a_c", float64(ctl.CurveFlowAC), float64(s.WaterFlow.WarnC), below,
			"not below safety.water_flow.warn_c = " + num(float64(s.WaterFlow.WarnC)),
			"the weather curve would ask for a flow where safety warns"},
		{"control.curve_flow_b_c", float64(ctl.CurveFlowBC), float64(s.WaterFlow.WarnC), below,
			"not below safety.water_flow.warn_c = " + num(float64(s.WaterFlow.WarnC)),
			"the weather curve would ask for a flow where safety warns"},
		{"control.stale_s", ctl.StaleS, s.StaleS, atMost,
			"above safety.stale_s = " + num(s.StaleS),
			"control would steer on samples safety no longer believes"},
	}
}
