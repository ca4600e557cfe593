package control

import (
	"hearth/pid"
	"hearth/units"
)

// Config holds control's targets and gains.
type Config struct {
	OilCeilingC units.Celsius `toml:"oil_ceiling_c"` // oil into the modules, at or below
	OilOutMaxC  units.Celsius `toml:"oil_out_max_c"` // oil out of the modules, at or below
	// The dump's fan (and valve, where the house or tank does not set it)
	// holds the oil DumpMarginK under the ceiling. Charging the tank in the
	// heating season with the house wanting heat, the tank's share is cut
	// once the oil passes TankMarginK under the ceiling, so the radiators
	// take the rest before the dump does and the oil moves little between
	// charging and heating. The oil's loops read it through a first-order
	// filter of OilFilterS, so the probes' noise does not reach the fan.
	DumpMarginK units.Kelvin `toml:"dump_margin_k"`
	OilFilterS  float64      `toml:"oil_filter_s"`
	TankMarginK units.Kelvin `toml:"tank_margin_k"`

	// The house takes heat while its air is below IndoorMaxC (with
	// IndoorHystK), and is never heated in the heating-off season: when the
	// day's mean outside temperature is at or above HeatingCutoffC.
	IndoorMaxC   units.Celsius `toml:"indoor_max_c"`
	IndoorFloorC units.Celsius `toml:"indoor_floor_c"`
	// Charging the tank with priority, the radiators get a share growing
	// from nothing at IndoorFloorC + IndoorFloorBandK to a quarter at
	// IndoorFloorC, so the tank never chills the house.
	IndoorFloorBandK units.Kelvin  `toml:"indoor_floor_band_k"`
	IndoorHystK      units.Kelvin  `toml:"indoor_hyst_k"`
	HeatingCutoffC   units.Celsius `toml:"heating_cutoff_c"`

	TankTargetC units.Celsius `toml:"tank_target_c"`
	TankHystK   units.Kelvin  `toml:"tank_hyst_k"`

	// Weekly anti-legionella hold: from LegionellaAt (local time since
	// Monday 00:00) the tank is brought to LegionellaC, by compute heat as
	// far as it goes and then by the immersion heater, and held for
	// LegionellaHoldS.
	LegionellaAt    units.Duration `toml:"legionella_at"`
	LegionellaC     units.Celsius  `toml:"legionella_c"`
	LegionellaHoldS float64        `toml:"legionella_hold_s"`

	// Timed boosts for the draws that must peak hot (EN 16147 dishwashing:
	// Tp 55 C, above what compute heat under the oil ceiling reaches): from
	// BoostLeadS before each of BoostAAt and BoostBAt (local time of day)
	// until BoostAfterS past it, the immersion heater lifts the tank's top
	// probe to BoostC, and no further. The tank's top (boost) element heats
	// only the top of the tank. BoostLeadS 0: no boosts.
	BoostAAt    units.Duration `toml:"boost_a_at"`
	BoostBAt    units.Duration `toml:"boost_b_at"`
	BoostC      units.Celsius  `toml:"boost_c"`
	BoostLeadS  float64        `toml:"boost_lead_s"`
	BoostAfterS float64        `toml:"boost_after_s"`

	// Weekly exercise in the heating-off season: from ExerciseAt (local
	// time since Monday 00:00) for ExerciseS, both pumps run and each valve
	// strokes end to end and back, so nothing seizes over a summer.
	ExerciseAt units.Duration `toml:"exercise_at"`
	ExerciseS  float64        `toml:"exercise_s"`

	// Weather curve: flow temperature CurveFlowAC at outside CurveOutAC,
	// CurveFlowBC at CurveOutBC.
	CurveOutAC  units.Celsius `toml:"curve_out_a_c"`
	CurveFlowAC units.Celsius `toml:"curve_flow_a_c"`
	CurveOutBC  units.Celsius `toml:"curve_out_b_c"`
	CurveFlowBC units.Celsius `toml:"curve_flow_b_c"`

	// Oil pump: flow by heat. The oil is to rise OilRiseK across the
	// modules at their measured power (less where that would take it past
	// OilOutMaxC), never with less than OilFlowMinLPM
	// while a module is powered (safety's minimum plus a margin for the
	// meter and the pump's response). A slow, hot oil flow lets the
	// counter-flow exchanger hand the water the oil's heat at its highest
	// temperature: what charges the tank to target under the oil ceiling
	// and what the dump rejects most at in a heatwave. OilPumpMaxLPM and
	// WaterPumpMaxLPM are the pumps' flows at full speed, for the
	// feed-forward; a PI on each flow meter trims it, so a worn pump still
	// gives the flow. With its meter unknown the oil pump runs at no less
	// than OilPumpSpeed, a speed that proves the modules' flow on a new pump.
	// OilRiseK is 6 K, not the 12 K the 60 C outlet limit would allow: the
	// modules' own oil stores the rise, and were the dump lost at once that
	// heat alone would lift the oil into the modules past its warn limit.
	OilRiseK units.Kelvin `toml:"oil_rise_k"`
	// OilRiseHeatingK is the rise while the house is short of heat in the
	// heating season (oilRise says when): a hotter outlet hands the radiators hotter water, and
	// an EN 442 stock gives its heat by the power 1.3 of its excess (on a
	// design day it is what the home's own heater need not give). The
	// dump then stands idle, in reserve: were the house's heat lost at once
	// it takes it; were every sink lost, the modules' 120 L (mixed at their
	// outlet's temperature) flush into the 170 L circuit and lift the oil
	// into them by the rise x 120/170: 6.8 K at 9.7 K, from 46.7 C to 53.4 C
	// on the design day, past the 52 C warn limit and under the 58 C trip
	// (hil's TestHeatingRiseAllSinksLost).
	OilRiseHeatingK units.Kelvin      `toml:"oil_rise_heating_k"`
	OilFlowMinLPM   units.LitrePerMin `toml:"oil_flow_min_lpm"`
	OilPumpMaxLPM   units.LitrePerMin `toml:"oil_pump_max_lpm"`
	WaterPumpMaxLPM units.LitrePerMin `toml:"water_pump_max_lpm"`
	OilPumpSpeed    units.Ratio       `toml:"oil_pump_speed"`
	OilFlowGains    pid.Config        `toml:"oil_flow"`
	// Outside space heating the water flow is matched to the oil's: its
	// heat-capacity rate WaterMatch times the oil's, so that the water
	// leaves the exchanger near the oil's hottest temperature. WaterFlowGains
	// trims the water pump on its meter.
	WaterMatch     float64     `toml:"water_match"`
	WaterFlowGains pid.Config  `toml:"water_flow"`
	WaterPumpMin   units.Ratio `toml:"water_pump_min"`
	WaterPumpGains pid.Config  `toml:"water_pump"`
	DumpGains      pid.Config  `toml:"dump"`
	TankGains      pid.Config  `toml:"tank"`
	HouseGains     pid.Config  `toml:"house"`

	// In the heating season the tank charges with priority until its lower
	// layer reaches its goal, or until it is within CoilApproachK of the
	// water's supply temperature (the coil can lift it no further; judged
	// after ChargeSettleS of charging), and starts again TankHystK under
	// that. Out of the heating season all the heat is surplus: TankTempGains
	// (a PI on the mean of the tank's two layers) sets the tank's share of
	// the water continuously, holding the tank at its goal, and the dump
	// takes the rest. When the oil passes the ceiling less TankCutMarginK
	// (the fan at full by then), a PI on the oil (TankCutGains) cuts the
	// tank's share so the dump gets the water; but a tank below its target
	// less TankHystK keeps its share, for hot water comes first.
	TankCutMarginK units.Kelvin `toml:"tank_cut_margin_k"`
	TankCutGains   pid.Config   `toml:"tank_cut"`
	CoilApproachK  units.Kelvin `toml:"coil_approach_k"`
	// TankDumpSplit: charging the tank in the heating season, the dump
	// loop's output is split in range. Its first TankDumpSplit opens the
	// tank's share up to what the floor rule allows (the heat the dump
	// would throw away goes to the tank first); only the rest opens the
	// dump's valve and fan.
	TankDumpSplit units.Ratio `toml:"tank_dump_split"`
	ChargeSettleS float64     `toml:"charge_settle_s"`
	TankTempGains pid.Config  `toml:"tank_temp"`

	// Compute load management. While the dump is at its maximum, a PI
	// (LoadGains, on the oil into the modules through a LoadFilterS filter)
	// sets the allowed compute power, as a share of the hub's full power,
	// to hold the oil at the ceiling less LoadMarginK; while the dump has
	// room the PI only ever raises it. Faster: with the dump at its maximum
	// and the oil above the ceiling less ShedMarginK and still rising (or
	// ShedAlwaysK above that), the allowance falls by ShedWPerKS per kelvin
	// of excess and second. With the oil below the ceiling less
	// RestoreMarginK it rises by at least RestoreWPerS. The allowance is
	// mapped onto module levels in priority order; levels follow at once
	// downwards once the allowance is LevelHystW below what runs, and
	// upwards at most every DwellS.
	ModuleIdleW    units.Watt   `toml:"module_idle_w"`
	ModuleFullW    units.Watt   `toml:"module_full_w"`
	LoadGains      pid.Config   `toml:"load"`
	LoadMarginK    units.Kelvin `toml:"load_margin_k"`
	LoadFilterS    float64      `toml:"load_filter_s"`
	ShedMarginK    units.Kelvin `toml:"shed_margin_k"`
	RestoreMarginK units.Kelvin `toml:"restore_margin_k"`
	ShedWPerKS     float64      `toml:"shed_w_per_k_s"`
	ShedAlwaysK    units.Kelvin `toml:"shed_always_k"`
	RestoreWPerS   float64      `toml:"restore_w_per_s"`
	LevelHystW     units.Watt   `toml:"level_hyst_w"`
	DwellS         float64      `toml:"dwell_s"`

	// Bad samples (control/inputs.go; docs/control.md, "Bad samples"): a
	// sample taken more than StaleS from now is not believed. A temperature
	// with no good sample keeps its last good value for HoldS, then takes
	// its fallback; the oil into the modules, with no probe left, is then
	// taken at the ceiling plus OilUnknownK, so the dump cools hardest.
	StaleS      float64      `toml:"stale_s"`
	HoldS       float64      `toml:"hold_s"`
	OilUnknownK units.Kelvin `toml:"oil_unknown_k"`
}

// DefaultConfig returns the reference targets of docs/domain.md and gains for the
// reference plant.
func DefaultConfig() Config {
	return Config{
		OilCeilingC: 48, OilOutMaxC: 60, DumpMarginK: 1.5, OilFilterS: 10, TankMarginK: 5,
		IndoorMaxC: 22, IndoorFloorC: 19.8, IndoorFloorBandK: 0.5, IndoorHystK: 0.1, HeatingCutoffC: 16,
		TankTargetC: 48, TankHystK: 4,
		LegionellaAt: 0, LegionellaC: 60, LegionellaHoldS: 3600,
		// Profile M's dishwashing draws (12:45 and 20:30), 1 K over their
		// 55 C peak for the probe.
		BoostAAt: 12*units.Hour + 45*units.Minute, BoostBAt: 20*units.Hour + 30*units.Minute,
		BoostC: 56, BoostLeadS: 1200, BoostAfterS: 600, TankDumpSplit: 0.25,
		ExerciseAt: 6*24*units.Hour + 3*units.Hour, ExerciseS: 240, // Sunday 03:00, two 90 s strokes
		CurveOutAC: 4, CurveFlowAC: 48.5, CurveOutBC: 16, CurveFlowBC: 28.5,
		OilRiseK: 6, OilRiseHeatingK: 10, OilFlowMinLPM: 11, OilPumpMaxLPM: 40, WaterPumpMaxLPM: 25, OilPumpSpeed: 0.75,
		// Pumps on their flow meters, around the feed-forward (ratio per L/min).
		OilFlowGains:   pid.Config{Kp: 0.005, Ki: 0.001, SetpointWeight: 1, OutMin: 0, OutMax: 1},
		WaterMatch:     1,
		WaterFlowGains: pid.Config{Kp: 0.005, Ki: 0.001, SetpointWeight: 1, OutMin: 0, OutMax: 1},
		WaterPumpMin:   0.25,
		// Water pump on flow temperature: more flow, cooler water (reverse).
		WaterPumpGains: pid.Config{Kp: 0.05, Ki: 0.002, SetpointWeight: 1, OutMin: 0.25, OutMax: 1, Reverse: true},
		// Dump fan (and valve) on oil into the modules: hotter oil, more
		// dump (reverse). The integral time (300 s) is the slow oil flows'.
		DumpGains: pid.Config{Kp: 0.3, Ki: 0.001, SetpointWeight: 1, OutMin: 0, OutMax: 1, Reverse: true},
		// Tank share on oil into the modules: hotter oil, less to the tank.
		TankGains: pid.Config{Kp: 0.15, Ki: 0.002, SetpointWeight: 1, OutMin: 0, OutMax: 1},
		// Radiators' share on indoor air: colder room, more share (direct).
		HouseGains: pid.Config{Kp: 1.0, Ki: 0.0005, SetpointWeight: 1, OutMin: 0, OutMax: 1},

		// The cut is a limiter: from no cut to most of the share within a
		// kelvin.
		TankCutGains:   pid.Config{Kp: 1.0, Ki: 0.004, SetpointWeight: 1, OutMin: 0, OutMax: 1},
		TankCutMarginK: 1, CoilApproachK: 1, ChargeSettleS: 600,
		// Tank's share of the water on the tank's mean temperature (direct):
		// 0.2 per K, and an integral time of ~3 h against the tank's own
		// integrating response (836 kJ/K).
		TankTempGains: pid.Config{Kp: 0.2, Ki: 0.00002, SetpointWeight: 1, OutMin: 0, OutMax: 1},

		ModuleIdleW: 192, ModuleFullW: 448,
		// Allowed share of full compute on the oil: hotter oil, less compute
		// (direct): 287 W/K and a 33-minute integral time, the integral time
		// the oil's own with the dump at its maximum in a heatwave (~30 min
		// at ~0.007 K/W), the gain picked on the heatwave day against the
		// bench's capacity bound (docs/control.md).
		LoadGains:   pid.Config{Kp: 0.08, Ki: 0.00004, SetpointWeight: 1, OutMin: 0, OutMax: 1},
		LoadMarginK: 0.5, LoadFilterS: 60,
		ShedMarginK: 0, RestoreMarginK: 2.5, ShedWPerKS: 10, ShedAlwaysK: 1, RestoreWPerS: 0.3, LevelHystW: 40, DwellS: 600,

		StaleS: 5, HoldS: 30, OilUnknownK: 2,
	}
}

// OilFlowFor returns the oil flow control asks for with the modules drawing
// powerW and the oil coming into them at oilInC: the flow that lets the oil
// rise OilRiseK across them, or less where that would take it past
// OilOutMaxC, at least OilFlowMinLPM, at most the pump's.
func (c *Config) OilFlowFor(powerW units.Watt, oilInC units.Celsius) units.LitrePerMin {
	return c.OilFlowForRise(powerW, oilInC, c.OilRiseK)
}

// OilFlowForRise is OilFlowFor with the rise given.
func (c *Config) OilFlowForRise(powerW units.Watt, oilInC units.Celsius, riseK units.Kelvin) units.LitrePerMin {
	// At least half a kelvin of rise: an oil already at the outlet limit is
	// for the pump's maximum, not for a division by nothing.
	rise := max(min(riseK, units.Kelvin(c.OilOutMaxC-oilInC)), 0.5)
	f := units.LitrePerMin(float64(powerW) / (float64(units.OilRate(1)) * float64(rise)))
	return min(max(f, c.OilFlowMinLPM), c.OilPumpMaxLPM)
}

// MatchedWaterFlow returns the water flow whose heat-capacity rate is
// WaterMatch times that of an oil flow of oilLPM, within the water pump's
// range (at least WaterPumpMin of it).
func (c *Config) MatchedWaterFlow(oilLPM units.LitrePerMin) units.LitrePerMin {
	f := units.LitrePerMin(c.WaterMatch * float64(units.OilRate(oilLPM)/units.WaterRate(1)))
	return min(max(f, units.LitrePerMin(c.WaterPumpMin)*c.WaterPumpMaxLPM), c.WaterPumpMaxLPM)
}

// WeatherCurve returns the flow temperature the radiators want at outside
// temperature out, held within the curve's end points.
func (c *Config) WeatherCurve(out units.Celsius) units.Celsius {
	x := (out - c.CurveOutAC) / (c.CurveOutBC - c.CurveOutAC)
	x = min(max(x, 0), 1)
	return c.CurveFlowAC + x*(c.CurveFlowBC-c.CurveFlowAC)
}
