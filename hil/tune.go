package hil

import (
	"errors"
	"fmt"
	"math"

	"hearth/control"
	"hearth/hal"
	"hearth/hil/plant"
	"hearth/pid"
	"hearth/units"
)

// Loop names a control loop of Hearth that the bench can open and drive on
// its own, for `hearth tune`: the caller drives the loop's actuator (a relay
// autotuner, a controller under test) and reads its measurement through the
// simulated probes, while every other actuator is held in a configuration
// that leaves the loop's own sink the one that matters.
type Loop string

// The loops `hearth tune` knows.
const (
	// LoopOil is the dump loop on the oil into the modules as control runs
	// it when nobody wants heat: all the water through the dump cooler, the
	// loop driving its fan. Reverse action, setpoint the oil ceiling less the
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

// Describe says what the loop drives and what it measures.
func (l Loop) Describe() string {
	switch l {
	case LoopOil:
		return "dump cooler's fan (all water to the dump) on the oil into the modules"
	case LoopWater:
		return "water pump on the water flow temperature"
	case LoopTank:
		return "tank share of the diverting valve on the oil into the modules"
	}
	return string(l)
}

// LoopSetup is how one loop is isolated on the plant and how the relay
// experiment and the step runs drive it. DefaultLoopSetup fills it in; any
// figure can be changed before use.
type LoopSetup struct {
	Loop    Loop
	Season  plant.Season
	Params  plant.Params
	Weather plant.Weather
	Init    plant.Init

	// Base is control's configuration of the loop (limits, action, setpoint
	// weight) with the gains in force: tuned gains are applied to it, and
	// every run first settles the plant under it.
	Base pid.Config
	// Rule is the tuning rule recommended for the loop (docs/pid.md §6):
	// pid.MsIAE (Result.Recommend) where the figures bear it out, and
	// RuleReason says why when it is another. Without a model ms-iae
	// cannot design, and Fallback is recommended instead.
	Rule, Fallback pid.Rule
	RuleReason     string

	// SetpointC is the loop's operating point: the relay oscillates around
	// it, and a step run steps to it.
	SetpointC float64
	// StepK is the setpoint step of a step run, from RestC = SetpointC −
	// StepK; the relay experiment starts from rest there too, so that the
	// FOPDT fit sees the static gain between the two operating points.
	StepK float64

	// The relay experiment (see pid.TunerConfig): the relay's half-swing,
	// hysteresis, deviation and duration bounds, and the agreement asked of
	// successive cycles.
	Amplitude     float64
	HysteresisK   float64
	MaxDeviationK float64
	MaxDuration   units.Duration
	Tolerance     float64
	MaxCycles     int
	// FilterS is the first-order filter (time constant, s) control puts
	// on the loop's measurement before its PID (control.Config.OilFilterS
	// on oil and tank; none on water): the loop runs behind it on the hub,
	// so it is tuned and judged behind it here.
	FilterS float64
	// QuietTime is how long the plant rests open loop at RestC when the
	// relay starts, before it switches: the tuner measures the noise band
	// and the rest's level there (pid.TunerConfig.QuietTime).
	QuietTime units.Duration

	// Settle is how long a run regulates the plant to its starting point
	// under Base, and Hold how long it then rests open loop at the mean
	// output of the settle's last quarter, before anything is measured.
	Settle, Hold units.Duration
	// Record is how long a step run records after the step, and Band the
	// settling band, a fraction of the step.
	Record units.Duration
	Band   float64

	// The actuators held fixed (the loop's own is driven instead). The oil
	// loop drives the fan; the other loops hold it at the dump valve's
	// position, as control does.
	ModuleLevel  hal.Level
	OilPump      units.Ratio
	WaterPump    units.Ratio
	ValveDump    units.Ratio
	ValveTank    units.Ratio
	WaterPumpMin units.Ratio // control's floor on the water pump
}

// minStepK is the smallest setpoint step a step run judges: four of the
// probes' 1/16 K steps (a smaller one is mostly quantisation).
const minStepK = 4 * ProbeQuantumK

// huge is a heat capacity (J/K) or a volume (L) that no run can move: a sink
// held at its initial temperature.
const huge = 1e15

// DefaultLoopSetup returns the isolation of loop that `hearth tune` uses. An
// empty season selects the loop's own: summer for oil, when the dump is what
// holds the oil; winter for water and tank, when the radiators take heat.
//
//   - oil: the radiators' and the tank coil's conductances are 0, so the dump
//     cooler is the only sink, all the water through it at the flow matched
//     to the oil's, tank valve closed: control's mode when nobody wants
//     heat, where the dump loop drives the fan alone.
//   - water: the radiators take all the heat (dump and tank valve closed)
//     into a room held at its initial temperature (its heat capacity made
//     infinite: the house is the slow outer loop's plant, not this one's).
//   - tank: the tank, held near the top of its charge (bottom 44 °C, its
//     volume made infinite), shares the water with the radiators (room held
//     as for water); dump closed, water pump at the matched flow, as control
//     charges the tank. Only near the top of the charge does the tank share
//     set the oil temperature: below it the tank alone holds the oil under
//     the setpoint.
//
// The oil loop runs with compute at 100 % (water 50 %, tank 25 %: what the
// radiators take there) and the oil pump at control's flow for it (a 6 K
// rise: 20.8 L/min at 100 %), and the outside temperature held at the season's mean: a drifting
// weather would be a load the experiment cannot tell from its own doing.
// Each loop's measurement is read as control reads it (the hotter of the
// two oil-in probes, or the flow probe): DS18B20s, 0.75 s conversions,
// 1/16 K steps and noise, on oil and tank through control's 10 s filter
// (FilterS). A quiet window of 10 minutes measures the noise band, which
// is the relay's hysteresis. The rule is ms-iae (Result.Recommend, its
// noise gain bounded by the actuator's range) with Ziegler-Nichols PI when
// the fit gives it no model, except on oil, where the fit's dead time
// misleads it and Ziegler-Nichols PI lands nearest the optimum (docs/pid.md
// §6.4, §6.6).
func DefaultLoopSetup(loop Loop, season plant.Season) (LoopSetup, error) {
	if season == "" {
		season = plant.Winter
		if loop == LoopOil {
			season = plant.Summer
		}
	}
	w, err := plant.SeasonWeather(season)
	if err != nil {
		return LoopSetup{}, err
	}
	w.AmpK = 0
	cc := control.DefaultConfig()
	s := LoopSetup{
		Loop: loop, Season: season, Params: plant.DefaultParams(), Weather: w, Init: plant.SeasonInit(season),
		StepK: 2, Rule: pid.MsIAE, Fallback: pid.ZieglerNicholsPI,
		HysteresisK: 0, MaxDeviationK: 5, MaxDuration: 4 * units.Hour, Tolerance: 0.1, MaxCycles: 30,
		QuietTime: 10 * units.Minute, Settle: 3 * units.Hour, Hold: 30 * units.Minute, Record: 90 * units.Minute, Band: 0.05,
		ModuleLevel: hal.Level100, WaterPump: 1, WaterPumpMin: cc.WaterPumpMin,
	}
	s.levelFor()
	// A probe's fixed offset moves where a loop settles, not how: the
	// step's figures are of the true temperature, so the isolation's
	// probes carry none (their lag, the dynamics, they keep).
	s.Params.ProbeOffsetK = 0
	// The pumps where control runs them at that level: the oil at its
	// flow for that heat, the water (outside space heating) matched to it.
	p := s.Params
	oilLPM := cc.OilFlowFor(units.Watt(p.Modules)*p.LevelW(s.ModuleLevel), cc.OilCeilingC-units.Celsius(cc.DumpMarginK))
	s.OilPump = units.Ratio(oilLPM / p.OilPumpMaxLPM)
	matched := units.Ratio(cc.MatchedWaterFlow(oilLPM) / p.WaterPumpMaxLPM)
	s.Init.ModuleLevel = s.ModuleLevel
	if err := s.isolate(&cc, matched); err != nil {
		return LoopSetup{}, err
	}
	return s, nil
}

// levelFor sets the compute level and the durations for the loop.
func (s *LoopSetup) levelFor() {
	// The radiators are an EN 442 stock sized to the house (6.7 kW at
	// dT50), not a sink of any size: with the radiators the only sink at
	// the weather curve's flow (water), or under the tank's oil setpoint
	// (tank), they take only part of the hub's 3.6 kW, so those loops run
	// the compute at the level the radiators can take there (50 %:
	// 2.56 kW; 25 %: 2.05 kW).
	switch s.Loop {
	case LoopWater:
		s.ModuleLevel = hal.Level50
		// The stock's water and steel (242 kJ/K, a 27 min time constant)
		// take longer to come to rest under the slow current gains.
		s.Settle = 8 * units.Hour
	case LoopTank:
		s.ModuleLevel = hal.Level25
		// Eight layers and a coil whose UA follows its flow: the tank's
		// loop is slower than the two-layer tank's (Tu ~15 min), and a
		// step needs longer to be judged.
		s.Record = 3 * units.Hour
	}
}

// isolate sets what isolates the loop from the rest of the plant: its
// sinks, actuators held, base gains, setpoint and relay swing; matched is
// the water pump matched to the oil's flow.
func (s *LoopSetup) isolate(cc *control.Config, matched units.Ratio) error {
	switch s.Loop {
	case LoopOil:
		s.Params.RadiatorQ50W, s.Params.TankCoilUAWPerK = 0, 0
		s.ValveDump = 1
		s.WaterPump = matched
		s.Base, s.FilterS = cc.DumpGains, cc.OilFilterS
		s.Rule, s.RuleReason = pid.ZieglerNicholsPI, "zn-pi: the oil is a chain of short lags over a slow mode, "+
			"which the fit from the relay's point (about −170°) turns into a dead time that makes the optimum look unstable: "+
			"ms-iae's design on it is about 2.5 × the brute force's best, Ziegler-Nichols' PI about 1.05 × (docs/pid.md §6.4, §6.6)"
		s.SetpointC = float64(cc.OilCeilingC - units.Celsius(cc.DumpMarginK))
		// The fan holds the setpoint near 0.65: ±0.25 keeps the relay in
		// 0.4-0.9 and its oscillation well above the hysteresis, which
		// brings the relay nearer −180° (−121° against −111° at ±0.15).
		s.Amplitude = 0.25
	case LoopWater:
		s.Params.HouseAirJPerK = huge
		s.Base = cc.WaterPumpGains
		s.Amplitude = 0.05
		s.SetpointC = float64(cc.WeatherCurve(s.Weather.MeanC))
		if s.Weather.MeanC < cc.HeatingCutoffC {
			// In the heating season the curve's flow, kept within the
			// pump's reach; out of it the loop has nothing to follow, and
			// the curve's flow is left for the run to refuse.
			s.SetpointC = s.waterSetpoint(s.SetpointC)
		}
	case LoopTank:
		s.Params.HouseAirJPerK = huge
		s.Params.TankL = huge
		s.Init.TankTopC, s.Init.TankBottomC = 45, 44
		s.WaterPump = matched
		s.Base, s.FilterS = cc.TankGains, cc.OilFilterS
		s.SetpointC = float64(cc.OilCeilingC - units.Celsius(cc.TankMarginK))
		// ±0.15 of the share (0.06-0.36 around its 0.21 at rest): at
		// ±0.04 the oil swung 0.3 K, not far above the noise, and the
		// relay sat at −101° with no fit; at ±0.15 it sits at −170°
		// (issue 18, docs/pid.md §6.6).
		s.Amplitude = 0.15
	default:
		return fmt.Errorf("unknown loop %q (want oil, water or tank)", s.Loop)
	}
	return nil
}

// waterSetpoint is the water loop's operating point in its isolation: the
// weather curve's flow temperature, or where every radiator watt is the
// compute's (all of it through the radiators) and the pump's band cannot
// reach it, held a quarter of the band's span inside the flow temperatures
// its minimum and its full speed give (each found open loop), the step
// run's rest StepK below it too, so that both are within reach.
func (s *LoopSetup) waterSetpoint(curveC float64) float64 {
	at := func(u float64) float64 {
		lp, err := NewLoopPlant(*s, 1)
		if err != nil {
			return curveC
		}
		lp.Apply(u)
		for range int(s.Settle / Tick) {
			lp.Measure()
			lp.Step()
		}
		return lp.Truth()
	}
	slow, fast := at(float64(s.WaterPumpMin)), at(1)
	// The step run rests StepK below the setpoint, at more pump: both
	// must stay a quarter of the band inside it, so a narrow band (the
	// EN 442 stock at the pump's minimum band) takes a smaller step.
	s.StepK = min(s.StepK, (slow-fast)/3)
	lo, hi := fast+(slow-fast)/4+s.StepK, slow-(slow-fast)/4
	if lo > hi {
		return (lo + hi) / 2
	}
	return min(max(curveC, lo), hi)
}

// Isolation says how the loop is cut out of the plant, for a report.
func (s *LoopSetup) Isolation() string {
	p := &s.Params
	var sinks string
	switch s.Loop {
	case LoopOil:
		sinks = fmt.Sprintf("dump cooler the only sink (radiators %g W at dT50, tank coil %g W/K), dump valve %.2f, water pump %.2f, tank valve %.2f",
			p.RadiatorQ50W, p.TankCoilUAWPerK, s.ValveDump, s.WaterPump, s.ValveTank)
	case LoopWater:
		sinks = fmt.Sprintf("radiators the only sink, room held at %.1f °C, dump %.2f, tank valve %.2f",
			s.Init.IndoorC, s.ValveDump, s.ValveTank)
	case LoopTank:
		sinks = fmt.Sprintf("tank held at %.1f/%.1f °C (bottom/top) against the radiators, room held at %.1f °C, dump %.2f, water pump %.2f",
			s.Init.TankBottomC, s.Init.TankTopC, s.Init.IndoorC, s.ValveDump, s.WaterPump)
	}
	f, _ := s.ModuleLevel.Fraction()
	return fmt.Sprintf("%s; compute %.0f %%, oil pump %.2f; outside held at %.1f °C", sinks, 100*f, s.OilPump, s.Weather.MeanC)
}

// RestC is where a step run starts, and where the plant rests when the relay
// experiment starts.
func (s *LoopSetup) RestC() float64 { return s.SetpointC - s.StepK }

// Validate reports whether the setup can be run.
func (s *LoopSetup) Validate() error {
	if err := s.Params.Validate(); err != nil {
		return err
	}
	if err := s.Base.Validate(); err != nil {
		return err
	}
	switch {
	case !(math.Abs(s.StepK) > max(s.HysteresisK, minStepK)) || math.Abs(s.StepK) >= s.MaxDeviationK:
		return fmt.Errorf("step %g K: want more than the hysteresis and four probe steps, %g K, and less than the deviation bound, %g K",
			s.StepK, max(s.HysteresisK, minStepK), s.MaxDeviationK)
	case !(s.FilterS >= 0) || math.IsInf(s.FilterS, 0):
		return fmt.Errorf("measurement filter %g s: want a finite time constant, 0 or above", s.FilterS)
	case !(s.Band > 0 && s.Band < 1):
		return fmt.Errorf("settling band %g: want a fraction in (0, 1)", s.Band)
	case s.Settle < 10*units.Minute || s.Hold < 0 || s.Record < units.Minute:
		return errors.New("settle, hold and record times are too short")
	}
	return nil
}

// LoopPlant is the plant with one loop opened. It is stepped by one caller,
// on the bench's clock, at the bench's tick.
type LoopPlant struct {
	Setup LoopSetup
	Plant *plant.Plant
	u     float64
	y     float64 // last good measurement
	// The measurement through FilterS, as control filters it.
	f     float64
	fAt   units.Time
	fInit bool
}

// NewLoopPlant builds the isolated plant in the setup's initial state, the
// fixed actuators set and the loop's own at its lower limit, and runs it for
// three seconds so that every probe has converted once.
func NewLoopPlant(s LoopSetup, seed uint64) (*LoopPlant, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	lp := &LoopPlant{Setup: s, Plant: plant.NewPlant(s.Params, s.Weather, s.Init, seed), y: math.NaN()}
	lp.Apply(s.Base.OutMin)
	for range int(3 * units.Second / Tick) {
		lp.Measure()
		lp.Step()
	}
	return lp, nil
}

// Now returns the plant's time.
func (lp *LoopPlant) Now() units.Time { return lp.Plant.Now }

// Output returns the loop's actuator command.
func (lp *LoopPlant) Output() float64 { return lp.u }

// Apply commands the loop's actuator, and holds the others.
func (lp *LoopPlant) Apply(u float64) {
	lp.u = u
	pl, s := lp.Plant, &lp.Setup
	fan, tank, pump := s.ValveDump, s.ValveTank, s.WaterPump
	switch s.Loop {
	case LoopOil:
		fan = units.Ratio(u)
	case LoopWater:
		pump = units.Ratio(u)
	case LoopTank:
		tank = units.Ratio(u)
	}
	_ = pl.Valves[hal.ValveDump].SetPosition(s.ValveDump)
	_ = pl.Fan.SetSpeed(fan)
	_ = pl.Valves[hal.ValveTank].SetPosition(tank)
	_ = pl.Pumps[hal.PumpWater].SetSpeed(max(pump, s.WaterPumpMin))
	_ = pl.Pumps[hal.PumpOil].SetSpeed(s.OilPump)
}

// Measure reads what the loop's controller sees, as control reads it: the
// hotter of the two oil-in probes, or the water flow probe. A sample that is
// not OK, or the DS18B20's power-on 85 °C, holds the last good value.
func (lp *LoopPlant) Measure() float64 {
	pl := lp.Plant
	read := func(id hal.TempID) (float64, bool) {
		smp := pl.Probes[id].Temperature()
		return float64(smp.Value), smp.OK() && smp.Value != 85
	}
	if lp.Setup.Loop == LoopWater {
		if v, ok := read(hal.TempWaterFlow); ok {
			lp.y = v
		}
		return lp.y
	}
	a, okA := read(hal.TempOilInA)
	b, okB := read(hal.TempOilInB)
	switch {
	case okA && okB:
		lp.y = max(a, b)
	case okA:
		lp.y = a
	case okB:
		lp.y = b
	}
	return lp.filtered(lp.y)
}

// filtered passes y through the setup's first-order filter of FilterS,
// stepped as control steps its own (once per tick, by the tick's share of
// the time constant); y itself without a filter.
func (lp *LoopPlant) filtered(y float64) float64 {
	tau := lp.Setup.FilterS
	if !(tau > 0) || math.IsNaN(y) {
		return y
	}
	now := lp.Plant.Now
	if !lp.fInit {
		lp.f, lp.fAt, lp.fInit = y, now, true
		return y
	}
	if now != lp.fAt {
		lp.f += (y - lp.f) * min(now.Sub(lp.fAt).Seconds()/tau, 1)
		lp.fAt = now
	}
	return lp.f
}

// Truth returns the true value of the loop's measured quantity: the step
// figures judge what the plant did, not what the probes said of it.
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

// ErrNotSettled is returned when the loop cannot be brought to rest at a
// starting point under its current gains: out of the actuator's reach in
// this configuration, or the gains do not hold it.
var ErrNotSettled = errors.New("hil: the loop did not settle at its starting point")

// SettleAt brings the loop to rest with its measurement at target: closed
// loop under the setup's Base for Settle, then open loop for Hold at the mean
// output of the settle's last quarter. It returns that output.
func (lp *LoopPlant) SettleAt(target float64) (rest float64, err error) {
	s := &lp.Setup
	c, err := pid.New(s.Base)
	if err != nil {
		return 0, err
	}
	c.Reset(lp.u)
	n := int(s.Settle / Tick)
	var sum float64
	for k := range n {
		u := c.Update(target, lp.Measure(), 0, lp.Now())
		lp.Apply(u)
		lp.Step()
		if k >= n-n/4 {
			sum += u
		}
	}
	rest = sum / float64(n/4)
	lp.Apply(rest)
	for range int(s.Hold / Tick) {
		lp.Measure()
		lp.Step()
	}
	if d := math.Abs(lp.Truth() - target); !(d < math.Abs(s.StepK)/4) {
		return rest, fmt.Errorf("%w: %.2f °C against %.2f °C, output %.3f", ErrNotSettled, lp.Truth(), target, rest)
	}
	return rest, nil
}

// Tuning is the outcome of a relay experiment on an isolated loop.
type Tuning struct {
	Result pid.Result
	// Bias is the output that held the setpoint (the relay's first bias),
	// and Rest the one the plant rested at, at RestC, when the relay began.
	Bias, Rest float64
	// Duration is how long the relay ran.
	Duration units.Duration
}

// Autotune runs the relay experiment on the loop: the plant is first settled
// at the setpoint (the output found there is the relay's first bias), then
// at RestC, from where pid.Tuner, after its quiet window (QuietTime) at
// rest, drives the loop's actuator around the setpoint, with adaptive bias,
// until its cycles agree. On an abort the
// error says why and the Tuning holds the last cycle's figures.
func (s *LoopSetup) Autotune(seed uint64) (Tuning, error) {
	lp, err := NewLoopPlant(*s, seed)
	if err != nil {
		return Tuning{}, err
	}
	var t Tuning
	if t.Bias, err = lp.SettleAt(s.SetpointC); err != nil {
		return t, err
	}
	if t.Rest, err = lp.SettleAt(s.RestC()); err != nil {
		return t, err
	}
	margin := 0.05 * (s.Base.OutMax - s.Base.OutMin)
	tu := new(pid.Tuner)
	err = tu.Configure(pid.TunerConfig{
		Setpoint: s.SetpointC, Hysteresis: s.HysteresisK,
		OutMin: s.Base.OutMin, OutMax: s.Base.OutMax,
		Bias:      min(max(t.Bias, s.Base.OutMin+margin), s.Base.OutMax-margin),
		Amplitude: s.Amplitude, AdaptiveBias: true, Reverse: s.Base.Reverse, RestOutput: t.Rest,
		MaxDeviation: s.MaxDeviationK, MaxDuration: s.MaxDuration,
		Tolerance: s.Tolerance, MaxCycles: s.MaxCycles, QuietTime: s.QuietTime,
	})
	if err != nil {
		return t, err
	}
	start := lp.Now()
	for {
		u, done := tu.Step(lp.Measure(), lp.Now())
		if done {
			break
		}
		lp.Apply(u)
		lp.Step()
	}
	t.Duration = lp.Now().Sub(start)
	t.Result, err = tu.Result()
	return t, err
}

// StepRun settles the loop at RestC under Base, hands it to a controller
// configured with cfg, started without a bump at the rest output, steps the
// setpoint to SetpointC, and returns the step figures of the true measured
// quantity over Record. The controller sees the probes; the figures see the
// plant. Runs with the same seed see the same noise up to the step.
func (s *LoopSetup) StepRun(cfg pid.Config, seed uint64) (pid.StepFigures, error) {
	f, _, err := s.stepRun(cfg, seed)
	return f, err
}

// stepRun is StepRun that also counts the actuator's reversals per hour
// over the record (changes of direction after a move of ReversalBand, as
// the day's quality figures count them).
func (s *LoopSetup) stepRun(cfg pid.Config, seed uint64) (pid.StepFigures, float64, error) {
	c, err := pid.New(cfg)
	if err != nil {
		return pid.StepFigures{}, 0, err
	}
	lp, err := NewLoopPlant(*s, seed)
	if err != nil {
		return pid.StepFigures{}, 0, err
	}
	rest, err := lp.SettleAt(s.RestC())
	if err != nil {
		return pid.StepFigures{}, 0, err
	}
	c.Reset(rest)
	m, err := pid.NewStepMeter(lp.Now(), s.RestC(), s.SetpointC, s.Band)
	if err != nil {
		return pid.StepFigures{}, 0, err
	}
	rv := reversal{last: rest, extreme: rest}
	for range int(s.Record / Tick) {
		m.Add(lp.Now(), lp.Truth())
		lp.Apply(c.Update(s.SetpointC, lp.Measure(), 0, lp.Now()))
		rv.add(lp.Output())
		lp.Step()
	}
	m.Add(lp.Now(), lp.Truth())
	return m.Figures(), float64(rv.count) / (s.Record.Seconds() / 3600), nil
}

// Candidate is one set of gains for a loop and its step figures.
type Candidate struct {
	Name    string // the rule's short name, or "current"
	Gains   pid.Gains
	Figures pid.StepFigures
	// Config is the loop's configuration the step ran with: Base with
	// the gains (and for ms-iae its setpoint weight and derivative filter).
	Config pid.Config
	// ReversalsPerHour counts the actuator's reversals over the record.
	ReversalsPerHour float64
}
