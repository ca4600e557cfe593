package hil

import (
	"fmt"
	"math"

	"hearth/core"
	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

// Tick is the control period of the bench: 10 Hz, as on the Pi.
const Tick = 100 * units.Millisecond

// Config describes one closed-loop run.
type Config struct {
	Params   Params
	Weather  Weather
	Init     Init
	Core     core.Config
	Seed     uint64
	Duration units.Duration
	Demand   hal.Level      // what the workload asks of every module
	WeekTime units.Duration // local time since Monday 00:00 at the start
}

// SeasonInit returns a warm start that fits the season: the house at its
// target, the tank charged, the hub running.
func SeasonInit(s Season) Init {
	in := Init{OilC: 40, WaterC: 38, TankTopC: 47, TankBottomC: 46, IndoorC: 21,
		ModuleLevel: hal.Level100, ValveDump: 0, ValveTank: 0}
	if s == Summer {
		in.OilC, in.WaterC, in.IndoorC = 38, 36, 23
	}
	return in
}

// DefaultConfig returns the reference run of a season's day.
func DefaultConfig(s Season, seed uint64) (Config, error) {
	w, err := SeasonWeather(s)
	if err != nil {
		return Config{}, err
	}
	return Config{Params: DefaultParams(), Weather: w, Init: SeasonInit(s), Core: core.DefaultConfig(),
		Seed: seed, Duration: 24 * units.Hour, Demand: hal.Level100}, nil
}

// Trip is one latched trip seen during a run.
type Trip struct {
	AtS   float64 `json:"at_s"`
	Cause string  `json:"cause"`
}

// Temps are the extremes of the plant's true temperatures over a run.
type Temps struct {
	OilModuleIn  float64 `json:"oil_module_in"`
	OilModuleOut float64 `json:"oil_module_out"`
	WaterFlow    float64 `json:"water_flow"`
	Tank         float64 `json:"tank"`
	Indoor       float64 `json:"indoor"`
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
	DHWShortfallKWh     float64   `json:"dhw_shortfall_kwh"`
}

// Sim is one closed-loop run that the caller steps, so that an edge can pace
// it against the wall clock or draw a status line between ticks.
type Sim struct {
	Cfg   Config
	Plant *Plant
	Core  *core.Core
	dev   hal.Devices
	in    hal.Inputs
	ticks int64
	end   int64

	maxT, minT        Temps
	trips             []Trip
	lastState         safety.State
	availReq, availOK float64
}

// New builds a run.
func New(cfg Config) (*Sim, error) {
	if cfg.Params.Modules < 1 || cfg.Params.Modules > hal.MaxModules {
		return nil, fmt.Errorf("params: modules = %d, want 1..%d", cfg.Params.Modules, hal.MaxModules)
	}
	c, err := core.New(cfg.Core)
	if err != nil {
		return nil, err
	}
	s := &Sim{Cfg: cfg, Plant: NewPlant(cfg.Params, cfg.Weather, cfg.Init, cfg.Seed), Core: c,
		end: int64(cfg.Duration / Tick)}
	s.dev = s.Plant.Devices()
	inf := math.Inf(1)
	s.maxT = Temps{-inf, -inf, -inf, -inf, -inf}
	s.minT = Temps{inf, inf, inf, inf, inf}
	s.trips = make([]Trip, 0, 8)
	return s, nil
}

// Done reports whether the run has reached its duration.
func (s *Sim) Done() bool { return s.ticks >= s.end }

// Ticks returns the ticks run so far.
func (s *Sim) Ticks() int64 { return s.ticks }

// Inputs returns the inputs of the last tick.
func (s *Sim) Inputs() *hal.Inputs { return &s.in }

// Step runs one control tick and one plant step.
func (s *Sim) Step() {
	pl := s.Plant
	in := &s.in
	s.dev.Read(in)
	in.Now = pl.Now
	in.WeekTime = (s.Cfg.WeekTime + units.Duration(pl.Now)) % (7 * 24 * units.Hour)
	for i := 0; i < in.NumModules; i++ {
		in.Demand[i] = s.Cfg.Demand
	}
	out := s.Core.Step(in)
	_ = s.dev.Write(out) // the simulated devices never fail a write
	in.ResetRequest = false

	st := s.Core.Safety.Status()
	if st.State == safety.StateTripped && s.lastState != safety.StateTripped {
		s.trips = append(s.trips, Trip{AtS: pl.Now.Seconds(), Cause: st.Cause.String()})
	}
	s.lastState = st.State

	pl.Step(Tick)
	s.ticks++
	s.observe()
}

func (s *Sim) observe() {
	pl, st := s.Plant, &s.Plant.S
	track := func(mx, mn *float64, v units.Celsius) {
		*mx = math.Max(*mx, float64(v))
		*mn = math.Min(*mn, float64(v))
	}
	track(&s.maxT.OilModuleIn, &s.minT.OilModuleIn, st.OilInC)
	var hottest units.Celsius = -273
	for i := 0; i < pl.P.Modules; i++ {
		hottest = max(hottest, st.ModuleOilC[i])
	}
	track(&s.maxT.OilModuleOut, &s.minT.OilModuleOut, hottest)
	track(&s.maxT.WaterFlow, &s.minT.WaterFlow, st.WaterFlowC)
	track(&s.maxT.Tank, &s.minT.Tank, st.TankTopC)
	track(&s.maxT.Indoor, &s.minT.Indoor, st.IndoorC)
	for i := 0; i < pl.P.Modules; i++ {
		want := s.Cfg.Demand
		if _, on := want.Fraction(); !on {
			continue
		}
		s.availReq++
		if pl.Modules[i].Level() >= want {
			s.availOK++
		}
	}
}

// Result summarises the run so far.
func (s *Sim) Result() Result {
	pl := s.Plant
	e := pl.E
	stored := pl.StoredChange()
	r := Result{
		SimSeconds: pl.Now.Seconds(), Ticks: s.ticks, Seed: s.Cfg.Seed,
		SafetyState: s.Core.Safety.Status().State.String(),
		MaxTempC:    s.maxT, MinTempC: s.minT, Trips: s.trips,
		EnergyKWh: EnergyKWh{
			Compute: e.Compute.KWh(), Parasitic: e.Parasitic.KWh(), ToTank: e.ToTank.KWh(),
			ToHeating: e.ToHeating.KWh(), Dumped: e.Dumped.KWh(), Losses: e.Losses.KWh(),
			StoredChange: stored.KWh(), Immersion: e.Immersion.KWh(), DHWDelivered: e.DHWDelivered.KWh(),
		},
		DHWShortfallKWh: e.DHWShortfall.KWh(),
	}
	k := &r.EnergyKWh
	r.EnergyImbalance = k.Compute - (k.ToTank + k.ToHeating + k.Dumped + k.Losses + k.StoredChange)
	if d := k.Compute + k.Parasitic; d > 0 {
		r.ERF = (k.ToTank + k.ToHeating) / d
	}
	r.ComputeAvailability = 1
	if s.availReq > 0 {
		r.ComputeAvailability = s.availOK / s.availReq
	}
	return r
}

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
