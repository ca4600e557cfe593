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

// oilPump returns the oil pump's speed: the flow that lets the oil rise
// across the modules at their measured power (oilRise), at least
// OilFlowMinLPM, held on the meter; full speed whenever the meter shows
// less than the minimum.
// RiseSlewKPerS is how fast the oil's aimed rise moves between OilRiseK
// and OilRiseHeatingK: 1 K a minute, so that the modules' stored heat
// comes out of them slowly when the rise falls (a step would flush it
// into the modules' inlet at once).
const RiseSlewKPerS = 1.0 / 60

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
