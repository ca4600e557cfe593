package hil

import (
	"errors"
	"fmt"
	"math"

	"hearth/control"
	"hearth/hal"
	"hearth/pid"
	"hearth/units"
)

// Loop names a control loop of Hearth that the bench can open and drive on
// its own: the loop's actuator is driven by the caller (a relay autotuner, a
// controller under test), every other actuator is held in a fixed
// configuration that makes the loop's own sink the one that matters.
type Loop string

// The loops `hearth tune` knows.
const (
	// LoopOil is the dump valve (the fan follows it, as control does) on the
	// oil into the modules: reverse action, setpoint the oil ceiling less the
	// dump margin.
	LoopOil Loop = "oil"
	// LoopWater is the primary water pump on the water flow temperature:
	// reverse action, setpoint the weather curve at the season's mean.
	LoopWater Loop = "water"
	// LoopTank is the tank share of the diverting valve on the oil into the
	// modules: direct action, setpoint the ceiling less the tank margin.
	LoopTank Loop = "tank"
)

// Loops returns every loop, in the order `hearth tune` lists them.
func Loops() []Loop { return []Loop{LoopOil, LoopWater, LoopTank} }

// LoopSetup is how one loop is isolated on the plant and how the tuner and
// the step runs drive it. DefaultLoopSetup fills it in; every figure can be
// changed before NewLoopPlant.
type LoopSetup struct {
	Loop    Loop
	Season  Season
	Params  Params
	Weather Weather
	Init    Init

	// Base is control's configuration of the loop (limits, action, setpoint
	// weight) with the gains in force: tuned gains are applied to it, and
	// runs settle the plant with it.
	Base pid.Config
	// SetpointC is the loop's operating point: the relay oscillates around
	// it and the step run steps to it.
	SetpointC float64
	// StepK is the size of the setpoint step of a step run, and how far
	// below the setpoint (above, for a direct-acting loop... see RestC) the
	// plant rests when the relay experiment starts.
	StepK float64

	// The relay experiment (pid.TunerConfig).
	HysteresisK   float64
	Amplitude     float64
	MaxDeviationK float64
	MaxDuration   units.Duration

	// Settle is how long a run regulates the plant to its starting point
	// with Base, and Hold how long it then rests open loop at the mean
	// output of the settle's last quarter, before anything is measured.
	Settle, Hold units.Duration
	// Record is how long a step run records after the step.
	Record units.Duration
	// Band is the settling band of the step figures, a fraction of the step.
	Band float64

	// Fixed actuators.
	ModuleLevel  hal.Level
	OilPump      units.Ratio
	WaterPump    units.Ratio // unless the loop drives it
	ValveDump    units.Ratio // unless the loop drives it
	ValveTank    units.Ratio // unless the loop drives it
	WaterPumpMin units.Ratio // the pump never runs slower (control's floor)
}

// DefaultLoopSetup returns the isolation of loop used by `hearth tune`.
// An empty season selects the loop's own: summer for oil (the dump is the
// only sink then), winter for water and tank.
//
//   - oil: the radiators' and the tank coil's conductances are set to 0, so
//     the dump cooler is the only sink; compute at 100 %, oil pump 0.75,
//     water pump at full speed, tank valve closed; the fan follows the dump
//     valve.
//   - water: the radiators take all the heat (dump and tank valve closed)
//     into a room held at its initial temperature (its heat capacity made
//     effectively infinite: the house is the outer loop's plant, hours
//     slower); compute at 100 %, oil pump 0.75.
//   - tank: the tank, held at mid charge (its volume made effectively
//     infinite), shares the water with the radiators (room held as for
//     water); dump closed, water pump at full speed.
//
// The weather is held at the season's mean: a drifting outside temperature
// would be a load disturbance the experiment cannot tell from its own
// doing.
func DefaultLoopSetup(loop Loop, season Season) (LoopSetup, error) {
	if season == "" {
		season = Winter
		if loop == LoopOil {
			season = Summer
		}
	}
	w, err := SeasonWeather(season)
	if err != nil {
		return LoopSetup{}, err
	}
	w.AmpK = 0
	cc := control.DefaultConfig()
	s := LoopSetup{
		Loop: loop, Season: season, Params: DefaultParams(), Weather: w, Init: SeasonInit(season),
		HysteresisK: 0.25, MaxDeviationK: 5, MaxDuration: 3 * units.Hour,
		Settle: 3 * units.Hour, Hold: 30 * units.Minute, Record: 90 * units.Minute, Band: 0.05,
		ModuleLevel: hal.Level100, OilPump: cc.OilPumpSpeed, WaterPump: 1, WaterPumpMin: cc.WaterPumpMin,
		StepK: 2,
	}
	s.Init.ModuleLevel = s.ModuleLevel
	const infinite = 1e15 // a heat capacity no run can move
	switch loop {
	case LoopOil:
		s.Params.RadiatorUAWPerK, s.Params.TankCoilUAWPerK = 0, 0
		s.Base = cc.DumpGains
		s.SetpointC = float64(cc.OilCeilingC - units.Celsius(cc.DumpMarginK))
		s.Amplitude = 0.15
	case LoopWater:
		s.Params.HouseAirJPerK = infinite
		s.Base = cc.WaterPumpGains
		s.SetpointC = float64(cc.WeatherCurve(w.MeanC))
		s.Amplitude = 0.05
		s.HysteresisK = 0.2
	case LoopTank:
		s.Params.HouseAirJPerK = infinite
		s.Params.TankL = infinite
		s.Init.TankTopC, s.Init.TankBottomC = 42, 40
		s.Base = cc.TankGains
		s.SetpointC = float64(cc.OilCeilingC - units.Celsius(cc.TankMarginK))
		s.Amplitude = 0.15
	default:
		return LoopSetup{}, fmt.Errorf("unknown loop %q (want oil, water or tank)", loop)
	}
	return s, nil
}

// RestC is where the plant rests when the relay experiment starts, and where
// a step run starts: StepK on the side of the setpoint that the loop's
// output at rest is higher... below the setpoint.
func (s *LoopSetup) RestC() float64 { return s.SetpointC - s.StepK }

// LoopPlant is the plant with one loop opened.
type LoopPlant struct {
	Setup LoopSetup
	Plant *Plant
	u     float64
	y     float64 // last good measurement
}

// NewLoopPlant builds the isolated plant, its actuators in the setup's fixed
// configuration and the loop's own at its lower limit, and runs it for a few
// seconds so that every probe has converted.
func NewLoopPlant(s LoopSetup, seed uint64) (*LoopPlant, error) {
	if err := s.Params.Validate(); err != nil {
		return nil, err
	}
	if err := s.Base.Validate(); err != nil {
		return nil, err
	}
	pl := NewPlant(s.Params, s.Weather, s.Init, seed)
	lp := &LoopPlant{Setup: s, Plant: pl, y: math.NaN()}
	lp.Apply(s.Base.OutMin)
	for range 30 {
		lp.Step()
		lp.Measure()
	}
	return lp, nil
}

// Now returns the plant's time.
func (lp *LoopPlant) Now() units.Time { return lp.Plant.Now }

// Output returns the loop's actuator command.
func (lp *LoopPlant) Output() float64 { return lp.u }

// Apply sets the loop's actuator.
func (lp *LoopPlant) Apply(u float64) {
	lp.u = u
	pl, s := lp.Plant, &lp.Setup
	dump, tank, pump := s.ValveDump, s.ValveTank, s.WaterPump
	switch s.Loop {
	case LoopOil:
		dump = units.Ratio(u)
	case LoopWater:
		pump = units.Ratio(u)
	case LoopTank:
		tank = units.Ratio(u)
	}
	_ = pl.Valves[hal.ValveDump].SetPosition(dump)
	_ = pl.Fan.SetSpeed(dump) // the fan follows the dump valve, as control does
	_ = pl.Valves[hal.ValveTank].SetPosition(tank)
	_ = pl.Pumps[hal.PumpWater].SetSpeed(max(pump, s.WaterPumpMin))
	_ = pl.Pumps[hal.PumpOil].SetSpeed(s.OilPump)
}

// Measure reads what the loop's controller sees, through the simulated
// probes (conversion period, quantisation, noise), as control reads it: the
// hotter of the two oil-in probes, or the water flow probe. A sample that is
// not OK, or the DS18B20's power-on 85 C, holds the last good value.
func (lp *LoopPlant) Measure() float64 {
	pl := lp.Plant
	good := func(id hal.TempID) (float64, bool) {
		smp := pl.Probes[id].Temperature()
		return float64(smp.Value), smp.OK() && smp.Value != 85
	}
	switch lp.Setup.Loop {
	case LoopWater:
		if v, ok := good(hal.TempWaterFlow); ok {
			lp.y = v
		}
	default:
		a, okA := good(hal.TempOilInA)
		b, okB := good(hal.TempOilInB)
		switch {
		case okA && okB:
			lp.y = max(a, b)
		case okA:
			lp.y = a
		case okB:
			lp.y = b
		}
	}
	return lp.y
}

// Truth returns the true value of what the loop measures.
func (lp *LoopPlant) Truth() float64 {
	if lp.Setup.Loop == LoopWater {
		return float64(lp.Plant.S.WaterFlowC)
	}
	return float64(lp.Plant.S.OilInC)
}

// Step advances the plant by one tick, renewing the modules' leases.
func (lp *LoopPlant) Step() {
	pl := lp.Plant
	for i := 0; i < pl.P.Modules; i++ {
		_ = pl.Modules[i].SetLevel(lp.Setup.ModuleLevel)
	}
	pl.Step(Tick)
}

// ErrNotSettled is returned when a loop could not be brought to rest at its
// starting point with its current gains.
var ErrNotSettled = errors.New("hil: the loop did not settle at its starting point")

// SettleAt brings the loop to rest with its measurement at target: closed
// loop under the setup's Base gains for Settle, then open loop at the mean
// output of the settle's last quarter for Hold. It returns that output.
func (lp *LoopPlant) SettleAt(target float64) (rest float64, err error) {
	s := &lp.Setup
	c, err := pid.New(s.Base)
	if err != nil {
		return 0, err
	}
	c.Reset(lp.u)
	n := int(s.Settle / Tick)
	var sum float64
	var cnt int
	for k := range n {
		u := c.Update(target, lp.Measure(), 0, lp.Now())
		lp.Apply(u)
		lp.Step()
		if k >= n*3/4 {
			sum += u
			cnt++
		}
	}
	rest = sum / float64(max(cnt, 1))
	lp.Apply(rest)
	for range int(s.Hold / Tick) {
		lp.Measure()
		lp.Step()
	}
	if d := math.Abs(lp.Truth() - target); !(d < 0.5*s.StepK) {
		return rest, fmt.Errorf("%w: %.2f C against %.2f C", ErrNotSettled, lp.Truth(), target)
	}
	return rest, nil
}

// Autotune settles the loop at RestC and runs the relay experiment around
// SetpointC. It returns the tuner's result and the rest output.
func (s *LoopSetup) Autotune(seed uint64) (pid.Result, float64, error) {
	lp, err := NewLoopPlant(*s, seed)
	if err != nil {
		return pid.Result{}, 0, err
	}
	rest, err := lp.SettleAt(s.RestC())
	if err != nil {
		return pid.Result{}, rest, err
	}
	margin := 0.05 * (s.Base.OutMax - s.Base.OutMin)
	tu := new(pid.Tuner)
	err = tu.Configure(pid.TunerConfig{
		Setpoint: s.SetpointC, Hysteresis: s.HysteresisK, OutMin: s.Base.OutMin, OutMax: s.Base.OutMax,
		Bias: min(max(rest, s.Base.OutMin+margin), s.Base.OutMax-margin), Amplitude: s.Amplitude,
		AdaptiveBias: true, Reverse: s.Base.Reverse, RestOutput: rest,
		MaxDeviation: s.MaxDeviationK, MaxDuration: s.MaxDuration,
	})
	if err != nil {
		return pid.Result{}, rest, err
	}
	for {
		u, done := tu.Step(lp.Measure(), lp.Now())
		if done {
			break
		}
		lp.Apply(u)
		lp.Step()
	}
	res, err := tu.Result()
	return res, rest, err
}

// StepRun settles the loop at RestC, hands it to a controller configured
// with cfg (started bumplessly at the rest output), steps its setpoint to
// SetpointC and returns the figures of the true measured quantity over
// Record.
func (s *LoopSetup) StepRun(cfg pid.Config, seed uint64) (pid.StepFigures, error) {
	lp, err := NewLoopPlant(*s, seed)
	if err != nil {
		return pid.StepFigures{}, err
	}
	rest, err := lp.SettleAt(s.RestC())
	if err != nil {
		return pid.StepFigures{}, err
	}
	c, err := pid.New(cfg)
	if err != nil {
		return pid.StepFigures{}, err
	}
	c.Reset(rest)
	m, err := pid.NewStepMeter(lp.Now(), s.RestC(), s.SetpointC, s.Band)
	if err != nil {
		return pid.StepFigures{}, err
	}
	for range int(s.Record / Tick) {
		m.Add(lp.Now(), lp.Truth())
		lp.Apply(c.Update(s.SetpointC, lp.Measure(), 0, lp.Now()))
		lp.Step()
	}
	m.Add(lp.Now(), lp.Truth())
	return m.Figures(), nil
}
