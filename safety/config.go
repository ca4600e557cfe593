// Package safety is Hearth's independent protection layer. It reads the raw
// inputs itself, judges every sensor's plausibility, compares measurements
// with warn and trip limits, sheds compute, and latches trips whose safe state
// fits their cause. It runs after control on every tick and has the last word
// on every output: nothing in control, the console or configuration can
// override it.
//
// It must never import control, do I/O, read the wall clock, start goroutines
// or allocate on the tick.
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

// Config holds every limit and timing of the safety layer.
type Config struct {
	OilIn     TempLimit `toml:"oil_in"`
	OilOut    TempLimit `toml:"oil_out"`
	WaterFlow TempLimit `toml:"water_flow"`
	Tank      TempLimit `toml:"tank"`

	PressureWarnLowBar  units.Bar `toml:"pressure_warn_low_bar"`
	PressureTripLowBar  units.Bar `toml:"pressure_trip_low_bar"`
	PressureWarnHighBar units.Bar `toml:"pressure_warn_high_bar"`
	PressureTripHighBar units.Bar `toml:"pressure_trip_high_bar"`
	PressureHystBar     units.Bar `toml:"pressure_hyst_bar"`

	// MinOilFlowLPM is the flow every powered module needs; FlowProofS is how
	// long a powered module may go without it before the trip.
	MinOilFlowLPM units.LitrePerMin `toml:"min_oil_flow_lpm"`
	FlowProofS    float64           `toml:"flow_proof_s"`

	// A sample older than StaleS is stale. A measurement a trip hangs on may
	// be unknown for SensorLossS before the trip.
	StaleS      float64 `toml:"stale_s"`
	SensorLossS float64 `toml:"sensor_loss_s"`
	// DebounceS is how long a pressure or leak reading must persist.
	DebounceS float64 `toml:"debounce_s"`

	// ShedStepS is the interval between shedding steps while a warning
	// persists; RestoreS is how long all warnings must have been clear before
	// a shed level is restored, one step per RestoreS.
	ShedStepS float64 `toml:"shed_step_s"`
	RestoreS  float64 `toml:"restore_s"`
}

// DefaultConfig returns the reference limits of DOMAIN.md.
func DefaultConfig() Config {
	return Config{
		OilIn:     TempLimit{WarnC: 52, TripC: 58, HystK: 2},
		OilOut:    TempLimit{WarnC: 65, TripC: 70, HystK: 2},
		WaterFlow: TempLimit{WarnC: 80, TripC: 90, HystK: 3},
		Tank:      TempLimit{WarnC: 75, TripC: 80, HystK: 3},

		PressureWarnLowBar: 0.8, PressureTripLowBar: 0.5,
		PressureWarnHighBar: 2.7, PressureTripHighBar: 2.9, PressureHystBar: 0.1,

		MinOilFlowLPM: 10, FlowProofS: 10,
		StaleS: 5, SensorLossS: 10, DebounceS: 2,
		ShedStepS: 30, RestoreS: 300,
	}
}
