package control

import (
	"hearth/pid"
	"hearth/units"
)

// Units of the table.
const (
	uC     = "°C"
	uK     = "K"
	uS     = "s"
	uLPM   = "L/min"
	uRatio = "ratio"
	uW     = "W"
)

func num(key, unit string, lo, hi float64, doc string, get func(*Config) float64) Bound {
	return Bound{Key: "control." + key, Unit: unit, Min: lo, Max: hi, Doc: doc, get: get}
}

func week(key, doc string, get func(*Config) units.Duration) Bound {
	return Bound{Key: "control." + key, Unit: "duration since Monday 00:00", Kind: KindDuration, Min: 0,
		Max: (7 * 24 * units.Hour).Seconds(), MaxOpen: true, Doc: doc,
		get: func(c *Config) float64 { return get(c).Seconds() }}
}

func daily(key, doc string, get func(*Config) units.Duration) Bound {
	return Bound{Key: "control." + key, Unit: "duration since local midnight", Kind: KindDuration, Min: 0,
		Max: (24 * units.Hour).Seconds(), MaxOpen: true, Doc: doc,
		get: func(c *Config) float64 { return get(c).Seconds() }}
}

// gainLoop is one of control's PID loops: its table under [control] and the
// unit of its measurement.
type gainLoop struct {
	key, meas, doc string
	get            func(*Config) *pid.Config
}

var gainLoops = []gainLoop{
	{"oil_flow", uLPM, "the oil pump's speed trimmed on its flow meter, around the feed-forward", func(c *Config) *pid.Config { return &c.OilFlowGains }},
	{"water_flow", uLPM, "the water pump's speed trimmed on its flow meter, matched to the oil", func(c *Config) *pid.Config { return &c.WaterFlowGains }},
	{"water_pump", uK, "the water pump's speed on the flow temperature against the weather curve (reverse)", func(c *Config) *pid.Config { return &c.WaterPumpGains }},
	{"dump", uK, "the dump fan (and valve) on the oil into the modules, DumpMarginK under the ceiling (reverse)", func(c *Config) *pid.Config { return &c.DumpGains }},
	{"tank", uK, "the tank's share of the heat on the oil into the modules, in the heating season", func(c *Config) *pid.Config { return &c.TankGains }},
	{"house", uK, "the radiators' share of the heat on the indoor air", func(c *Config) *pid.Config { return &c.HouseGains }},
	{"tank_cut", uK, "the cut of the tank's share on the oil, TankCutMarginK under the ceiling", func(c *Config) *pid.Config { return &c.TankCutGains }},
	{"tank_temp", uK, "the tank's share on the mean of its two layers, out of the heating season", func(c *Config) *pid.Config { return &c.TankTempGains }},
	{"load", uK, "the allowed share of full compute on the filtered oil into the modules", func(c *Config) *pid.Config { return &c.LoadGains }},
}

// gainBounds are the keys of one loop's table (pid.Config's fields, which
// a file names in any case: kp, Kp).
func gainBounds(l gainLoop) []Bound {
	k := "control." + l.key + "."
	per := l.meas // "K", or "(L/min)" where the unit has a slash of its own
	if per == uLPM {
		per = "(" + per + ")"
	}
	f := func(name, unit string, lo, hi float64, doc string, get func(*pid.Config) float64) Bound {
		return Bound{Key: k + name, Unit: unit, Min: lo, Max: hi, Doc: doc,
			get: func(c *Config) float64 { return get(l.get(c)) }}
	}
	d := func(name string, hi units.Duration, doc string, get func(*pid.Config) units.Duration) Bound {
		return Bound{Key: k + name, Unit: "duration", Kind: KindDuration, Min: 0, Max: hi.Seconds(), Doc: doc,
			get: func(c *Config) float64 { return get(l.get(c)).Seconds() }}
	}
	return []Bound{
		f("kp", "1/"+per, 0, 100, "proportional gain of "+l.doc+": output (0-1) per "+l.meas+" of error",
			func(g *pid.Config) float64 { return g.Kp }),
		f("ki", "1/("+l.meas+"·s)", 0, 1, "integral gain, Kp/Ti", func(g *pid.Config) float64 { return g.Ki }),
		f("kd", "s/"+per, 0, 1000, "derivative gain, Kp·Td", func(g *pid.Config) float64 { return g.Kd }),
		f("setpointweight", uRatio, 0, 1, "the setpoint's share b in the proportional term",
			func(g *pid.Config) float64 { return g.SetpointWeight }),
		d("derivativefilter", units.Hour, "the derivative's filter time constant (0: Td/8)",
			func(g *pid.Config) units.Duration { return g.DerivativeFilter }),
		f("outmin", uRatio, 0, 1, "the output's lower limit; below outmax", func(g *pid.Config) float64 { return g.OutMin }),
		f("outmax", uRatio, 0, 1, "the output's upper limit (every loop's output is a speed, a position or a share)",
			func(g *pid.Config) float64 { return g.OutMax }),
		f("ratelimit", "1/s", 0, 100, "the output's rate limit (0: none)", func(g *pid.Config) float64 { return g.RateLimit }),
		{Key: k + "reverse", Kind: KindBool, Unit: "bool", Doc: "reverse action: the output rises with the measurement",
			get: func(c *Config) float64 { return b2f(l.get(c).Reverse) }},
		d("trackingtime", 24*units.Hour, "back-calculation's time constant (0: Ti for a PI, sqrt(Ti·Td) for a PID)",
			func(g *pid.Config) units.Duration { return g.TrackingTime }),
		d("maxinterval", 24*units.Hour, "the longest interval one update integrates over (0: Ti)",
			func(g *pid.Config) units.Duration { return g.MaxInterval }),
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

var bounds = makeBounds()

func makeBounds() []Bound {
	b := []Bound{
		num("oil_ceiling_c", uC, 40, 60, "oil into the modules is held at or below it; at most safety.oil_in.warn_c",
			func(c *Config) float64 { return float64(c.OilCeilingC) }),
		num("oil_out_max_c", uC, 45, 75, "oil out of the modules is held at or below it; below safety.oil_out.warn_c",
			func(c *Config) float64 { return float64(c.OilOutMaxC) }),
		num("dump_margin_k", uK, 0, 10, "the dump holds the oil this far under the ceiling",
			func(c *Config) float64 { return float64(c.DumpMarginK) }),
		num("oil_filter_s", uS, 0, 600, "time constant of the filter the oil's loops read the oil through",
			func(c *Config) float64 { return c.OilFilterS }),
		num("tank_margin_k", uK, 0, 20, "charging in the heating season with the house wanting heat, the tank's share is cut once the oil passes this far under the ceiling",
			func(c *Config) float64 { return float64(c.TankMarginK) }),
		num("indoor_max_c", uC, 15, 28, "the house takes heat while its air is below this",
			func(c *Config) float64 { return float64(c.IndoorMaxC) }),
		num("indoor_floor_c", uC, 10, 25, "charging the tank with priority, the radiators get a quarter of the heat at this indoor temperature",
			func(c *Config) float64 { return float64(c.IndoorFloorC) }),
		num("indoor_floor_band_k", uK, 0, 5, "the radiators' share grows from nothing this far above indoor_floor_c",
			func(c *Config) float64 { return float64(c.IndoorFloorBandK) }),
		num("indoor_hyst_k", uK, 0, 3, "the house's setpoint is indoor_max_c less this",
			func(c *Config) float64 { return float64(c.IndoorHystK) }),
		num("heating_cutoff_c", uC, 5, 25, "no space heating while the day's mean outside temperature is at or above it",
			func(c *Config) float64 { return float64(c.HeatingCutoffC) }),
		num("tank_target_c", uC, 35, 65, "the hot-water tank's target; below safety.tank.warn_c",
			func(c *Config) float64 { return float64(c.TankTargetC) }),
		num("tank_hyst_k", uK, 0.5, 15, "the tank charges again this far under its goal",
			func(c *Config) float64 { return float64(c.TankHystK) }),
		week("legionella_at", "the weekly anti-legionella hold starts at this local time since Monday 00:00",
			func(c *Config) units.Duration { return c.LegionellaAt }),
		num("legionella_c", uC, 55, 75, "the weekly hold brings the tank to this, by compute heat and then the immersion heater; below safety.tank.warn_c",
			func(c *Config) float64 { return float64(c.LegionellaC) }),
		num("legionella_hold_s", uS, 0, 4*3600, "and holds it this long",
			func(c *Config) float64 { return c.LegionellaHoldS }),
		daily("boost_a_at", "a timed boost lifts the tank's top to boost_c for a draw that must peak hot (EN 16147 dishwashing) at this local time of day",
			func(c *Config) units.Duration { return c.BoostAAt }),
		daily("boost_b_at", "and for a second one at this local time of day",
			func(c *Config) units.Duration { return c.BoostBAt }),
		num("boost_c", uC, 40, 70, "the timed boosts lift the tank's top probe to this; below safety.tank.warn_c",
			func(c *Config) float64 { return float64(c.BoostC) }),
		num("boost_lead_s", uS, 0, 4*3600, "a boost starts this long before its time (0: no boosts)",
			func(c *Config) float64 { return c.BoostLeadS }),
		num("boost_after_s", uS, 0, 3600, "and ends this long after it",
			func(c *Config) float64 { return c.BoostAfterS }),
		num("tank_dump_split", uRatio, 0.05, 0.95, "charging the tank in the heating season, this first share of the dump loop's output opens the tank's share before the dump's valve opens",
			func(c *Config) float64 { return float64(c.TankDumpSplit) }),
		week("exercise_at", "in the heating-off season the weekly exercise (both pumps run, each valve strokes end to end and back) starts at this local time since Monday 00:00",
			func(c *Config) units.Duration { return c.ExerciseAt }),
		num("exercise_s", uS, 0, 3600, "and lasts this long",
			func(c *Config) float64 { return c.ExerciseS }),
		num("curve_out_a_c", uC, -30, 10, "weather curve: at this outside temperature...",
			func(c *Config) float64 { return float64(c.CurveOutAC) }),
		num("curve_flow_a_c", uC, 25, 75, "...the radiators' flow is this; below safety.water_flow.warn_c",
			func(c *Config) float64 { return float64(c.CurveFlowAC) }),
		num("curve_out_b_c", uC, 0, 25, "weather curve: at this outside temperature...",
			func(c *Config) float64 { return float64(c.CurveOutBC) }),
		num("curve_flow_b_c", uC, 20, 60, "...the radiators' flow is this",
			func(c *Config) float64 { return float64(c.CurveFlowBC) }),
	}
	b = append(b, pumpBounds()...)
	for _, l := range gainLoops {
		b = append(b, gainBounds(l)...)
	}
	return append(b, loadBounds()...)
}

func pumpBounds() []Bound {
	return []Bound{
		num("oil_rise_k", uK, 1, 20, "the oil pump's flow lets the oil rise this much across the modules at their measured power",
			func(c *Config) float64 { return float64(c.OilRiseK) }),
		num("oil_rise_heating_k", uK, 1, 11, "...and this much while the house is short of heat (heating season, under indoor_floor_c with its share full and the dump idle), reached at 1 K/min; at most 11 K: the modules' oil mixed into the circuit (the rise x 120/170 over the oil's set point) must stay 2 K under safety.oil_in.trip_c",
			func(c *Config) float64 { return float64(c.OilRiseHeatingK) }),
		num("oil_flow_min_lpm", uLPM, 5, 40, "the oil flow never asked below this while a module is powered; at least the flow safety proves, safety.min_oil_flow_lpm x (1 + safety.flow_meter_accuracy)",
			func(c *Config) float64 { return float64(c.OilFlowMinLPM) }),
		num("oil_pump_max_lpm", uLPM, 10, 200, "the oil pump's flow at full speed, for the feed-forward; the same as safety.oil_pump_max_lpm",
			func(c *Config) float64 { return float64(c.OilPumpMaxLPM) }),
		num("water_pump_max_lpm", uLPM, 5, 100, "the water pump's flow at full speed, for the feed-forward; the same as safety.water_pump_max_lpm",
			func(c *Config) float64 { return float64(c.WaterPumpMaxLPM) }),
		{Key: "control.oil_pump_speed", Unit: uRatio, Min: 0, Max: 1, MinOpen: true,
			Doc: "with its meter unknown the oil pump runs at no less than this speed, which must prove safety's flow on a new pump",
			get: func(c *Config) float64 { return float64(c.OilPumpSpeed) }},
		num("water_match", "ratio of rates", 0.25, 4, "outside space heating the water's heat-capacity rate is this times the oil's",
			func(c *Config) float64 { return c.WaterMatch }),
		num("water_pump_min", uRatio, 0, 1, "the water pump's lowest speed",
			func(c *Config) float64 { return float64(c.WaterPumpMin) }),
		num("tank_cut_margin_k", uK, 0, 10, "the tank's share is cut once the oil passes this far under the ceiling (the fan at full by then)",
			func(c *Config) float64 { return float64(c.TankCutMarginK) }),
		num("coil_approach_k", uK, 0, 10, "the tank stops charging within this of the water's supply temperature (the coil lifts it no further)",
			func(c *Config) float64 { return float64(c.CoilApproachK) }),
		num("charge_settle_s", uS, 0, 3600, "judged after this long charging",
			func(c *Config) float64 { return c.ChargeSettleS }),
	}
}

func loadBounds() []Bound {
	return []Bound{
		num("module_idle_w", uW, 0, 1000, "a module's power at idle",
			func(c *Config) float64 { return float64(c.ModuleIdleW) }),
		num("module_full_w", uW, 50, 2000, "a module's power at full compute",
			func(c *Config) float64 { return float64(c.ModuleFullW) }),
		num("load_margin_k", uK, 0, 10, "with the dump at its maximum, load management holds the oil this far under the ceiling",
			func(c *Config) float64 { return float64(c.LoadMarginK) }),
		num("load_filter_s", uS, 0, 3600, "time constant of the filter load management reads the oil through",
			func(c *Config) float64 { return c.LoadFilterS }),
		num("shed_margin_k", uK, 0, 10, "compute is shed fast with the dump at its maximum and the oil above the ceiling less this and rising",
			func(c *Config) float64 { return float64(c.ShedMarginK) }),
		num("restore_margin_k", uK, 0, 20, "compute is restored with the oil below the ceiling less this",
			func(c *Config) float64 { return float64(c.RestoreMarginK) }),
		num("shed_w_per_k_s", "W/(K·s)", 0, 1000, "the fast shed's rate per kelvin of excess",
			func(c *Config) float64 { return c.ShedWPerKS }),
		num("shed_always_k", uK, 0, 10, "the fast shed acts this far above the shed threshold even while the oil is not rising",
			func(c *Config) float64 { return float64(c.ShedAlwaysK) }),
		num("restore_w_per_s", "W/s", 0, 100, "the least rate compute is restored at",
			func(c *Config) float64 { return c.RestoreWPerS }),
		num("level_hyst_w", uW, 0, 500, "module levels follow the allowance down once it is this far below what runs",
			func(c *Config) float64 { return float64(c.LevelHystW) }),
		num("dwell_s", uS, 0, 3600, "and up at most this often",
			func(c *Config) float64 { return c.DwellS }),
		{Key: "control.stale_s", Unit: uS, Min: 0, Max: 3600, MinOpen: true, MaxOpen: true,
			Doc: "a sample taken longer ago than this is not believed; at most safety.stale_s",
			get: func(c *Config) float64 { return c.StaleS }},
		{Key: "control.hold_s", Unit: uS, Min: 0, Max: 3600, MaxOpen: true,
			Doc: "a temperature with no good sample keeps its last good value this long, then takes its fallback",
			get: func(c *Config) float64 { return c.HoldS }},
		{Key: "control.oil_unknown_k", Unit: uK, Min: 0, Max: 50, MaxOpen: true,
			Doc: "with no oil-in probe left the oil is taken at the ceiling plus this, so the dump cools hardest",
			get: func(c *Config) float64 { return float64(c.OilUnknownK) }},
	}
}
