// Package control decides where the compute heat goes and how hard pumps,
// valves and fan work: the tank first while it is below target, the radiators
// next while the house wants heat, the dump cooler last. Oil into the modules
// is held at or below its ceiling by choosing sinks and flows; compute is
// throttled only when heat cannot be rejected.
//
// Control states wishes; the safety layer, which runs after it, has the last
// word. Control must never import safety's internals, do I/O, read the wall
// clock or allocate on the tick.
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

	IndoorTargetC  units.Celsius `toml:"indoor_target_c"`
	IndoorBandK    units.Kelvin  `toml:"indoor_band_k"` // heat below target-band, stop above target+band
	HeatingCutoffC units.Celsius `toml:"heating_cutoff_c"`

	TankTargetC units.Celsius `toml:"tank_target_c"`
	TankHystK   units.Kelvin  `toml:"tank_hyst_k"`

	// Weather curve: flow temperature FlowAC at outside OutAC, FlowBC at OutBC.
	CurveOutAC, CurveFlowAC units.Celsius `toml:"curve_out_a_c"`
	CurveOutBC, CurveFlowBC units.Celsius `toml:"curve_out_b_c"`

	OilPumpSpeed   units.Ratio `toml:"oil_pump_speed"`
	WaterPumpMin   units.Ratio `toml:"water_pump_min"`
	WaterPumpGains pid.Config  `toml:"water_pump"`
	DumpGains      pid.Config  `toml:"dump"`
	TankGains      pid.Config  `toml:"tank"`
}

// DefaultConfig returns the reference targets of DOMAIN.md and gains for the
// reference plant.
func DefaultConfig() Config {
	return Config{
		OilCeilingC: 48, DumpMarginK: 2, TankMarginK: 3,
		IndoorTargetC: 21, IndoorBandK: 0.5, HeatingCutoffC: 16,
		TankTargetC: 48, TankHystK: 4,
		CurveOutAC: -3, CurveFlowAC: 50, CurveOutBC: 16, CurveFlowBC: 30,
		OilPumpSpeed: 0.75, WaterPumpMin: 0.15,
		// Water pump on flow temperature: more flow, cooler water (reverse).
		WaterPumpGains: pid.Config{Kp: 0.04, Ki: 0.002, SetpointWeight: 1, OutMin: 0.15, OutMax: 1, Reverse: true},
		// Dump valve on oil into the modules: hotter oil, more dump (reverse).
		DumpGains: pid.Config{Kp: 0.15, Ki: 0.002, SetpointWeight: 1, OutMin: 0, OutMax: 1, Reverse: true},
		// Tank share on oil into the modules: hotter oil, less to the tank.
		TankGains: pid.Config{Kp: 0.15, Ki: 0.002, SetpointWeight: 1, OutMin: 0, OutMax: 1},
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
	ModuleCap  hal.Level
}

// Controller is the control layer's state.
type Controller struct {
	cfg   Config
	water pid.Controller
	dump  pid.Controller
	tank  pid.Controller

	heatWant, tankWant bool
	oilIn, indoor      units.Celsius
	init               bool
}

// New returns a controller; it fails when a loop's gains are invalid.
func New(cfg Config) (*Controller, error) {
	c := &Controller{cfg: cfg}
	for _, l := range []struct {
		p *pid.Controller
		g pid.Config
	}{{&c.water, cfg.WaterPumpGains}, {&c.dump, cfg.DumpGains}, {&c.tank, cfg.TankGains}} {
		if err := l.p.Configure(l.g); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Config returns the controller's configuration.
func (c *Controller) Config() *Config { return &c.cfg }

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
	c.indoor = temp(in.Temp[hal.TempIndoor], c.indoor)
	outdoor := temp(in.Temp[hal.TempOutdoor], 10)
	tankBottom := temp(in.Temp[hal.TempTankBottom], cfg.TankTargetC)
	flowC := temp(in.Temp[hal.TempWaterFlow], oil)
	if !c.init {
		c.init = true
		c.heatWant = c.indoor < cfg.IndoorTargetC
		c.tankWant = tankBottom < cfg.TankTargetC-units.Celsius(cfg.TankHystK)
	}

	// Which sinks want heat, each with hysteresis.
	switch {
	case outdoor >= cfg.HeatingCutoffC || c.indoor > cfg.IndoorTargetC+units.Celsius(cfg.IndoorBandK):
		c.heatWant = false
	case c.indoor < cfg.IndoorTargetC-units.Celsius(cfg.IndoorBandK):
		c.heatWant = true
	}
	switch {
	case tankBottom >= cfg.TankTargetC-1:
		c.tankWant = false
	case tankBottom < cfg.TankTargetC-units.Celsius(cfg.TankHystK):
		c.tankWant = true
	}

	// The dump takes what the home cannot, to hold oil under its ceiling.
	dump := units.Ratio(c.dump.Update(float64(cfg.OilCeilingC-units.Celsius(cfg.DumpMarginK)), float64(oil), 0, now))
	tankShare := units.Ratio(c.tank.Update(float64(cfg.OilCeilingC-units.Celsius(cfg.TankMarginK)), float64(oil), 0, now))
	flowTarget := cfg.WeatherCurve(outdoor)
	pump := units.Ratio(c.water.Update(float64(flowTarget), float64(flowC), 0, now))

	switch {
	case c.tankWant && c.heatWant:
		out.Valve[hal.ValveTank] = tankShare
		pump = 1
	case c.tankWant:
		out.Valve[hal.ValveTank] = 1
		pump = 1
	case c.heatWant:
		out.Valve[hal.ValveTank] = 0
	default:
		// Nobody wants heat: everything to the dump.
		dump, pump = 1, 1
	}
	out.Valve[hal.ValveDump] = dump
	out.Fan = dump
	out.Pump[hal.PumpWater] = max(pump, cfg.WaterPumpMin)

	anyOn := false
	for i := 0; i < in.NumModules; i++ {
		l := min(in.Demand[i], adv.ModuleCap)
		out.Module[i] = l
		if _, on := l.Fraction(); on {
			anyOn = true
		}
	}
	if anyOn || oil > cfg.OilCeilingC-units.Celsius(cfg.DumpMarginK) {
		out.Pump[hal.PumpOil] = cfg.OilPumpSpeed
	}
}

// Applied tells control what safety let through, so each loop tracks the
// output really applied and resumes without a bump when an override ends.
func (c *Controller) Applied(out *hal.Outputs) {
	c.water.Track(float64(out.Pump[hal.PumpWater]))
	c.dump.Track(float64(out.Valve[hal.ValveDump]))
	c.tank.Track(float64(out.Valve[hal.ValveTank]))
}
