package safety

import (
	"errors"
	"hash/crc32"
	"math"
	"strconv"
)

// bound is the hard bound of one configuration value: no configuration may
// leave [min, max]. Zero is always refused as a missing key, so a min of 0
// reads (0, max]. The figures and reasons are docs/domain.md's; docs/safety.md
// shows this table, generated.
type bound struct {
	key      string // TOML key, under the [safety] table
	min, max float64
	why      string
	get      func(*Config) float64
}

const (
	whyHyst = "a warning, and a trip's cause, clears only below warn - hyst; must also be below the warn-trip gap"
	// overshoot is the allowance between a trip limit and the invariant it
	// guards, as for oil in (never above trip + 2 K): probe lag and heat
	// already in the oil after the trip tick.
	overshootK = 2
)

// bounds lists every value of Config, in the canonical order ConfigChecksum
// uses. A test fails if a field of Config is missing here.
var bounds = [...]bound{
	{"safety.oil_in.warn_c", 48, 60,
		"at or above the 48 C ceiling control keeps the oil under, or shedding fights normal operation",
		func(c *Config) float64 { return float64(c.OilIn.WarnC) }},
	{"safety.oil_in.trip_c", 48, 60,
		"a SoC runs ~2 K/W x 7 W = 14 K above its oil: at trip + 2 K (62 C) it is at 76 C, under its 80 C throttle; " +
			"and 62 C plus the 12.5 K a full hub adds at the 10 L/min minimum flow stays under the oil_out bound",
		func(c *Config) float64 { return float64(c.OilIn.TripC) }},
	{"safety.oil_in.hyst_k", 0, 10, whyHyst, func(c *Config) float64 { return float64(c.OilIn.HystK) }},

	{"safety.oil_out.warn_c", 60, 75,
		"at or above the 60 C oil out reaches in normal operation",
		func(c *Config) float64 { return float64(c.OilOut.WarnC) }},
	{"safety.oil_out.trip_c", 60, 75,
		"an idle board (3 W, ~6 K above its oil) in oil at trip + 2 K = 77 C is at 83 C, under the SoC's 85 C hard limit; " +
			"above idle the SoC throttles itself at 80 C",
		func(c *Config) float64 { return float64(c.OilOut.TripC) }},
	{"safety.oil_out.hyst_k", 0, 10, whyHyst, func(c *Config) float64 { return float64(c.OilOut.HystK) }},

	{"safety.water_flow.warn_c", 55, 95 - overshootK,
		"above the weather curve's 48.5 C flow at 4 C outside and below",
		func(c *Config) float64 { return float64(c.WaterFlow.WarnC) }},
	{"safety.water_flow.trip_c", 55, 95 - overshootK,
		"water flow never above 95 C, 15 K under the 110 C STB of EN 12828 practice so software acts first; " +
			"trip + 2 K stays within it",
		func(c *Config) float64 { return float64(c.WaterFlow.TripC) }},
	{"safety.water_flow.hyst_k", 0, 10, whyHyst, func(c *Config) float64 { return float64(c.WaterFlow.HystK) }},

	{"safety.tank.warn_c", 62, 85 - overshootK,
		"the immersion heater is cut at tank warn: the weekly 60 C anti-legionella hold must stay reachable",
		func(c *Config) float64 { return float64(c.Tank.WarnC) }},
	{"safety.tank.trip_c", 62, 85 - overshootK,
		"the tank never above 85 C; trip + 2 K stays within it",
		func(c *Config) float64 { return float64(c.Tank.TripC) }},
	{"safety.tank.hyst_k", 0, 10, whyHyst, func(c *Config) float64 { return float64(c.Tank.HystK) }},

	{"safety.board.warn_c", 70, 85 - overshootK,
		"above the ~68 C a SoC runs at in normal operation (oil out of the modules at 54 C plus 2 K/W x 7 W)",
		func(c *Config) float64 { return float64(c.Board.WarnC) }},
	{"safety.board.trip_c", 70, 85 - overshootK,
		"the SoC throttles itself at 80 C and its hard limit is 85 C: trip + 2 K stays under it",
		func(c *Config) float64 { return float64(c.Board.TripC) }},
	{"safety.board.hyst_k", 0, 10, whyHyst, func(c *Config) float64 { return float64(c.Board.HystK) }},

	{"safety.pressure_warn_low_bar", 0.3, 1.0,
		"between the low trip bound and the bottom of the 1.0-2.5 bar operating band",
		func(c *Config) float64 { return float64(c.PressureWarnLowBar) }},
	{"safety.pressure_trip_low_bar", 0.3, 1.0,
		"below ~0.3 bar the circulator cavitates and air enters at high points; water at 0.3 bar boils near 107 C, " +
			"still above the water flow bound; at most the bottom of the operating band",
		func(c *Config) float64 { return float64(c.PressureTripLowBar) }},
	{"safety.pressure_warn_high_bar", 2.5, 2.9,
		"between the top of the 1.0-2.5 bar operating band and the high trip bound",
		func(c *Config) float64 { return float64(c.PressureWarnHighBar) }},
	{"safety.pressure_trip_high_bar", 2.5, 2.9,
		"the relief valve opens at 3 bar; 0.1 bar covers the transducer's 1 % of its 4 bar span and the valve " +
			"simmering under its set point, so software acts first",
		func(c *Config) float64 { return float64(c.PressureTripHighBar) }},
	{"safety.pressure_hyst_bar", 0, 0.5,
		"a pressure warning clears only beyond warn +/- hyst; must also be below both warn-trip gaps",
		func(c *Config) float64 { return float64(c.PressureHystBar) }},

	{"safety.min_oil_flow_lpm", 10, 40,
		"modules need at least 10 L/min while powered; above the oil pump's 40 L/min the proof could never hold",
		func(c *Config) float64 { return float64(c.MinOilFlowLPM) }},
	{"safety.flow_proof_s", 0, 30,
		"the longest a powered module runs without proven oil flow; the pump proves flow within seconds " +
			"(the meter gives 55 Hz at 10 L/min)",
		func(c *Config) float64 { return c.FlowProofS }},
	{"safety.flow_meter_accuracy", 0, 0.2,
		"a hall-effect pulse meter is good to a few % of its reading; the flow proved is min_oil_flow_lpm x (1 + this); " +
			"over 20 % the margin eats the pump's headroom",
		func(c *Config) float64 { return c.FlowMeterAccuracy }},
	{"safety.oil_pump_max_lpm", 10, 200,
		"the oil pump's flow at full speed when new (reference 40 L/min), at least the modules' 10 L/min; " +
			"a meter that reads more than the pump at its speed can give is not believed",
		func(c *Config) float64 { return float64(c.OilPumpMaxLPM) }},
	{"safety.water_pump_max_lpm", 5, 100,
		"the water pump's flow at full speed when new (reference 25 L/min), for judging its meter and its running dry",
		func(c *Config) float64 { return float64(c.WaterPumpMaxLPM) }},
	{"safety.pump_feedback_full", 0, 0.7,
		"profile A reports a pump's power on 0-70 % of the feedback duty: at full speed at most 70 %",
		func(c *Config) float64 { return float64(c.PumpFeedbackFull) }},
	{"safety.pump_respond_s", 2, 60,
		"a circulator follows a new speed within seconds (spin-up ~1.5 s), so under 2 s a healthy pump looks stuck; " +
			"over a minute a seized rotor behind a silent feedback line goes unjudged too long",
		func(c *Config) float64 { return c.PumpRespondS }},
	{"safety.pressure_stuck_s", 10, 300,
		"the pressure ADC reads several times a second and its noise moves it by counts: 10 s of identical " +
			"readings is already rare; over 5 min a frozen transducer is believed too long",
		func(c *Config) float64 { return c.PressureStuckS }},
	{"safety.stale_s", 1, 10,
		"a DS18B20 gives a sample every 0.75 s at 12 bits, so under 1 s every sample is stale; " +
			"over 10 s a frozen reading passes as live",
		func(c *Config) float64 { return c.StaleS }},
	{"safety.sensor_loss_s", 1, 30,
		"the longest the layer runs blind on a measurement a trip hangs on: oil at 3.6 kW with no cooling climbs " +
			"0.7 K/min, 0.35 K in 30 s; at least stale_s",
		func(c *Config) float64 { return c.SensorLossS }},
	{"safety.debounce_s", 0, 10,
		"a leak or a pressure trip acts within 10 s",
		func(c *Config) float64 { return c.DebounceS }},
	{"safety.stuck_s", 60, 1800,
		"a live DS18B20 in a plant at rest may hold one 1/16 K step for a minute, so under 60 s a steady plant " +
			"reads as stuck; over 30 min a frozen probe is believed too long",
		func(c *Config) float64 { return c.StuckS }},
	{"safety.max_rate_k_per_s", 1, 20,
		"a probe in 290 kJ/K of oil never moves 1 K/s, so a faster move is a spike and a real rise is never " +
			"rejected; over 20 K/s a wild jump passes (40 C to the DS18B20's 85 C power-on value in 0.75 s is 60 K/s)",
		func(c *Config) float64 { return c.MaxRateKPerS }},
	{"safety.disagree_k", 1, 10,
		"two DS18B20s at +/-0.5 K each differ by up to 1 K when both are right; 10 K apart, one is wrong by more " +
			"than a warn-trip gap",
		func(c *Config) float64 { return float64(c.DisagreeK) }},
	{"safety.disagree_s", 0, 300,
		"the oil-in pair may disagree this long before it is flagged; in 5 min oil with no cooling climbs 3.5 K",
		func(c *Config) float64 { return c.DisagreeS }},
	{"safety.shed_step_s", 0, 15,
		"shedding goes a quarter of one module's span (~0.1 kW) per step: halving a full hub, as the hottest day " +
			"asks, takes 20 steps, at most 5 min, inside the ~8.5 min oil with no cooling needs to climb the " +
			"default 6 K from warn to trip",
		func(c *Config) float64 { return c.ShedStepS }},
	{"safety.restore_s", 0, 3600,
		"at least shed_step_s: a plant proves itself clear for longer than it took to react",
		func(c *Config) float64 { return c.RestoreS }},

	{"safety.throttle_deadline_s", 0, 60,
		"a module running above its command is cut after this; an agent throttles in well under a minute",
		func(c *Config) float64 { return c.ThrottleDeadlineS }},
	{"safety.shutdown_deadline_s", 20, 120,
		"a graceful shutdown takes ~20 s, so under 20 s every shutdown would end in a cut; over 2 min a module " +
			"that ignores its shutdown keeps heating",
		func(c *Config) float64 { return c.ShutdownDeadlineS }},
	{"safety.silent_s", 0, 60,
		"a module whose agent is silent this long is cut; its own lease (layer 4) runs out as well",
		func(c *Config) float64 { return c.SilentS }},
	{"safety.runaway_s", 30, 600,
		"the window runaway is judged over: under 30 s oil rising at 0.7 K/min moves 0.35 K, a few DS18B20 " +
			"steps, and noise decides; over 10 min the hard limit comes first",
		func(c *Config) float64 { return c.RunawayS }},
	{"safety.runaway_k_per_min", 0, 0.7,
		"a full hub with no cooling heats the oil 0.7 K/min: a threshold above it could never fire",
		func(c *Config) float64 { return c.RunawayKPerMin }},
	{"safety.balance_min_w", 500, 3600,
		"under 0.5 kW the oil's delta-T at full pump (1.15 kW/K at 40 L/min) is under 0.5 K, inside the probes' " +
			"error; over the hub's 3.6 kW the check never runs",
		func(c *Config) float64 { return float64(c.BalanceMinW) }},
	{"safety.balance_tolerance", 0, 0.9,
		"the fraction by which carried heat may miss measured power: two DS18B20s at +/-0.5 K on a 6 K rise and a " +
			"5 % meter err by up to ~25 %, so under 0.3 a healthy plant may trip; at 0.9 or more no lying meter is ever found",
		func(c *Config) float64 { return c.BalanceTolerance }},
	{"safety.balance_s", 300, 3600,
		"the oil stores 290 kJ/K: a 1 K drift over 300 s is ~1 kW that is not imbalance, so shorter windows " +
			"mislead; over an hour a lying meter or probe goes unnoticed too long",
		func(c *Config) float64 { return c.BalanceS }},
	{"safety.balance_hold_s", 0, 600,
		"heat carried past the tolerance this long trips; the averages already span balance_s, so a hold over 10 min " +
			"only delays a trip on lost flow",
		func(c *Config) float64 { return c.BalanceHoldS }},
	{"safety.module_oil_l", 10, 1000,
		"the oil in the modules' tanks (reference 8 x 15 L), whose warming the balance counts as stored heat; " +
			"too small and the oil warming at start-up reads as heat carried off",
		func(c *Config) float64 { return c.ModuleOilL }},
	{"safety.vote_s", 0, 300,
		"the evidence against one oil-in probe must hold this long before it is voted out; in 5 min oil with no " +
			"cooling climbs 3.5 K, and the hotter probe governs meanwhile",
		func(c *Config) float64 { return c.VoteS }},
	{"safety.flap_count", 2, 10,
		"faults within flap_window_s that latch a channel degraded: one fault is no pattern; the layer remembers 10",
		func(c *Config) float64 { return c.FlapCount }},
	{"safety.flap_window_s", 60, 3600,
		"a probe that opens every 10 s faults 3 times in 30 s; over an hour, faults days apart add up to a latch",
		func(c *Config) float64 { return c.FlapWindowS }},
	{"safety.boot_grace_s", 30, 120,
		"a real agent needs ~30 s to boot and answer after its relay closes; over 2 min a module nobody vouches " +
			"for heats unwatched",
		func(c *Config) float64 { return c.BootGraceS }},
	{"safety.start_step_s", 0, 30,
		"staggered start: one level of one module per step, so no step on the home's supply exceeds one module; " +
			"40 steps bring 8 modules from off to full, 20 min at 30 s",
		func(c *Config) float64 { return c.StartStepS }},
	{"safety.self_test_s", 5, 120,
		"the dump valve takes 90 s end to end: under 5 s it cannot move the 5 % the default test asks; over " +
			"2 min a failed pump or valve holds the start-up too long",
		func(c *Config) float64 { return c.SelfTestS }},
	{"safety.self_test_flow_lpm", 0, 10,
		"the flow each pump must prove at start-up; at most the 10 L/min the modules need",
		func(c *Config) float64 { return float64(c.SelfTestFlowLPM) }},
	{"safety.self_test_valve", 0, 0.25,
		"the fraction of travel the dump valve must move; the test drives it twice as far, so over 0.25 it " +
			"swings half its travel (45 s) at every start",
		func(c *Config) float64 { return float64(c.SelfTestValve) }},
}

// HardBound is one key of Config with its hard bound, as docs/safety.md
// and docs/config.md show them: no value may leave [Min, Max], and zero is
// refused as a missing key (so a Min of 0 reads (0, Max]).
type HardBound struct {
	Key      string // the TOML key, "safety.oil_in.trip_c"
	Min, Max float64
	Why      string
	Get      func(*Config) float64
}

// HardBounds returns every key of Config with its hard bound, in the
// order of the bounds table Validate checks.
func HardBounds() []HardBound {
	out := make([]HardBound, len(bounds))
	for i, b := range bounds {
		out[i] = HardBound{Key: b.key, Min: b.min, Max: b.max, Why: b.why, Get: b.get}
	}
	return out
}

// LimitRule says which rule a configuration value broke.
type LimitRule uint8

// Rules. Append only.
const (
	RuleMissing    LimitRule = iota // zero: the key is absent
	RuleNotFinite                   // NaN or infinite
	RuleAboveBound                  // above its hard bound
	RuleBelowBound                  // below its hard bound
	RuleNotBelow                    // must be below Other
	RuleNotAbove                    // must be above Other
	RuleNotAtLeast                  // must be at least Other
	RuleGap                         // hysteresis not below the warn-trip gap
	RuleNotWhole                    // a count that is not a whole number
)

// LimitError is one broken rule of a configuration. Validate joins them.
type LimitError struct {
	Key   string  // the TOML key, e.g. "safety.oil_in.trip_c"
	Value float64 // its value
	Rule  LimitRule
	Bound float64 // the hard bound, Other's value, or the gap
	Other string  // the other key of a relation, else ""
}

func (e *LimitError) Error() string {
	v := e.Key + " = " + formatFloat(e.Value)
	b := formatFloat(e.Bound)
	if e.Rule == RuleGap {
		// A gap is a difference: show 0.2, not 0.19999999999999973.
		b = strconv.FormatFloat(e.Bound, 'g', 10, 64)
	}
	switch e.Rule {
	case RuleMissing:
		return e.Key + " is missing (zero)"
	case RuleNotFinite:
		return v + " is not a finite number"
	case RuleAboveBound:
		return v + " exceeds its hard bound " + b
	case RuleBelowBound:
		return v + " is below its hard bound " + b
	case RuleNotBelow:
		return v + " must be below " + e.Other + " = " + b
	case RuleNotAbove:
		return v + " must be above " + e.Other + " = " + b
	case RuleNotAtLeast:
		return v + " must be at least " + e.Other + " = " + b
	case RuleGap:
		return v + " must be below the warn-trip gap " + b
	case RuleNotWhole:
		return v + " must be a whole number"
	}
	return v + " breaks rule " + strconv.Itoa(int(e.Rule))
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// Validate checks every limit and timing against its hard bound and the
// relations between them. It returns nil, or every broken rule joined
// (errors.Join of *LimitError), each naming its TOML key, value and bound.
// The controller must not start on a configuration that fails.
func (c *Config) Validate() error {
	var errs []error
	var ok [len(bounds)]bool
	for i := range bounds {
		b := &bounds[i]
		v := b.get(c)
		var rule LimitRule
		var lim float64
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			rule = RuleNotFinite
		case v == 0:
			rule = RuleMissing
		case v > b.max:
			rule, lim = RuleAboveBound, b.max
		case v < b.min:
			rule, lim = RuleBelowBound, b.min
		default:
			ok[i] = true
			continue
		}
		errs = append(errs, &LimitError{Key: b.key, Value: v, Rule: rule, Bound: lim})
	}

	v := validator{c: c, ok: &ok, errs: errs}
	v.relations()
	return errors.Join(v.errs...)
}

// validator checks the relations between values that passed their own
// bounds.
type validator struct {
	c    *Config
	ok   *[len(bounds)]bool
	errs []error
}

func (v *validator) val(key string) (float64, bool) {
	for i := range bounds {
		if bounds[i].key == key {
			return bounds[i].get(v.c), v.ok[i]
		}
	}
	panic("safety: Validate: no bound for " + key)
}

func (v *validator) rel(key string, rule LimitRule, other string) {
	a, okA := v.val(key)
	b, okB := v.val(other)
	if !okA || !okB {
		return
	}
	broken := (rule == RuleNotBelow && !(a < b)) || (rule == RuleNotAbove && !(a > b)) ||
		(rule == RuleNotAtLeast && !(a >= b))
	if broken {
		v.errs = append(v.errs, &LimitError{Key: key, Value: a, Rule: rule, Bound: b, Other: other})
	}
}

func (v *validator) gap(key string, g float64) {
	if h, okH := v.val(key); okH && g > 0 && !(h < g) {
		v.errs = append(v.errs, &LimitError{Key: key, Value: h, Rule: RuleGap, Bound: g})
	}
}

func (v *validator) relations() {
	for _, p := range [...]string{"safety.oil_in.", "safety.oil_out.", "safety.water_flow.", "safety.tank.", "safety.board."} {
		v.rel(p+"warn_c", RuleNotBelow, p+"trip_c")
		w, okW := v.val(p + "warn_c")
		t, okT := v.val(p + "trip_c")
		if okW && okT && w < t {
			v.gap(p+"hyst_k", t-w)
		}
	}
	v.rel("safety.pressure_warn_low_bar", RuleNotAbove, "safety.pressure_trip_low_bar")
	v.rel("safety.pressure_warn_high_bar", RuleNotAbove, "safety.pressure_warn_low_bar")
	v.rel("safety.pressure_warn_high_bar", RuleNotBelow, "safety.pressure_trip_high_bar")
	tl, ok1 := v.val("safety.pressure_trip_low_bar")
	wl, ok2 := v.val("safety.pressure_warn_low_bar")
	wh, ok3 := v.val("safety.pressure_warn_high_bar")
	th, ok4 := v.val("safety.pressure_trip_high_bar")
	if ok1 && ok2 && ok3 && ok4 && tl < wl && wh < th {
		v.gap("safety.pressure_hyst_bar", min(wl-tl, th-wh))
	}
	v.rel("safety.sensor_loss_s", RuleNotAtLeast, "safety.stale_s")
	v.rel("safety.restore_s", RuleNotAtLeast, "safety.shed_step_s")
	if n, ok := v.val("safety.flap_count"); ok && n != math.Trunc(n) {
		v.errs = append(v.errs, &LimitError{Key: "safety.flap_count", Value: n, Rule: RuleNotWhole})
	}
}

// configChecksumSeed is the CRC of the encoding's header: an all-zero
// configuration must not checksum to 0.
var configChecksumSeed = crc32.Checksum([]byte("HCFG\x01"), castagnoli)

// ConfigChecksum returns a CRC-32C over a canonical encoding of every value
// of c (its IEEE 754 bits in the order of the bounds table, -0 as 0, every
// NaN as one NaN). The start-up self-test compares it with the checksum taken
// when the configuration was loaded and validated, to catch corruption in
// memory. It is not stable across software versions: compare it only with a
// checksum from the same build. It allocates nothing.
func (c *Config) ConfigChecksum() uint32 {
	// crc32.Update would move a buffer to the heap; the bytewise table
	// update is the same CRC and allocates nothing.
	crc := ^configChecksumSeed
	for i := range bounds {
		v := bounds[i].get(c)
		bits := math.Float64bits(v)
		switch {
		case v == 0:
			bits = 0
		case math.IsNaN(v):
			bits = 0x7FF8000000000001
		}
		for j := 0; j < 64; j += 8 {
			crc = castagnoli[byte(crc)^byte(bits>>j)] ^ crc>>8
		}
	}
	return ^crc
}
