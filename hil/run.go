package hil

import (
	"fmt"
	"math"
	"sort"

	"hearth/core"
	"hearth/core/edge"
	"hearth/hal"
	"hearth/hil/plant"
	"hearth/safety"
	"hearth/safety/tripstore"
	"hearth/units"
)

// DefaultWeekStart is when a run starts unless its scenario says otherwise:
// Wednesday 00:00, away from the weekly anti-legionella hold.
const DefaultWeekStart = 48 * units.Hour

// Tick is the control period of the bench: 10 Hz, as on the Pi.
const Tick = 100 * units.Millisecond

// TraceEvery is the sampling period of a recorded trace.
const TraceEvery = 10 * units.Second

// Config describes one closed-loop run.
type Config struct {
	Params   plant.Params
	Weather  plant.Weather
	Init     plant.Init
	Core     core.Config
	Seed     uint64
	Duration units.Duration
	Demand   hal.Level      // what the workload asks of every module at the start
	WeekTime units.Duration // local time since Monday 00:00 at the start
	// PreRoll runs the closed loop this long before time zero, so that a
	// day's figures are those of a controller in service, not of its boot.
	// Nothing of the pre-roll is scored but its trips and violations.
	PreRoll units.Duration
	Events  []Event
	Trace   bool // record a Trace for reports
	// NoQuality leaves the control-quality figures (Result.Quality, and
	// the capacity oracle behind them) uncomputed: a campaign judges only
	// invariants and trips, and the oracle is an eighth of a tick's cost.
	NoQuality bool
	// Thermostat runs the reference thermostat in place of Hearth's control
	// (under the same safety layer), for comparison.
	Thermostat bool
	// Channel, when set, drives the modules through the real module
	// channel over a simulated network (see ChannelFile).
	Channel *ChannelFile
}

// newCore builds the controller a run asks for. Its safety layer is strict:
// an assertion after arbitration that fails stops the run (a programming
// error to replay), where the Pi would latch an internal-fault trip.
func (c *Config) newCore() (*core.Core, error) {
	var cc *core.Core
	var err error
	if c.Thermostat {
		cc, err = core.NewWith(NewThermostat(), c.Core.Safety)
	} else {
		cc, err = core.New(c.Core)
	}
	if err == nil {
		cc.Safety.SetStrict(true)
	}
	return cc, err
}

// DefaultConfig returns the reference run of a season's day.
func DefaultConfig(s plant.Season, seed uint64) (Config, error) {
	w, err := plant.SeasonWeather(s)
	if err != nil {
		return Config{}, err
	}
	return Config{Params: plant.DefaultParams(), Weather: w, Init: plant.SeasonInit(s), Core: core.DefaultConfig(),
		Seed: seed, Duration: 24 * units.Hour, Demand: hal.Level100, PreRoll: 15 * units.Minute,
		WeekTime: DefaultWeekStart}, nil
}

// Trip is one latched trip seen during a run.
type Trip struct {
	AtS     float64 `json:"at_s"`
	Cause   string  `json:"cause"`
	Witness string  `json:"witness"` // the evidence it was taken on
}

// Temps are the extremes of the plant's true temperatures over a run.
type Temps struct {
	OilModuleIn  float64 `json:"oil_module_in"`
	OilModuleOut float64 `json:"oil_module_out"`
	WaterFlow    float64 `json:"water_flow"`
	Tank         float64 `json:"tank"` // the tank's top probe's layer
	Indoor       float64 `json:"indoor"`
	TankBottom   float64 `json:"tank_bottom"` // the tank's bottom probe's layer
}

// EnergyKWh is a run's energy account at the hub's boundary.
type EnergyKWh struct {
	Compute      float64 `json:"compute"`
	Parasitic    float64 `json:"parasitic"`
	ToTank       float64 `json:"to_tank"`
	ToHeating    float64 `json:"to_heating"`
	Dumped       float64 `json:"dumped"`
	Losses       float64 `json:"losses"`
	StoredChange float64 `json:"stored_change"`
	Immersion    float64 `json:"immersion"`
	DHWDelivered float64 `json:"dhw_delivered"`
	// Backup is the heat the home's own boiler or heat pump gave the house
	// where the hub could not (outside the hub's boundary).
	Backup float64 `json:"backup"`
	// Overhead is the facility's energy beyond compute, pumps and fan
	// (power conversion, network, the controller): ISO/IEC 30134-6 counts
	// it in the ERF's denominator.
	Overhead float64 `json:"overhead"`
}

// Result is what a run reports. Field names are a contract (issue 2).
type Result struct {
	SimSeconds          float64   `json:"sim_seconds"`
	WallSeconds         float64   `json:"wall_seconds"`
	Ticks               int64     `json:"ticks"`
	Season              string    `json:"season,omitempty"`
	Seed                uint64    `json:"seed"`
	SafetyState         string    `json:"safety_state"`
	MaxTempC            Temps     `json:"max_temp_c"`
	MinTempC            Temps     `json:"min_temp_c"`
	Trips               []Trip    `json:"trips"`
	EnergyKWh           EnergyKWh `json:"energy_kwh"`
	EnergyImbalance     float64   `json:"energy_imbalance_kwh"`
	ERF                 float64   `json:"erf"`
	ComputeAvailability float64   `json:"compute_availability"`
	// DHWShortfallKWh is the EN 16147 shortfall: each draw's Qtap less the
	// energy it delivered at or above its Tm (nothing if it never reached
	// its Tp); DHWDraws draws were judged, DHWDrawsShort of them short.
	DHWShortfallKWh float64 `json:"dhw_shortfall_kwh"`
	DHWDraws        int     `json:"dhw_draws"`
	DHWDrawsShort   int     `json:"dhw_draws_short"`
	Quality         Quality `json:"quality"`
	// Channel is the module channel's account, for runs through it.
	Channel *ChannelResult `json:"module_channel,omitempty"`
}

// timed is one scheduled action of a run.
type timed struct {
	at units.Time
	ev Event
}

// Sim is one closed-loop run that the caller steps, so that an edge can pace
// it against the wall clock or draw a status line between ticks.
type Sim struct {
	Cfg   Config
	Plant *plant.Plant
	Core  *core.Core
	dev   hal.Devices
	chn   *channel // nil: the modules straight from the controller
	loop  edge.Loop
	ticks int64
	end   units.Time

	demand      hal.Level
	sched       []timed
	next        int
	resetNext   bool
	resetTill   units.Time // a reset button held down until then
	ctlDown     bool       // the controller takes no step
	ctlDownTill units.Time // when it comes back
	ctlRestart  bool       // it comes back as a fresh process
	lastKick    units.Time // last step, as the watchdog sees it
	dogFired    bool

	// disk is what the controller keeps across a power cut: its latched
	// trip as the daemon writes it with safety/tripstore, the same bytes.
	disk       tripstore.Memory
	resetAsked bool // an engineer's reset is held on this tick

	maxT, minT        Temps
	trips             []Trip
	lastState         safety.State
	availReq, availOK float64

	inv       invariants
	q         quality
	probes    []stateProbe
	trace     *Trace
	nextTrace units.Time
	tf        *traceFile // --trace: every tick's figures to a file
	watch     *watcher   // the window and time expectations' account
	errs      []error
}

// stateProbe records the safety state, and whether any module was
// powered, at a time.
type stateProbe struct {
	at      units.Time
	state   string
	powered int
	done    bool
	// Commands held by the plant's devices then.
	oilPump, waterPump, valveDump, valveTank, fan float64
	alarm                                         bool
}

// New builds a run and pre-rolls it to time zero.
func New(cfg Config) (*Sim, error) {
	if cfg.Params.Modules < 1 || cfg.Params.Modules > hal.MaxModules {
		return nil, fmt.Errorf("params: modules = %d, want 1..%d", cfg.Params.Modules, hal.MaxModules)
	}
	c, err := cfg.newCore()
	if err != nil {
		return nil, err
	}
	pl := plant.NewPlant(cfg.Params, cfg.Weather, cfg.Init, cfg.Seed)
	pl.LocalAt = cfg.WeekTime // the draws keep local time
	pl.StartAt(units.Time(-cfg.PreRoll))
	s := &Sim{Cfg: cfg, Plant: pl, Core: c, end: units.Time(cfg.Duration), demand: cfg.Demand}
	s.q.bound = plant.HeatBound{MaxC: ComfortMaxC, HoldC: cfg.Core.Control.LegionellaC,
		MinC: ComfortMinC, CeilingC: cfg.Core.Control.OilCeilingC, OutMaxC: cfg.Core.Control.OilOutMaxC,
		MinOilLPM: cfg.Core.Safety.MinOilFlowLPM}
	s.dev = pl.Devices()
	if cfg.Channel != nil {
		if s.chn, err = newChannel(cfg.Channel, pl, cfg.Seed); err != nil {
			return nil, err
		}
		s.chn.devices(&s.dev)
	}
	s.loop = edge.Loop{Core: c, Dev: &s.dev, Store: &s.disk, Dog: s}
	s.trips = make([]Trip, 0, 8)
	s.inv.init(s)
	for _, e := range cfg.Events {
		s.sched = append(s.sched, timed{units.Time(e.At), e})
		if e.Fault != "" && e.For > 0 {
			s.sched = append(s.sched, timed{units.Time(e.At + e.For), Event{Clear: e.Fault, Target: e.Target, Arg: e.Arg}})
		}
	}
	sort.SliceStable(s.sched, func(i, j int) bool { return s.sched[i].at < s.sched[j].at })
	if cfg.Trace {
		s.trace = &Trace{StartLocal: cfg.WeekTime, Limits: map[string]float64{
			"oil_in_warn_c": float64(cfg.Core.Safety.OilIn.WarnC), "oil_in_trip_c": float64(cfg.Core.Safety.OilIn.TripC),
			"oil_ceiling_c": float64(cfg.Core.Control.OilCeilingC), "tank_target_c": float64(cfg.Core.Control.TankTargetC),
			"pressure_warn_low_bar": float64(cfg.Core.Safety.PressureWarnLowBar), "pressure_trip_low_bar": float64(cfg.Core.Safety.PressureTripLowBar),
			"pressure_warn_high_bar": float64(cfg.Core.Safety.PressureWarnHighBar), "pressure_trip_high_bar": float64(cfg.Core.Safety.PressureTripHighBar),
			"oil_flow_trip_min_lpm": float64(cfg.Core.Safety.MinOilFlowLPM),
		}}
	}
	for pl.Now < 0 {
		s.Step()
	}
	s.startScoring()
	return s, nil
}

// probeAt asks the run to record its state at t; the index finds it later.
func (s *Sim) probeAt(t units.Time) int {
	s.probes = append(s.probes, stateProbe{at: t})
	return len(s.probes) - 1
}

func (s *Sim) startScoring() {
	pl := s.Plant
	pl.ResetEnergy()
	inf := math.Inf(1)
	s.maxT = Temps{-inf, -inf, -inf, -inf, -inf, -inf}
	s.minT = Temps{inf, inf, inf, inf, inf, inf}
	s.availReq, s.availOK, s.ticks = 0, 0, 0
}

// Done reports whether the run has reached its duration.
func (s *Sim) Done() bool { return s.Plant.Now >= s.end }

// Ticks returns the scored ticks run so far.
func (s *Sim) Ticks() int64 { return s.ticks }

// Inputs returns the inputs of the last tick.
func (s *Sim) Inputs() *hal.Inputs { return s.loop.Inputs() }

// Errors returns what went wrong with the run itself (a bad event).
func (s *Sim) Errors() []error { return s.errs }

// Step runs one control tick and one plant step: the bench's own work
// (its schedule of faults, the controller's outages, the plant, the
// scoring) around one tick of the edge loop the daemon runs too.
func (s *Sim) Step() {
	pl := s.Plant
	now := pl.Now
	for s.next < len(s.sched) && s.sched[s.next].at <= now {
		s.apply(s.sched[s.next].ev)
		s.next++
	}
	if s.ctlDown && now >= s.ctlDownTill {
		s.ctlDown = false
		if s.ctlRestart || s.dogFired {
			s.restart()
		}
	}
	s.resetAsked = false
	if s.chn != nil {
		s.chn.step(now, s.ctlDown)
	}
	if !s.ctlDown {
		s.loop.Tick(now, s, true)
	} else if now.Sub(s.lastKick).Seconds() >= pl.P.WatchdogS {
		// The hardware watchdog has not been kicked: it de-energises
		// everything, and the Pi reboots when the controller comes back.
		s.dogFired = true
		pl.Deenergise()
	}

	st := *s.Core.Status()
	if st.State == safety.StateTripped && s.lastState != safety.StateTripped {
		s.trips = append(s.trips, Trip{AtS: now.Seconds(), Cause: st.Cause.String(), Witness: st.Witness.String()})
		s.mark("trip", st.Cause.String())
	}

	pl.Step(Tick)
	if now >= 0 {
		s.ticks++
		s.observe()
		if !s.Cfg.NoQuality {
			s.q.observe(s, &st)
		}
	}
	s.inv.check(s, &st, s.resetAsked)
	s.lastState = st.State
	s.probe(now, &st)
	if now >= 0 {
		s.traceTick(&st)
		if s.watch != nil {
			s.watch.tick(s, &st)
		}
	}
	if s.trace != nil && now >= s.nextTrace {
		s.nextTrace = now.Add(TraceEvery)
		s.record(st)
	}
}

// Stamp fills in what the edge owns, for the edge loop: the week's time,
// the workload's demand, an engineer's reset, the watchdog.
func (s *Sim) Stamp(in *hal.Inputs) {
	now := in.Now
	in.WeekTime = (s.Cfg.WeekTime + units.Duration(now) + 7*24*units.Hour) % (7 * 24 * units.Hour)
	for i := 0; i < in.NumModules; i++ {
		in.Demand[i] = s.demand
	}
	held := s.resetNext || now < s.resetTill
	in.ResetRequest, s.resetAsked = held, held
	in.Watchdog = true
	s.resetNext = false
}

// Kick is the bench's watchdog, fed by the edge loop.
func (s *Sim) Kick() error {
	s.lastKick = s.Plant.Now
	return nil
}

// probe fills in the state probes whose time has come.
func (s *Sim) probe(now units.Time, st *safety.Status) {
	pl := s.Plant
	for i := range s.probes {
		if p := &s.probes[i]; !p.done && now >= p.at {
			p.state, p.done = st.State.String(), true
			p.oilPump, p.waterPump = float64(pl.Pumps[hal.PumpOil].Command()), float64(pl.Pumps[hal.PumpWater].Command())
			p.valveDump, p.valveTank = float64(pl.Valves[hal.ValveDump].Command()), float64(pl.Valves[hal.ValveTank].Command())
			p.fan, p.alarm = float64(pl.Fan.Command()), pl.Alarm.On
			for m := 0; m < pl.P.Modules; m++ {
				if pl.Modules[m].Powered() {
					p.powered++
				}
			}
		}
	}
}

// restart brings the controller back as a fresh process that keeps only
// what it persisted: the edge loop boots it from the bench's trip store.
func (s *Sim) restart() {
	c, err := s.Cfg.newCore()
	if err != nil {
		s.errs = append(s.errs, err)
		return
	}
	s.Core, s.loop.Core, s.dogFired = c, c, false
	s.loop.Boot(s.Plant.Now) // a store that cannot be read starts latched
	s.mark("command", "controller restarted")
}

func (s *Sim) apply(e Event) {
	now := s.Plant.Now
	switch {
	case e.Command == "reset":
		// An engineer's reset: one press, or (with for) a button held down
		// that long; the layer acts on a new press only.
		s.resetNext = true
		s.resetTill = now.Add(e.For)
		s.mark("command", "reset")
	case e.Demand != "":
		s.demand, _ = ParseLevel(e.Demand, s.demand)
		s.mark("demand", "demand "+e.Demand)
	case e.Draw != "":
		if err := s.Plant.StartDraw(e.Draw); err != nil {
			s.errs = append(s.errs, err)
		}
		s.mark("command", "draw "+e.Draw)
	case e.Fault == "controller_stall" || e.Fault == "controller_restart":
		spec, _ := plant.Spec(plant.FaultKind(e.Fault))
		arg := e.Arg
		if arg == 0 {
			arg = spec.DefaultArg
		}
		s.ctlDown, s.ctlDownTill = true, now.Add(units.DurationOf(arg))
		s.ctlRestart = e.Fault == "controller_restart"
		if s.ctlRestart {
			s.Plant.Deenergise() // the controller's own supply is gone: so is every relay it holds
		}
		s.mark("fault", e.Fault)
	case e.Clear == "controller_stall" || e.Clear == "controller_restart":
		// They end by themselves; clearing brings the controller back now.
		s.ctlDownTill = now
	case e.Fault != "":
		if err := s.Plant.ApplyDuty(plant.FaultKind(e.Fault), e.Target, e.Arg, e.Duty, true); err != nil {
			s.errs = append(s.errs, err)
		}
		s.mark("fault", e.Fault+" "+e.Target)
	case e.Clear != "":
		if err := s.Plant.Apply(plant.FaultKind(e.Clear), e.Target, e.Arg, false); err != nil {
			s.errs = append(s.errs, err)
		}
		s.mark("clear", e.Clear+" "+e.Target)
	}
}

func (s *Sim) mark(kind, label string) {
	if s.trace != nil {
		s.trace.Markers = append(s.trace.Markers, Marker{TS: s.Plant.Now.Seconds(), Kind: kind, Label: label})
	}
}

func (s *Sim) record(st safety.Status) {
	pl, ps := s.Plant, &s.Plant.S
	powered := 0
	for i := 0; i < pl.P.Modules; i++ {
		if pl.Modules[i].Powered() {
			powered++
		}
	}
	s.trace.Points = append(s.trace.Points, TracePoint{
		TS: pl.Now.Seconds(), OilInC: float64(ps.OilInC), OilOutC: float64(ps.OilOutC),
		WaterFlowC: float64(ps.WaterFlowC), WaterReturnC: float64(ps.WaterRetC),
		TankTopC: float64(ps.TankTopC), TankBottomC: float64(ps.TankBottomC),
		IndoorC: float64(ps.IndoorC), OutdoorC: float64(ps.OutdoorC),
		OilInAMeasuredC: float64(s.loop.Inputs().Temp[hal.TempOilInA].Value), OilInBMeasuredC: float64(s.loop.Inputs().Temp[hal.TempOilInB].Value),
		FlowTargetC: float64(s.Cfg.Core.Control.WeatherCurve(ps.OutdoorC)),
		OilPump:     float64(pl.Pumps[hal.PumpOil].Command()), WaterPump: float64(pl.Pumps[hal.PumpWater].Command()),
		ValveDump: float64(pl.Valves[hal.ValveDump].Command()), ValveTank: float64(pl.Valves[hal.ValveTank].Command()),
		Fan: float64(pl.Fan.Command()), Immersion: pl.Heater.On,
		ComputeKW: float64(pl.ComputePower()) / 1000, CapacityKW: float64(s.q.capW) / 1000, ModulesPowered: powered, SafetyState: st.State.String(),
		OilPumpActual: float64(pl.Pumps[hal.PumpOil].Actual()), WaterPumpActual: float64(pl.Pumps[hal.PumpWater].Actual()),
		ValveDumpActual: float64(pl.Valves[hal.ValveDump].Actual()), ValveTankActual: float64(pl.Valves[hal.ValveTank].Actual()),
		FanActual: float64(pl.Fan.Actual()), PressureBar: float64(ps.PressureBar), OilFlowLPM: float64(ps.OilFlowLPM), WaterFlowLPM: float64(ps.WaterLPM),
	})
	s.recordSinks(st)
}

// recordSinks fills the last point's heat by sink from the energy since
// the point before, and marks each alarm and warning as it is raised.
func (s *Sim) recordSinks(st safety.Status) {
	pl, tr := s.Plant, s.trace
	p := &tr.Points[len(tr.Points)-1]
	if dt := pl.Now.Sub(tr.lastAt).Seconds(); dt > 0 && len(tr.Points) > 1 {
		kw := func(now, then units.Joule) float64 { return float64(now-then) / dt / 1000 }
		e, o := &pl.E, &tr.lastE
		p.ToTankKW, p.ToHeatingKW, p.DumpedKW, p.LossesKW = kw(e.ToTank, o.ToTank), kw(e.ToHeating, o.ToHeating), kw(e.Dumped, o.Dumped), kw(e.Losses, o.Losses)
	}
	tr.lastAt, tr.lastE = pl.Now, pl.E
	for c := safety.Cause(1); c < safety.NumCauses; c++ {
		if b := c.Bit(); st.Alarms&b != 0 && tr.alarms&b == 0 {
			s.mark("alarm", c.String())
		} else if st.Warnings&b != 0 && tr.warnings&b == 0 {
			s.mark("warning", c.String())
		}
	}
	tr.alarms, tr.warnings = st.Alarms, st.Warnings
}

func (s *Sim) observe() {
	pl, st := s.Plant, &s.Plant.S
	track := func(mx, mn *float64, v units.Celsius) {
		*mx = max(*mx, float64(v))
		*mn = min(*mn, float64(v))
	}
	track(&s.maxT.OilModuleIn, &s.minT.OilModuleIn, st.OilInC)
	var hottest units.Celsius = -273
	for i := 0; i < pl.P.Modules; i++ {
		hottest = max(hottest, st.ModuleOilC[i])
	}
	track(&s.maxT.OilModuleOut, &s.minT.OilModuleOut, hottest)
	track(&s.maxT.WaterFlow, &s.minT.WaterFlow, st.WaterFlowC)
	track(&s.maxT.Tank, &s.minT.Tank, st.TankTopC)
	track(&s.maxT.TankBottom, &s.minT.TankBottom, st.TankBottomC)
	track(&s.maxT.Indoor, &s.minT.Indoor, st.IndoorC)
	if _, on := s.demand.Fraction(); on {
		for i := 0; i < pl.P.Modules; i++ {
			s.availReq++
			if pl.Modules[i].Level() >= s.demand {
				s.availOK++
			}
		}
	}
}

// Result summarises the run so far.
func (s *Sim) Result() Result {
	pl := s.Plant
	e := pl.E
	stored := pl.StoredChange()
	r := Result{
		SimSeconds: math.Max(0, pl.Now.Seconds()), Ticks: s.ticks, Seed: s.Cfg.Seed,
		SafetyState: s.Core.Safety.Status().State.String(),
		MaxTempC:    s.maxT, MinTempC: s.minT, Trips: s.trips,
		EnergyKWh: EnergyKWh{
			Compute: e.Compute.KWh(), Parasitic: e.Parasitic.KWh(), ToTank: e.ToTank.KWh(),
			ToHeating: e.ToHeating.KWh(), Dumped: e.Dumped.KWh(), Losses: e.Losses.KWh(),
			StoredChange: stored.KWh(), Immersion: e.Immersion.KWh(), Backup: e.Backup.KWh(), DHWDelivered: e.DHWDelivered.KWh(),
			Overhead: e.Overhead.KWh(),
		},
		DHWShortfallKWh: e.DHWShortfall.KWh(), DHWDraws: e.DHWDraws, DHWDrawsShort: e.DHWDrawsShort,
		Quality: s.q.result(),
	}
	if s.chn != nil {
		r.Channel = s.chn.result()
	}
	k := &r.EnergyKWh
	r.EnergyImbalance = k.Compute - (k.ToTank + k.ToHeating + k.Dumped + k.Losses + k.StoredChange)
	r.Quality.BackupMinKWh = s.q.bound.BackupMin().KWh()
	r.Quality.AuxMinKWh = s.q.bound.AuxMin(pl).KWh()
	r.Quality.HeatBoundKWh = (s.q.bound.House() + s.q.bound.Tank(pl, units.DurationOf(r.SimSeconds))).KWh()
	if d := k.Compute + k.Parasitic + k.Overhead; d > 0 {
		r.ERF = (k.ToTank + k.ToHeating) / d
		r.Quality.ERFBound = min(1, r.Quality.HeatBoundKWh/d)
	}
	r.ComputeAvailability = 1
	if s.availReq > 0 {
		r.ComputeAvailability = s.availOK / s.availReq
	}
	return r
}

// Violations returns the invariants broken so far.
func (s *Sim) Violations() []Violation { return s.inv.violations }

// Trace returns the recorded trace (nil unless Config.Trace).
func (s *Sim) Trace() *Trace { return s.trace }

// Run runs cfg to its end and returns the result (WallSeconds left at 0: the
// bench's core never reads the wall clock; the caller times it).
func Run(cfg Config) (Result, error) {
	s, err := New(cfg)
	if err != nil {
		return Result{}, err
	}
	for !s.Done() {
		s.Step()
	}
	return s.Result(), nil
}
