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
	// The dump opens DumpMarginK below the ceiling; the tank's share of the
	// heat is cut TankMarginK below it so the radiators take the rest first.
	DumpMarginK units.Kelvin `toml:"dump_margin_k"`
	TankMarginK units.Kelvin `toml:"tank_margin_k"`

	// The house takes heat while its air is below IndoorMaxC (with
	// IndoorHystK), and is never heated in the heating-off season: when the
	// day's mean outside temperature is at or above HeatingCutoffC.
	IndoorMaxC     units.Celsius `toml:"indoor_max_c"`
	IndoorFloorC   units.Celsius `toml:"indoor_floor_c"`
	IndoorHystK    units.Kelvin  `toml:"indoor_hyst_k"`
	HeatingCutoffC units.Celsius `toml:"heating_cutoff_c"`

	TankTargetC units.Celsius `toml:"tank_target_c"`
	TankHystK   units.Kelvin  `toml:"tank_hyst_k"`

	// Weekly anti-legionella hold: from LegionellaAt (local time since
	// Monday 00:00) the tank is brought to LegionellaC, by compute heat as
	// far as it goes and then by the immersion heater, and held for
	// LegionellaHoldS.
	LegionellaAt    units.Duration `toml:"legionella_at"`
	LegionellaC     units.Celsius  `toml:"legionella_c"`
	LegionellaHoldS float64        `toml:"legionella_hold_s"`

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

	OilPumpSpeed   units.Ratio `toml:"oil_pump_speed"`
	WaterPumpMin   units.Ratio `toml:"water_pump_min"`
	WaterPumpGains pid.Config  `toml:"water_pump"`
	DumpGains      pid.Config  `toml:"dump"`
	TankGains      pid.Config  `toml:"tank"`
	HouseGains     pid.Config  `toml:"house"`

	// Compute load management: with the dump at its maximum and oil above
	// the ceiling less ShedMarginK, the allowed compute power falls by
	// ShedWPerKS per kelvin of excess and second; with oil below the
	// ceiling less RestoreMarginK it rises by RestoreWPerS. Levels follow
	// at once downwards, and upwards at most every DwellS.
	ModuleIdleW    units.Watt   `toml:"module_idle_w"`
	ModuleFullW    units.Watt   `toml:"module_full_w"`
	ShedMarginK    units.Kelvin `toml:"shed_margin_k"`
	RestoreMarginK units.Kelvin `toml:"restore_margin_k"`
	ShedWPerKS     float64      `toml:"shed_w_per_k_s"`
	RestoreWPerS   float64      `toml:"restore_w_per_s"`
	DwellS         float64      `toml:"dwell_s"`
}

// DefaultConfig returns the reference targets of DOMAIN.md and gains for the
// reference plant.
func DefaultConfig() Config {
	return Config{
		OilCeilingC: 48, DumpMarginK: 1.5, TankMarginK: 2,
		IndoorMaxC: 22, IndoorFloorC: 19.8, IndoorHystK: 0.1, HeatingCutoffC: 16,
		TankTargetC: 48, TankHystK: 4,
		LegionellaAt: 0, LegionellaC: 60, LegionellaHoldS: 3600,
		ExerciseAt: 6*24*units.Hour + 3*units.Hour, ExerciseS: 240, // Sunday 03:00, two 90 s strokes
		CurveOutAC: -3, CurveFlowAC: 50, CurveOutBC: 16, CurveFlowBC: 30,
		OilPumpSpeed: 0.75, WaterPumpMin: 0.08,
		// Water pump on flow temperature: more flow, cooler water (reverse).
		WaterPumpGains: pid.Config{Kp: 0.02, Ki: 0.0005, SetpointWeight: 1, OutMin: 0.08, OutMax: 1, Reverse: true},
		// Dump valve on oil into the modules: hotter oil, more dump (reverse).
		DumpGains: pid.Config{Kp: 0.15, Ki: 0.002, SetpointWeight: 1, OutMin: 0, OutMax: 1, Reverse: true},
		// Tank share on oil into the modules: hotter oil, less to the tank.
		TankGains: pid.Config{Kp: 0.15, Ki: 0.002, SetpointWeight: 1, OutMin: 0, OutMax: 1},
		// Radiators' share on indoor air: colder room, more share (direct).
		HouseGains: pid.Config{Kp: 1.0, Ki: 0.0005, SetpointWeight: 1, OutMin: 0, OutMax: 1},

		ModuleIdleW: 192, ModuleFullW: 448,
		ShedMarginK: 1.0, RestoreMarginK: 2.5, ShedWPerKS: 3, RestoreWPerS: 0.3, DwellS: 900,
	}
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
}

// Controller is the control layer's state.
type Controller struct {
	cfg   Config
	water pid.Controller
	dump  pid.Controller
	tank  pid.Controller
	house pid.Controller

	heatWant, tankWant bool
	oilIn, indoor      units.Celsius
	outdoorMean        units.Celsius // slow mean of the outside temperature
	outdoorSeen        bool
	indoorSeen         bool
	last               units.Time
	init               bool

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
}

// New returns a controller; it fails when a loop's gains are invalid.
func New(cfg Config) (*Controller, error) {
	c := &Controller{cfg: cfg}
	for _, l := range []struct {
		p *pid.Controller
		g pid.Config
	}{{&c.water, cfg.WaterPumpGains}, {&c.dump, cfg.DumpGains}, {&c.tank, cfg.TankGains}, {&c.house, cfg.HouseGains}} {
		if err := l.p.Configure(l.g); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Config returns the controller's configuration.
func (c *Controller) Config() *Config { return &c.cfg }

// AllowedW returns the compute power load management allows now.
func (c *Controller) AllowedW() units.Watt { return c.allowedW }

// temp returns the sample's value when the driver vouches for it, else prev.
func temp(s hal.Sample[units.Celsius], prev units.Celsius) units.Celsius {
	if s.OK() && s.Value != 85 {
		return s.Value
	}
	return prev
}

// Step computes control's wish for every output.
func (c *Controller) Step(in *hal.Inputs, adv Advice, out *hal.Outputs) {
	cfg, now := &c.cfg, in.Now
	*out = hal.Outputs{}

	// The hotter of the two oil-in probes: the ceiling is about the worst.
	a, b := in.Temp[hal.TempOilInA], in.Temp[hal.TempOilInB]
	oil := c.oilIn
	switch {
	case a.OK() && b.OK() && a.Value != 85 && b.Value != 85:
		oil = max(a.Value, b.Value)
	default:
		oil = temp(b, temp(a, oil))
	}
	c.oilIn = oil
	// Rooms move over minutes: decide on a filtered reading, so that a probe's
	// last bit of noise cannot flip a valve (a 5-minute first-order filter).
	if room := in.Temp[hal.TempIndoor]; room.OK() && room.Value != 85 {
		if !c.indoorSeen {
			c.indoor, c.indoorSeen = room.Value, true
		}
		c.indoor += (room.Value - c.indoor) * units.Celsius(min(dtTick(now, c.last)/300, 1))
	}
	outdoor := temp(in.Temp[hal.TempOutdoor], c.outdoorMean)
	outdoorKnown := in.Temp[hal.TempOutdoor].OK() && in.Temp[hal.TempOutdoor].Value != 85
	tankBottom := temp(in.Temp[hal.TempTankBottom], cfg.TankTargetC)
	tankTop := temp(in.Temp[hal.TempTankTop], tankBottom)
	flowC := temp(in.Temp[hal.TempWaterFlow], oil)
	dt := now.Sub(c.last).Seconds()
	if !c.init {
		c.init, dt = true, 0
		c.outdoorMean = cfg.HeatingCutoffC // until the first reading
		c.tankWant = tankBottom < cfg.TankTargetC-units.Celsius(cfg.TankHystK)
		c.allowedW = units.Watt(in.NumModules) * cfg.ModuleFullW
		c.legioWeek = -1
	}
	c.last = now
	// A day's mean of the outside temperature decides the heating season.
	const meanS = 12 * 3600
	switch {
	case outdoorKnown && !c.outdoorSeen:
		c.outdoorMean, c.outdoorSeen = outdoor, true
	case outdoorKnown:
		c.outdoorMean += (outdoor - c.outdoorMean) * units.Celsius(min(dt/meanS, 1))
	}

	// The house takes heat continuously: a PI on the indoor air sets the
	// radiators' share of the heat (the rest goes on to the dump), so the
	// house never short-cycles between all and nothing. No space heating in
	// the heating-off season.
	houseShare := units.Ratio(c.house.Update(float64(cfg.IndoorMaxC-units.Celsius(cfg.IndoorHystK)), float64(c.indoor), 0, now))
	if c.outdoorMean >= cfg.HeatingCutoffC {
		houseShare = 0
	}
	c.heatWant = houseShare > 0.05
	tankGoal := cfg.TankTargetC
	if c.legionella(in, tankTop, tankBottom, dt) {
		tankGoal = cfg.LegionellaC
	}
	// The coil can lift the tank only so far below the oil ceiling: past
	// that, charging would push oil over it, so the tank is done.
	coilMax := cfg.OilCeilingC - units.Celsius(cfg.TankMarginK) - 1 // ~45.5 C
	switch {
	case tankBottom >= min(tankGoal-1, coilMax):
		c.tankWant = false
	case tankBottom < min(tankGoal-1, coilMax)-units.Celsius(cfg.TankHystK):
		c.tankWant = true
	}
	out.Immersion = c.immersion

	// The dump takes what the home cannot, to hold oil under its ceiling.
	dump := units.Ratio(c.dump.Update(float64(cfg.OilCeilingC-units.Celsius(cfg.DumpMarginK)), float64(oil), 0, now))
	tankShare := units.Ratio(c.tank.Update(float64(cfg.OilCeilingC-units.Celsius(cfg.TankMarginK)), float64(oil), 0, now))
	flowTarget := cfg.WeatherCurve(outdoor)
	pump := units.Ratio(c.water.Update(float64(flowTarget), float64(flowC), 0, now))

	switch {
	case c.tankWant && c.heatWant:
		// Tank first, but never at the price of a cold house: below
		// IndoorFloorC + 0.8 K the radiators get a growing share.
		floor := units.Ratio((c.indoor - cfg.IndoorFloorC) / 0.8)
		out.Valve[hal.ValveTank] = min(tankShare, max(floor, 0.25))
		pump = 1
	case c.tankWant:
		out.Valve[hal.ValveTank] = 1
		pump = 1
	case c.heatWant:
		out.Valve[hal.ValveTank] = 0
		// What the house does not take goes through the dump, whose fan
		// holds the oil.
		out.Valve[hal.ValveDump] = max(dump, 1-houseShare)
		out.Fan = dump
		out.Pump[hal.PumpWater] = max(pump, cfg.WaterPumpMin)
		goto modules
	default:
		// Nobody wants heat: all the water through the dump cooler, whose
		// fan alone (the same loop) holds the oil at the dump's setpoint,
		// so the oil stays warm and steady and the fan runs no faster than
		// the heat needs.
		out.Valve[hal.ValveDump], out.Fan = 1, dump
		out.Pump[hal.PumpWater] = 1
		goto modules
	}
	out.Valve[hal.ValveDump] = dump
	out.Fan = dump
	out.Pump[hal.PumpWater] = max(pump, cfg.WaterPumpMin)
modules:

	c.exercise(in, out)
	c.manageLoad(in, oil, now, dt)
	anyOn := false
	for i := 0; i < in.NumModules; i++ {
		l := min(in.Demand[i], adv.Cap[i], c.levels[i])
		out.Module[i] = l
		if _, on := l.Fraction(); on {
			anyOn = true
		}
	}
	if anyOn || oil > cfg.OilCeilingC-units.Celsius(cfg.DumpMarginK) {
		out.Pump[hal.PumpOil] = cfg.OilPumpSpeed
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

// manageLoad throttles compute when the heat cannot be rejected: the allowed
// power falls while the dump is at its maximum and the oil still above the
// ceiling, and rises slowly once the oil is well below it.
func (c *Controller) manageLoad(in *hal.Inputs, oil units.Celsius, now units.Time, dt float64) {
	cfg := &c.cfg
	maxW := units.Watt(in.NumModules) * cfg.ModuleFullW
	// The dump loop's output says how much rejection is left: at its
	// maximum with the oil still rising past the ceiling, compute must give;
	// with a clear margin of dump left (or the oil well below), it may grow.
	dumpUse := c.dump.Output()
	switch {
	case dumpUse >= 0.98 && oil > cfg.OilCeilingC-units.Celsius(cfg.ShedMarginK):
		c.allowedW -= units.Watt(cfg.ShedWPerKS * float64(oil-(cfg.OilCeilingC-units.Celsius(cfg.ShedMarginK))) * dt)
	case oil < cfg.OilCeilingC-units.Celsius(cfg.RestoreMarginK) ||
		dumpUse < 0.85 && oil < cfg.OilCeilingC-units.Celsius(cfg.ShedMarginK):
		c.allowedW += units.Watt(cfg.RestoreWPerS * dt)
	}
	c.allowedW = min(max(c.allowedW, 0), maxW)

	if c.allowedW != c.mappedW || !c.mapped {
		c.mapLevels(in.NumModules)
	}
	var wantW, haveW units.Watt
	for i := 0; i < in.NumModules; i++ {
		wantW += c.levelW(c.want[i])
		haveW += c.levelW(c.levels[i])
	}
	// Down at once, up no more often than every DwellS.
	if !c.levelsSet() || wantW < haveW || now.Sub(c.levelsAt).Seconds() >= cfg.DwellS && wantW > haveW {
		if c.want != c.levels {
			c.levels, c.levelsAt = c.want, now
		}
	}
}

// mapLevels fills modules in priority order (index 0 first) within the
// allowance: as many at 100 % as fit, then the highest level that fits.
func (c *Controller) mapLevels(n int) {
	budget := c.allowedW
	for i := 0; i < n; i++ {
		c.want[i] = hal.LevelOff
		for l := hal.Level100; l >= hal.LevelIdle; l-- {
			if w := c.levelW(l); w <= budget {
				c.want[i], budget = l, budget-w
				break
			}
		}
	}
	c.mappedW, c.mapped = c.allowedW, true
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
// tops up the rest and holds the temperature.
func (c *Controller) legionella(in *hal.Inputs, top, bottom units.Celsius, dt float64) bool {
	cfg := &c.cfg
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
	// Compute heat first: the immersion heater starts once the coil can
	// add no more (the tank's lower layer near the oil ceiling's reach).
	coilDone := bottom >= cfg.OilCeilingC-units.Celsius(cfg.TankMarginK)-2
	switch {
	case top >= cfg.LegionellaC+0.5:
		c.immersion = false
	case top < cfg.LegionellaC-0.5 && coilDone:
		c.immersion = true
	}
	if top >= cfg.LegionellaC-0.5 {
		c.legioHeld += dt
	}
	if c.legioHeld >= cfg.LegionellaHoldS {
		c.legioOn, c.legioDone, c.immersion = false, true, false
	}
	return true
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
	c.water.Track(float64(out.Pump[hal.PumpWater]))
	c.dump.Track(float64(out.Fan)) // the dump loop drives the fan in every mode, the valve in some
	c.tank.Track(float64(out.Valve[hal.ValveTank]))
	if out.Valve[hal.ValveTank] == 0 {
		c.house.Track(float64(1 - out.Valve[hal.ValveDump])) // the radiators' share actually given
	}
}
