// Package control decides where the compute heat goes and how hard pumps,
// valves and fan work: the tank first while it is below target, the radiators
// next while the house wants heat, the dump cooler last. Oil into the modules
// is held at or below its ceiling by choosing sinks and flows; compute is
// throttled only when heat cannot be rejected, and restored as capacity
// returns.
//
// Control states wishes; the safety layer, which runs after it, has the last
// word. Control must never import safety, do I/O, read the wall clock or
// allocate on the tick.
package control

import (
	"hearth/hal"
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

// Advice is what the safety layer asks of control (from the previous tick).
type Advice struct {
	CoolHarder bool
	Cap        [hal.MaxModules]hal.Level // per module
	// Untrusted has a bit per hal.Channel that safety does not believe (a
	// probe voted out, a stuck meter): control must not use it either.
	Untrusted uint32
}

// Controller is the control layer's state.
type Controller struct {
	cfg       Config
	water     pid.Controller // water pump on the weather curve
	waterFlow pid.Controller // water pump on its meter, matched to the oil
	oilFlow   pid.Controller // oil pump on its meter
	dump      pid.Controller
	tank      pid.Controller // tank's share on the oil, in the heating season
	tankTemp  pid.Controller // tank's share on its temperature, out of the heating season
	tankCut   pid.Controller // the cut of that share on the oil
	house     pid.Controller
	load      pid.Controller

	heatWant, tankWant bool
	// rise is the oil's rise across the modules the oil pump aims at now,
	// slewed between OilRiseK and OilRiseHeatingK; houseShare the
	// radiators' share this tick.
	rise                units.Kelvin
	houseShare          units.Ratio
	houseSets, tankSets bool // the radiators' or the tank's share set the dump valve this tick
	oilFlowOn           bool // the oil pump's flow loop ran last tick

	// What control believes of its inputs (inputs.go).
	x       view
	probes  [hal.NumTemps]probe
	stale   units.Duration            // StaleS
	applied [hal.MaxModules]hal.Level // the levels last applied, for a silent module's power
	startAt units.Time                // the first step
	oilIn   units.Celsius             // the oil into the modules, last value
	oilAt   units.Time                // when oilIn was last measured
	oilSeen bool                      // the oil has been measured since start

	// Filtered values.
	indoor          units.Celsius // the room through a 5-minute filter
	oilSlow         units.Celsius // the oil through LoadFilterS, for load management
	oilFast, oilMid units.Celsius // the oil through 20 s and 120 s filters: is it rising?
	oilLoop         units.Celsius // the oil through OilFilterS, for the dump's loop
	oilInit         bool          // the oil's filters are started
	outdoorMean     units.Celsius // slow mean of the outside temperature
	outdoorSeen     bool
	indoorSeen      bool
	last            units.Time
	init            bool

	// Tank charging.
	coilSince     units.Time    // since when the fed tank has been within the coil's approach of the supply
	coilReach     units.Celsius // how far the coil got when it last could lift the tank no further
	tankGoal      units.Celsius // the goal coilReach belongs to
	tankTempShare units.Ratio   // the tank's share out of the heating season, last tick

	// Load management.
	allowedW units.Watt
	mappedW  units.Watt // allowance the wanted levels were mapped from
	mapped   bool
	want     [hal.MaxModules]hal.Level
	levels   [hal.MaxModules]hal.Level
	levelsAt units.Time

	// Anti-legionella.
	legioWeek  int64 // week of the last completed hold
	legioHeld  float64
	legioOn    bool
	immersion  bool
	legioDone  bool
	lastWeekAt units.Duration
	boosting   bool // a timed boost heats the tank's top

	// The dump loop's output this tick and the fan control wished with it
	// (they differ where the output is split with the tank's share).
	dumpU, fanWish units.Ratio

	// Loops an outside driver drives in place of their PIDs (drive.go),
	// and which were driven on the last step.
	drivers [numLoops]Driver
	driven  [numLoops]bool
}

// New returns a controller; it fails when a loop's gains are invalid.
func New(cfg Config) (*Controller, error) {
	c := &Controller{cfg: cfg}
	for _, l := range []struct {
		p *pid.Controller
		g pid.Config
	}{{&c.water, cfg.WaterPumpGains}, {&c.waterFlow, cfg.WaterFlowGains}, {&c.oilFlow, cfg.OilFlowGains},
		{&c.dump, cfg.DumpGains}, {&c.tank, cfg.TankGains}, {&c.tankTemp, cfg.TankTempGains}, {&c.tankCut, cfg.TankCutGains}, {&c.house, cfg.HouseGains}, {&c.load, cfg.LoadGains}} {
		if err := l.p.Configure(l.g); err != nil {
			return nil, err
		}
	}
	if !(cfg.OilPumpMaxLPM > 0) || !(cfg.WaterPumpMaxLPM > 0) {
		return nil, errPumpMax
	}
	if !(cfg.StaleS > 0 && cfg.StaleS < 3600) || !(cfg.HoldS >= 0 && cfg.HoldS < 3600) || !(cfg.OilUnknownK >= 0 && cfg.OilUnknownK < 50) {
		return nil, errBadSamples
	}
	c.stale = units.DurationOf(cfg.StaleS)
	// Until the first good samples: the room at its floor (the radiators
	// take their share on the weather curve, and the tank cannot starve
	// the house), and the heating-off season.
	c.indoor = cfg.IndoorFloorC
	c.outdoorMean = cfg.HeatingCutoffC
	c.load.Track(1) // full compute until the heat says otherwise
	return c, nil
}

type configError string

func (e configError) Error() string { return string(e) }

const (
	errPumpMax    = configError("control: oil_pump_max_lpm and water_pump_max_lpm must be above 0")
	errBadSamples = configError("control: stale_s must be in (0, 3600) s, hold_s in [0, 3600) s and oil_unknown_k in [0, 50) K")
)

// Config returns the controller's configuration.
func (c *Controller) Config() *Config { return &c.cfg }

// AllowedW returns the compute power load management allows now.
func (c *Controller) AllowedW() units.Watt { return c.allowedW }

// Step computes control's wish for every output. It is a router over the
// named steps, in order: read the inputs (judged, with their fallbacks),
// the season and the house, the tank, the oil's loops, the valves and the
// water pump, the weekly exercise, and load management with the oil pump.
func (c *Controller) Step(in *hal.Inputs, adv Advice, out *hal.Outputs) {
	*out = hal.Outputs{}
	c.readInputs(in, adv)
	houseShare := c.houseStep()
	c.houseShare = houseShare
	goal, season := c.tankStep(in, out)
	l := c.oilLoops(goal)
	c.routeHeat(houseShare, season, l, out)
	c.exercise(in, out)
	c.loadStep(in, adv, l.dump, out)
}

// hold keeps a loop at its last output while its measurement is lost, and
// hands it back when the measurement returns: the next update then moves
// from the held output by one update's worth of control action.
func hold(p *pid.Controller, lost bool) {
	switch {
	case lost && !p.Manual():
		p.SetManual(p.Output())
	case !lost && p.Manual():
		p.SetAuto()
	}
}

// houseStep returns the radiators' share and keeps the house's call for
// heat. The house takes heat continuously: a PI on the indoor air sets the
// radiators' share of the heat (the rest goes on to the dump), so the house
// never short-cycles between all and nothing. No space heating in the
// heating-off season, decided on the day's mean outside temperature.
func (c *Controller) houseStep() units.Ratio {
	cfg, x := &c.cfg, &c.x
	hold(&c.house, x.indoorLost)
	houseShare := units.Ratio(c.house.Update(float64(cfg.IndoorMaxC-units.Celsius(cfg.IndoorHystK)), float64(c.indoor), 0, x.now))
	if c.outdoorMean >= cfg.HeatingCutoffC {
		houseShare = 0
	}
	// The house wants heat once its share passes 5 %, and until it falls
	// under 1 %: a house content near its setpoint asks for a trickle that
	// would otherwise flip the tank's charging between modes every minute.
	switch {
	case houseShare > 0.05:
		c.heatWant = true
	case houseShare < 0.01:
		c.heatWant = false
	}
	return houseShare
}

// tankStep returns the tank's goal (the weekly anti-legionella hold's, or
// its target) and whether it is the heating season; in the heating season
// it decides whether the tank charges. It sets the immersion heater.
func (c *Controller) tankStep(in *hal.Inputs, out *hal.Outputs) (goal units.Celsius, season bool) {
	cfg, x := &c.cfg, &c.x
	if x.first {
		c.tankWant = x.bottom < cfg.TankTargetC-units.Celsius(cfg.TankHystK)
	}
	goal = cfg.TankTargetC
	if c.legionella(in, x.dt) {
		goal = cfg.LegionellaC
	} else {
		c.immersion = c.boost(in)
	}
	if x.tankLost {
		// Neither layer known: the tank is taken at its goal, so that no
		// charging is forced and the tank's loop sees no error.
		x.top, x.bottom = goal, goal
	}
	season = c.outdoorMean < cfg.HeatingCutoffC
	// Is the coil still lifting the tank? Judged while it is fed: charging
	// in the heating season, asking for half the water or more out of it.
	c.coilCheck(goal, x.bottom, x.supply, season && c.tankWant || !season && c.tankTempShare >= 0.5, x.now)
	if season {
		c.chargeTank(goal, x.bottom, x.supply)
	} else {
		c.tankWant = false
	}
	out.Immersion = c.immersion
	return goal, season
}

// loops are the outputs of the loops on the oil and on the tank this tick.
type loops struct {
	dump          units.Ratio // the dump's fan (and valve where nothing else sets it)
	tankShare     units.Ratio // the tank's share, heating season, on the oil
	tankTempShare units.Ratio // the tank's share out of the heating season, on its temperature
	tankCut       units.Ratio // the limit on that share, on the oil
}

// oilLoops runs the loops on the oil into the modules and the tank's loop
// on the mean of its layers. The oil's loops act on the oil through
// OilFilterS: the probes' last bit of noise would otherwise reach the fan.
// At start-up, until the first oil value, they wait at their outputs.
func (c *Controller) oilLoops(goal units.Celsius) loops {
	cfg, x := &c.cfg, &c.x
	var l loops
	hold(&c.tankTemp, x.tankLost)
	// A top boosted past the goal (the timed boosts, by the immersion
	// heater) counts at the goal: compute heat keeps charging below it.
	l.tankTempShare = units.Ratio(c.tankTemp.Update(float64(goal), float64((min(x.top, goal)+x.bottom)/2), 0, x.now))
	c.tankTempShare = l.tankTempShare
	if x.oilWait {
		l.dump, l.tankShare, l.tankCut = units.Ratio(c.dump.Output()), units.Ratio(c.tank.Output()), units.Ratio(c.tankCut.Output())
	} else {
		if !c.oilInit {
			c.oilSlow, c.oilFast, c.oilMid, c.oilLoop, c.oilInit = x.oil, x.oil, x.oil, x.oil, true
		}
		c.oilLoop += (x.oil - c.oilLoop) * units.Celsius(min(x.dt/max(cfg.OilFilterS, 1e-3), 1))
		l.dump = units.Ratio(c.update(LoopDump, &c.dump, float64(cfg.OilCeilingC-units.Celsius(cfg.DumpMarginK)), float64(c.oilLoop), x.now))
		l.tankShare = units.Ratio(c.update(LoopTank, &c.tank, float64(cfg.OilCeilingC-units.Celsius(cfg.TankMarginK)), float64(c.oilLoop), x.now))
		l.tankCut = units.Ratio(c.tankCut.Update(float64(cfg.OilCeilingC-units.Celsius(cfg.TankCutMarginK)), float64(c.oilLoop), 0, x.now))
	}
	if x.bottom < cfg.TankTargetC-units.Celsius(cfg.TankHystK) {
		// Hot water comes first: a tank this low keeps its share, and if
		// the oil cannot take that, compute gives way (load management).
		l.tankCut = 1
	}
	return l
}

// routeHeat sets the valves, the fan and the water pump: the tank first
// while it charges, the house next, the dump last.
func (c *Controller) routeHeat(houseShare units.Ratio, season bool, l loops, out *hal.Outputs) {
	cfg, x := &c.cfg, &c.x
	hold(&c.water, x.supplyLost)
	curvePump := units.Ratio(c.update(LoopWaterPump, &c.water, float64(cfg.WeatherCurve(x.outdoor)), float64(x.supply), x.now))
	// Charging the tank and out of the heating season, the water follows
	// the oil's heat-capacity rate: the hottest supply the oil can give.
	pump := c.matchedWaterPump()

	c.houseSets, c.tankSets = false, false
	fan := l.dump
	switch {
	case !season:
		// All the heat is surplus: the tank takes the share that holds it
		// at its goal (the tank valve stays open, so only the dump valve
		// moves), the dump the rest, its fan on the dump's loop; the
		// tank's share is cut when the oil nears the ceiling, unless the
		// tank is low.
		out.Valve[hal.ValveTank] = 1
		out.Valve[hal.ValveDump] = 1 - min(l.tankTempShare, l.tankCut)
		c.tankSets = true
	case c.tankWant && c.heatWant:
		// Tank first, but never at the price of a cold house: below
		// IndoorFloorC + IndoorFloorBandK the radiators get a growing share.
		// Heat the dump would throw away goes to the tank first.
		floor := units.Ratio((c.indoor - cfg.IndoorFloorC) / units.Celsius(max(cfg.IndoorFloorBandK, 0.01)))
		lim := min(max(floor, 0.25), 1)
		out.Valve[hal.ValveTank], out.Valve[hal.ValveDump] = c.splitDump(l.dump, min(l.tankShare, lim), lim)
		fan = out.Valve[hal.ValveDump]
		if out.Valve[hal.ValveTank] < 0.05 {
			// The tank takes nothing yet (no heat to spare for it): the
			// radiators have the water, on the weather curve, not the
			// tank's matched flow.
			pump = curvePump
		}
	case c.tankWant:
		// The tank takes all the water; the dump only what the oil needs
		// past the first TankDumpSplit of the dump loop's output.
		out.Valve[hal.ValveTank], out.Valve[hal.ValveDump] = c.splitDump(l.dump, 1, 1)
		fan = out.Valve[hal.ValveDump]
	default:
		// The house's PI sets the radiators' share; what the house does
		// not take goes through the dump, whose fan holds the oil. With the
		// house content its share falls to nothing and all the water goes
		// through the dump: one law either way, so the valve does not jump
		// when the house's call for heat comes and goes.
		out.Valve[hal.ValveTank] = 0
		out.Valve[hal.ValveDump] = max(l.dump, 1-houseShare)
		pump = curvePump
		c.houseSets = true
	}
	out.Fan = fan
	c.dumpU, c.fanWish = l.dump, fan
	out.Pump[hal.PumpWater] = max(pump, cfg.WaterPumpMin)
}

// splitDump splits the dump loop's output u in range while the tank
// charges in the heating season: its first part takes the tank's share
// from base up to lim (the dump's valve shut: never dump heat the tank
// could take), the rest opens the dump's valve (and fan) from nothing to
// all. It returns the tank's and the dump's valve positions.
//
// The first part is TankDumpSplit of the range while at least a quarter of
// the tank's share is left to open, and shrinks to nothing with the last
// quarter: a share at its limit leaves the dump the whole range. A fixed
// part was a dead band there (the share all but full, the first
// TankDumpSplit moved nothing): the oil climbed TankDumpSplit/Kp, 0.8 K,
// past the dump's set point before the dump's valve moved, and at the
// legionella hold's start, which takes the radiators' 3 kW away within two
// minutes, reached 48.004 C against its 48 C ceiling.
func (c *Controller) splitDump(u, base, lim units.Ratio) (tank, dump units.Ratio) {
	s := min(max(c.cfg.TankDumpSplit, 0.01), 0.99)
	if lim > 0 {
		s *= min(1, 4*max(lim-base, 0)/lim)
	} else {
		s = 0
	}
	if s < 1e-6 {
		return lim, u
	}
	if u <= s {
		return base + (lim-base)*u/s, 0
	}
	return lim, (u - s) / (1 - s)
}

// loadStep sets the modules' levels (load management within safety's caps)
// and the oil pump, which runs whenever a module is wished powered or the
// oil is near the dump's setpoint. At start-up, until the first oil value,
// the levels are mapped but nothing is wished powered.
func (c *Controller) loadStep(in *hal.Inputs, adv Advice, dump units.Ratio, out *hal.Outputs) {
	cfg, x := &c.cfg, &c.x
	top := hal.Level100
	if x.oilWait {
		top = hal.LevelOff
		if !c.levelsSet() {
			c.want = c.mapLevels(x.n, c.allowedW)
			c.mappedW, c.mapped = c.allowedW, true
			c.levels, c.levelsAt = c.want, x.now
		}
	} else {
		c.manageLoad(x.n, x.oil, x.now, x.dt, dump >= 0.98)
	}
	anyOn := false
	for i := 0; i < x.n; i++ {
		l := min(in.Demand[i], adv.Cap[i], c.levels[i], top)
		out.Module[i] = l
		// A module with its relay closed may be running, whatever it was
		// told: it needs oil flow (safety counts it as powered too).
		if _, on := l.Fraction(); on || in.Module[i].Relay {
			anyOn = true
		}
	}
	if anyOn || x.oil > cfg.OilCeilingC-units.Celsius(cfg.DumpMarginK) {
		out.Pump[hal.PumpOil] = max(out.Pump[hal.PumpOil], c.oilPump(dump))
	} else {
		c.oilFlowOn = false
	}
}

// oilPump returns the oil pump's speed: the flow that lets the oil rise
// across the modules at their measured power (oilRise), at least
// OilFlowMinLPM, held on the meter; full speed whenever the meter shows
// less than the minimum.
// RiseSlewKPerS is how fast the oil's aimed rise moves between OilRiseK
// and OilRiseHeatingK: 1 K a minute, so that the modules' stored heat
// comes out of them slowly when the rise falls (a step would flush it
// into the modules' inlet at once).
const RiseSlewKPerS = 1.0 / 60

// oilRise is the rise the oil pump aims at: OilRiseHeatingK while the
// house is short of heat (heating season, its call for heat on, its share
// of the water all but full, and still under IndoorFloorC: the days the
// home's own heater helps) and the dump is idle, in reserve;
// OilRiseK otherwise (the dump at work, or a sink short: the rise is the
// heat the modules store). It moves by RiseSlewKPerS.
func (c *Controller) oilRise(dump units.Ratio) units.Kelvin {
	cfg, x := &c.cfg, &c.x
	want := cfg.OilRiseK
	if c.heatWant && c.outdoorMean < cfg.HeatingCutoffC && c.houseShare >= 0.95 && dump <= 0.05 && c.indoor < cfg.IndoorFloorC {
		want = cfg.OilRiseHeatingK
	}
	if c.rise == 0 {
		c.rise = cfg.OilRiseK
	}
	step := units.Kelvin(RiseSlewKPerS * x.dt)
	c.rise += max(min(want-c.rise, step), -step)
	return c.rise
}

func (c *Controller) oilPump(dump units.Ratio) units.Ratio {
	cfg, x := &c.cfg, &c.x
	target := cfg.OilFlowForRise(x.powerW, x.oil, c.oilRise(dump))
	ff := float64(target / cfg.OilPumpMaxLPM)
	if !c.oilFlowOn {
		// Starting: from the feed-forward, not from standstill.
		c.oilFlow.Reset(ff)
		c.oilFlowOn = true
	}
	if !x.oilLPMOK {
		// No meter: no trim, and a speed that proves the flow on a new pump.
		c.oilFlow.Track(max(ff, float64(cfg.OilPumpSpeed)))
		return max(units.Ratio(ff), cfg.OilPumpSpeed)
	}
	if x.oilLPM < cfg.OilFlowMinLPM*0.95 {
		// Short of the flow the modules need (a pump spinning up, or one
		// that wore or clogged at once): full speed now, and the trim walks
		// it back down to the flow. Safety trips on the modules' minimum
		// within seconds; a PI trim is too slow to save that.
		c.oilFlow.Reset(1)
		return 1
	}
	// Never below the speed that gives the minimum flow on a new pump's
	// curve: a meter that sticks must not let the trim wind the pump down
	// under the modules' need (a worn pump at that speed shows on a live
	// meter, and the trim raises it).
	floor := units.Ratio(cfg.OilFlowMinLPM / cfg.OilPumpMaxLPM)
	return max(units.Ratio(c.oilFlow.Update(float64(target), float64(x.oilLPM), ff, x.now)), floor)
}

// matchedWaterPump returns the water pump's speed for a water flow whose
// heat-capacity rate is WaterMatch times the oil's: the oil's metered flow,
// or with its meter unknown the minimum.
func (c *Controller) matchedWaterPump() units.Ratio {
	cfg, x := &c.cfg, &c.x
	oilLPM := x.oilLPM
	if !x.oilLPMOK {
		oilLPM = cfg.OilFlowMinLPM
	}
	target := cfg.MatchedWaterFlow(oilLPM)
	ff := float64(target / cfg.WaterPumpMaxLPM)
	if !x.waterLPMOK {
		c.waterFlow.Track(ff)
		return units.Ratio(ff)
	}
	return units.Ratio(c.waterFlow.Update(float64(target), float64(x.waterLPM), ff, x.now))
}

// coilCheck watches how far the coil can lift the tank toward goal: while
// the tank is fed, a lower layer within CoilApproachK of the supply for
// ChargeSettleS means the coil can lift it no further, and coilReach
// records where it stopped. A new goal starts afresh.
func (c *Controller) coilCheck(goal, bottom, supply units.Celsius, fed bool, now units.Time) {
	cfg := &c.cfg
	if goal != c.tankGoal {
		c.tankGoal, c.coilReach, c.coilSince = goal, goal, now
	}
	if !fed || bottom < supply-units.Celsius(cfg.CoilApproachK) {
		c.coilSince = now
		return
	}
	if now.Sub(c.coilSince).Seconds() >= cfg.ChargeSettleS {
		c.coilReach = min(c.coilReach, bottom, goal)
	}
}

// coilDone reports whether the coil has been seen to lift the tank no
// further toward goal.
func (c *Controller) coilDone(goal units.Celsius) bool {
	return c.tankGoal == goal && c.coilReach < goal
}

// chargeTank decides whether the tank takes heat in the heating season:
// until its lower layer reaches the goal, or until the coil can lift it no
// further (coilCheck); again once it falls TankHystK under what it last
// reached, or under the goal while the supply is TankHystK hotter than the
// layer plus the coil's approach (the coil can lift it again).
func (c *Controller) chargeTank(goal, bottom, supply units.Celsius) {
	cfg := &c.cfg
	band := units.Celsius(cfg.TankHystK)
	switch {
	case c.tankWant && bottom >= goal:
		c.tankWant = false
	case c.tankWant && c.coilDone(goal):
		c.tankWant = false
	case !c.tankWant && (bottom < min(goal, c.coilReach)-band ||
		bottom < goal-band && supply >= bottom+units.Celsius(cfg.CoilApproachK)+band):
		c.tankWant, c.coilReach = true, goal
	}
}

// exercise strokes the valves and runs the pumps once a week while the
// heating is off: the dump valve to the tank and back (the tank takes the
// heat meanwhile), the tank valve with it, both pumps on.
func (c *Controller) exercise(in *hal.Inputs, out *hal.Outputs) {
	cfg := &c.cfg
	if c.outdoorMean < cfg.HeatingCutoffC || cfg.ExerciseS <= 0 {
		return // the heating season moves everything every day
	}
	since := (in.WeekTime - cfg.ExerciseAt) % (7 * 24 * units.Hour)
	if since < 0 || since.Seconds() >= cfg.ExerciseS {
		return
	}
	first := since.Seconds() < cfg.ExerciseS/2
	out.Pump[hal.PumpWater] = 1
	out.Pump[hal.PumpOil] = max(out.Pump[hal.PumpOil], 0.5)
	if first {
		out.Valve[hal.ValveDump], out.Valve[hal.ValveTank] = 0, 1
	} else {
		out.Valve[hal.ValveDump], out.Valve[hal.ValveTank] = 1, 0
	}
}

// Exercising reports whether the weekly exercise runs now.
func (c *Controller) Exercising(in *hal.Inputs) bool {
	since := (in.WeekTime - c.cfg.ExerciseAt) % (7 * 24 * units.Hour)
	return c.outdoorMean >= c.cfg.HeatingCutoffC && since >= 0 && since.Seconds() < c.cfg.ExerciseS
}

// manageLoad throttles compute when the heat cannot be rejected, and
// restores it as capacity returns. saturated says the dump is at its
// maximum: only then is the oil's heat the compute's to give up.
func (c *Controller) manageLoad(n int, oil units.Celsius, now units.Time, dt float64, saturated bool) {
	cfg := &c.cfg
	maxW := units.Watt(n) * cfg.ModuleFullW
	c.oilSlow += (oil - c.oilSlow) * units.Celsius(min(dt/max(cfg.LoadFilterS, 1e-3), 1))
	// Rising: a 20-second filter of the oil above a 2-minute one (their gap
	// is 100 s times the oil's rate of rise, and the probes' noise through
	// them is a few millikelvin).
	c.oilFast += (oil - c.oilFast) * units.Celsius(min(dt/20, 1))
	c.oilMid += (oil - c.oilMid) * units.Celsius(min(dt/120, 1))
	rising := c.oilFast > c.oilMid
	sp := cfg.OilCeilingC - units.Celsius(cfg.LoadMarginK)
	meas := c.oilSlow
	if !saturated {
		// The dump has room: the oil is control's to cool, not compute's.
		meas = min(meas, sp)
	}
	allowed := units.Watt(c.load.Update(float64(sp), float64(meas), 0, now)) * maxW
	if !saturated {
		allowed = max(allowed, c.allowedW) // the dump has room: never less
	}
	shedFrom := cfg.OilCeilingC - units.Celsius(cfg.ShedMarginK)
	switch {
	case saturated && oil > shedFrom && (rising || oil > shedFrom+units.Celsius(cfg.ShedAlwaysK)):
		// Past the ceiling, still climbing, with nothing left to cool
		// with: give way fast, and stop as soon as the oil turns (it
		// answers late; the slow loop does the rest) unless it stays
		// ShedAlwaysK past where shedding starts.
		allowed = min(allowed, c.allowedW-units.Watt(cfg.ShedWPerKS*float64(oil-shedFrom)*dt))
	case oil < cfg.OilCeilingC-units.Celsius(cfg.RestoreMarginK):
		allowed = max(allowed, c.allowedW+units.Watt(cfg.RestoreWPerS*dt))
	}
	c.allowedW = min(max(allowed, 0), maxW)
	if maxW > 0 {
		c.load.Track(float64(c.allowedW / maxW))
	}

	if c.allowedW != c.mappedW || !c.mapped {
		c.want = c.mapLevels(n, c.allowedW)
		c.mappedW, c.mapped = c.allowedW, true
	}
	var wantW, haveW units.Watt
	for i := 0; i < n; i++ {
		wantW += c.levelW(c.want[i])
		haveW += c.levelW(c.levels[i])
	}
	switch {
	case !c.levelsSet():
		c.levels, c.levelsAt = c.want, now
	case wantW < haveW:
		// Down at once, but not for an allowance within LevelHystW of
		// what runs: a probe's noise must not drop a level for a dwell.
		if hi := c.mapLevels(n, c.allowedW+cfg.LevelHystW); hi != c.levels {
			c.levels, c.levelsAt = c.want, now
		}
	case wantW > haveW && now.Sub(c.levelsAt).Seconds() >= cfg.DwellS:
		// Up no more often than every DwellS.
		c.levels, c.levelsAt = c.want, now
	}
}

// mapLevels fills modules in priority order (index 0 first) within budget:
// as many at 100 % as fit, then the highest level that fits.
func (c *Controller) mapLevels(n int, budget units.Watt) [hal.MaxModules]hal.Level {
	var want [hal.MaxModules]hal.Level
	for i := 0; i < n; i++ {
		want[i] = hal.LevelOff
		for l := hal.Level100; l >= hal.LevelIdle; l-- {
			if w := c.levelW(l); w <= budget {
				want[i], budget = l, budget-w
				break
			}
		}
	}
	return want
}

func (c *Controller) levelsSet() bool { return c.levels[0] != hal.LevelCut }

// levelW is the power a module draws at level l.
func (c *Controller) levelW(l hal.Level) units.Watt {
	f, on := l.Fraction()
	if !on {
		return 0
	}
	return c.cfg.ModuleIdleW + units.Watt(f)*(c.cfg.ModuleFullW-c.cfg.ModuleIdleW)
}

// legionella runs the weekly hold and reports whether it is on. Compute heat
// charges the tank as far as the oil ceiling allows; the immersion heater
// tops up the rest and holds the temperature. It heats only on a known upper
// layer, and only a known one counts toward the hold.
func (c *Controller) legionella(in *hal.Inputs, dt float64) bool {
	cfg, x := &c.cfg, &c.x
	const week = 7 * 24 * units.Hour
	wt := in.WeekTime % week
	if wt < c.lastWeekAt {
		c.legioDone = false // a new week
	}
	c.lastWeekAt = wt
	if !c.legioOn && !c.legioDone && wt >= cfg.LegionellaAt && wt < cfg.LegionellaAt+6*units.Hour {
		c.legioOn, c.legioHeld = true, 0
	}
	if !c.legioOn {
		c.immersion = false
		return false
	}
	// Compute heat first: the immersion heater starts once the coil has
	// been seen to lift the tank no further toward the hold (chargeTank),
	// or the lower layer has reached it. HSE HSG274: the whole stored
	// volume at the hold, so it is judged on the colder probe (the top
	// alone while the bottom one is unknown); the tank's changeover
	// thermostat moves the heat to its bottom element once the top is hot.
	coilDone := c.coilDone(cfg.LegionellaC) || x.bottomKnown && x.bottom >= cfg.LegionellaC
	coldest := x.top
	if x.bottomKnown {
		coldest = min(coldest, x.bottom)
	}
	switch {
	case !x.topKnown, coldest >= cfg.LegionellaC+0.5:
		c.immersion = false
	case coldest < cfg.LegionellaC-0.5 && coilDone:
		c.immersion = true
	}
	if x.topKnown && coldest >= cfg.LegionellaC-0.5 {
		c.legioHeld += dt
	}
	if c.legioHeld >= cfg.LegionellaHoldS {
		c.legioOn, c.legioDone, c.immersion = false, true, false
	}
	return true
}

// boost reports whether a timed boost heats the tank's top now: within
// BoostLeadS before and BoostAfterS after BoostAAt or BoostBAt (local time
// of day), from under BoostC less a kelvin to BoostC on the top probe; only
// on a known top probe.
func (c *Controller) boost(in *hal.Inputs) bool {
	cfg, x := &c.cfg, &c.x
	const day = 24 * units.Hour
	if cfg.BoostLeadS <= 0 || !x.topKnown {
		c.boosting = false
		return false
	}
	tod, near := in.WeekTime%day, false
	for _, at := range [...]units.Duration{cfg.BoostAAt, cfg.BoostBAt} {
		since := ((tod-at)%day + day) % day
		near = near || since.Seconds() <= cfg.BoostAfterS || (day-since).Seconds() <= cfg.BoostLeadS
	}
	switch {
	case !near, x.top >= cfg.BoostC:
		c.boosting = false
	case x.top < cfg.BoostC-1:
		c.boosting = true
	}
	return c.boosting
}

// dtTick is the time since the last step in seconds (0 on the first).
func dtTick(now, last units.Time) float64 {
	if last == 0 || now < last {
		return 0
	}
	return now.Sub(last).Seconds()
}

// Applied tells control what safety let through, so each loop tracks the
// output really applied and resumes without a bump when an override ends.
func (c *Controller) Applied(out *hal.Outputs) {
	c.applied = out.Module
	c.water.Track(float64(out.Pump[hal.PumpWater]))
	c.waterFlow.Track(float64(out.Pump[hal.PumpWater]))
	if c.oilFlowOn {
		c.oilFlow.Track(float64(out.Pump[hal.PumpOil]))
	}
	if c.oilInit {
		// Once started: a loop waiting for the oil's first value starts
		// from nothing, as a loop does.
		// The dump loop drives the fan in every mode (past the tank's
		// share where split), the valve in some: where the fan is what
		// control wished, the loop keeps its own output.
		if out.Fan == c.fanWish {
			c.dump.Track(float64(c.dumpU))
		} else {
			c.dump.Track(float64(out.Fan))
		}
		c.tank.Track(float64(out.Valve[hal.ValveTank]))
	}
	if c.tankSets && out.Valve[hal.ValveTank] == 1 {
		// The tank's share actually given: the tank's loop does not wind
		// up while the cut, or safety, holds it. The cut is a limiter and
		// runs free, clamped, ready to act.
		c.tankTemp.Track(float64(1 - out.Valve[hal.ValveDump]))
	}
	if c.houseSets && out.Valve[hal.ValveTank] == 0 {
		// The radiators' share actually given. Only while the house's loop
		// set the valve: where another mode set it, the loop's own output
		// stands, or it would be held at a share it never asked for.
		c.house.Track(float64(1 - out.Valve[hal.ValveDump]))
	}
}
