// Package safety is Hearth's independent protection layer. It reads the raw
// inputs itself, judges every sensor's plausibility, compares measurements
// with warn and trip limits, sheds compute module by module, escalates a
// module that does not comply, and latches trips whose safe state fits their
// cause. It runs after control on every tick and has the last word on every
// output: nothing in control, the console or configuration can override it.
//
// It must never import control, do I/O, read the wall clock, start goroutines
// or allocate on the tick (its state machine allocates only on a transition).
package safety

import "hearth/units"

// TempLimit is a high limit on a temperature with its hysteresis: a warning
// raised at WarnC clears below WarnC - HystK; a trip latches at TripC and its
// cause counts as cleared below WarnC - HystK.
type TempLimit struct {
	WarnC units.Celsius `toml:"warn_c"`
	TripC units.Celsius `toml:"trip_c"`
	HystK units.Kelvin  `toml:"hyst_k"`
}

// Config holds every limit and timing of the safety layer. Validate (in
// limits.go) refuses a configuration past any hard bound.
type Config struct {
	OilIn     TempLimit `toml:"oil_in"`
	OilOut    TempLimit `toml:"oil_out"`
	WaterFlow TempLimit `toml:"water_flow"`
	Tank      TempLimit `toml:"tank"` // tank top, and tank bottom as its second witness
	// Board is the limit on the hottest SoC a module's agent reports: a
	// witness of the boards overheating beside the oil out of the modules.
	Board TempLimit `toml:"board"`

	PressureWarnLowBar  units.Bar `toml:"pressure_warn_low_bar"`
	PressureTripLowBar  units.Bar `toml:"pressure_trip_low_bar"`
	PressureWarnHighBar units.Bar `toml:"pressure_warn_high_bar"`
	PressureTripHighBar units.Bar `toml:"pressure_trip_high_bar"`
	PressureHystBar     units.Bar `toml:"pressure_hyst_bar"`

	// MinOilFlowLPM is the flow every powered module needs; FlowProofS is how
	// long a powered module may go without it before the trip.
	MinOilFlowLPM units.LitrePerMin `toml:"min_oil_flow_lpm"`
	FlowProofS    float64           `toml:"flow_proof_s"`
	// FlowMeterAccuracy is the oil flow meter's stated accuracy, a fraction
	// of its reading: the flow proved is MinOilFlowLPM x (1 +
	// FlowMeterAccuracy), so that the true flow is at least MinOilFlowLPM
	// when the meter reads high by all it may.
	FlowMeterAccuracy float64 `toml:"flow_meter_accuracy"`

	// The pumps as safety knows them: the flow each gives at full speed
	// when new (a meter reading more than its pump can give is not
	// believed), the power a feedback line reports at full speed
	// (PumpFeedbackFull, a fraction; it goes with the square of the speed),
	// and how long a pump takes to follow its command (PumpRespondS).
	OilPumpMaxLPM    units.LitrePerMin `toml:"oil_pump_max_lpm"`
	WaterPumpMaxLPM  units.LitrePerMin `toml:"water_pump_max_lpm"`
	PumpFeedbackFull units.Ratio       `toml:"pump_feedback_full"`
	PumpRespondS     float64           `toml:"pump_respond_s"`
	// PressureStuckS: a pressure reading that stays identical to the bit
	// this long is stuck (the transducer's ADC always moves by a count). A
	// flow meter is judged against its physics instead: a low, steady flow
	// may count the same pulses for minutes, but a reading that does not
	// move when its pump's speed or the oil's rise does is stuck.
	PressureStuckS float64 `toml:"pressure_stuck_s"`

	// A sample older than StaleS is stale. A measurement a trip hangs on may
	// be unknown for SensorLossS before the trip.
	StaleS      float64 `toml:"stale_s"`
	SensorLossS float64 `toml:"sensor_loss_s"`
	// DebounceS is how long a pressure or leak reading must persist.
	DebounceS float64 `toml:"debounce_s"`

	// Plausibility: a probe whose reading has not changed by one bit for
	// StuckS is stuck; a reading that moves faster than MaxRateKPerS from the
	// last believed one is a spike; the two oil-in probes may disagree by
	// DisagreeK for at most DisagreeS.
	StuckS       float64      `toml:"stuck_s"`
	MaxRateKPerS float64      `toml:"max_rate_k_per_s"`
	DisagreeK    units.Kelvin `toml:"disagree_k"`
	DisagreeS    float64      `toml:"disagree_s"`

	// ShedStepS is the interval between shedding steps while an
	// over-temperature warning persists; RestoreS is how long all warnings
	// must have been clear before a shed step is given back, one per RestoreS.
	ShedStepS float64 `toml:"shed_step_s"`
	RestoreS  float64 `toml:"restore_s"`

	// A module that runs above its command for ThrottleDeadlineS, is still
	// powered ShutdownDeadlineS after being told to shut down, or has not
	// answered for SilentS is cut on its own.
	ThrottleDeadlineS float64 `toml:"throttle_deadline_s"`
	ShutdownDeadlineS float64 `toml:"shutdown_deadline_s"`
	SilentS           float64 `toml:"silent_s"`

	// Thermal runaway (Klipper's verify_heater, turned round): cooling at its
	// maximum for RunawayS and oil into the modules still rising faster than
	// RunawayKPerMin over the last RunawayS trips before the hard limit.
	RunawayS       float64 `toml:"runaway_s"`
	RunawayKPerMin float64 `toml:"runaway_k_per_min"`

	// Energy balance: with more than BalanceMinW of compute (or of heat
	// carried), the heat the oil carries out of the modules (flow x cp x
	// delta-T) plus the heat stored in the modules' oil (ModuleOilL litres,
	// as the oil out rises) must match the modules' power within
	// BalanceTolerance (a fraction), each averaged over BalanceS (a time
	// constant), or a flow meter, a probe or a power report is lying. Heat
	// carried above the power (the flow is less than the meter says) trips
	// after BalanceHoldS; heat carried below it is an alarm.
	BalanceMinW      units.Watt `toml:"balance_min_w"`
	BalanceTolerance float64    `toml:"balance_tolerance"`
	BalanceS         float64    `toml:"balance_s"`
	BalanceHoldS     float64    `toml:"balance_hold_s"`
	ModuleOilL       float64    `toml:"module_oil_l"`

	// When the oil-in probes disagree, the oil in as the oil out and the
	// modules' heat imply it is the third witness: a probe it has shown
	// farther off for VoteS is voted out.
	VoteS float64 `toml:"vote_s"`

	// A channel with FlapCount faults within FlapWindowS is latched
	// degraded until an engineer's reset. FlapCount is a whole number.
	FlapCount   float64 `toml:"flap_count"`
	FlapWindowS float64 `toml:"flap_window_s"`

	// A module's agent may stay silent for BootGraceS after its relay
	// closes (its board boots), and not longer.
	BootGraceS float64 `toml:"boot_grace_s"`
	// Staggered start: the level of one module rises by one step at most
	// every StartStepS, so no step on the home's supply exceeds one module.
	StartStepS float64 `toml:"start_step_s"`

	// Start-up self-test: each pump must prove SelfTestFlowLPM within
	// SelfTestS of being started; the dump valve must move SelfTestValve
	// (a fraction of its travel) within SelfTestS.
	SelfTestS       float64           `toml:"self_test_s"`
	SelfTestFlowLPM units.LitrePerMin `toml:"self_test_flow_lpm"`
	SelfTestValve   units.Ratio       `toml:"self_test_valve"`
}

// DefaultConfig returns the reference limits of docs/domain.md.
func DefaultConfig() Config {
	return Config{
		OilIn:     TempLimit{WarnC: 52, TripC: 58, HystK: 2},
		OilOut:    TempLimit{WarnC: 65, TripC: 70, HystK: 2},
		WaterFlow: TempLimit{WarnC: 80, TripC: 90, HystK: 3},
		Tank:      TempLimit{WarnC: 75, TripC: 80, HystK: 3},
		Board:     TempLimit{WarnC: 75, TripC: 80, HystK: 3},

		PressureWarnLowBar: 0.8, PressureTripLowBar: 0.5,
		PressureWarnHighBar: 2.7, PressureTripHighBar: 2.9, PressureHystBar: 0.1,

		MinOilFlowLPM: 10, FlowProofS: 10, FlowMeterAccuracy: 0.05,
		OilPumpMaxLPM: 40, WaterPumpMaxLPM: 25, PumpFeedbackFull: 0.7, PumpRespondS: 10, PressureStuckS: 30,
		StaleS: 5, SensorLossS: 10, DebounceS: 2,
		StuckS: 600, MaxRateKPerS: 2, DisagreeK: 3, DisagreeS: 60,
		ShedStepS: 10, RestoreS: 120,

		ThrottleDeadlineS: 10, ShutdownDeadlineS: 35, SilentS: 10,
		RunawayS: 120, RunawayKPerMin: 0.3,
		BalanceMinW: 1000, BalanceTolerance: 0.3, BalanceS: 600, BalanceHoldS: 60, ModuleOilL: 120,
		VoteS: 60, FlapCount: 3, FlapWindowS: 600, BootGraceS: 45, StartStepS: 5,
		SelfTestS: 15, SelfTestFlowLPM: 5, SelfTestValve: 0.05,
	}
}
