package hil

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"hearth/hal"
	"hearth/hil/plant"
	"hearth/safety"
	"hearth/units"
)

// Event is one entry of a scenario's time line. Exactly one of Fault, Clear,
// Command or Demand is set.
type Event struct {
	At      units.Duration `toml:"at"`
	Fault   string         `toml:"fault"`   // inject this fault kind
	Clear   string         `toml:"clear"`   // clear this fault kind
	Target  string         `toml:"target"`  // what the fault applies to (see 'hearth hil faults')
	Arg     float64        `toml:"arg"`     // the fault's argument (0: its default)
	Duty    float64        `toml:"duty"`    // sensor_intermittent: the open share of each period (0: 0.2)
	For     units.Duration `toml:"for"`     // clear the fault again after this long (0: it stays)
	Command string         `toml:"command"` // operator command: reset
	Demand  string         `toml:"demand"`  // the workload's demand from now on: off, idle, 25%, 50%, 75%, 100%
	Draw    string         `toml:"draw"`    // a hot-water draw now: small, cleaning, shower, dishwashing (plant.DrawKinds)
}

// TempBound bounds a true plant temperature over the whole run.
type TempBound struct {
	Sensor string   `toml:"sensor"` // oil_module_in, oil_module_out, water_flow, tank, indoor
	MaxC   *float64 `toml:"max_c"`
	MinC   *float64 `toml:"min_c"`
	// ReachC: the temperature must reach at least this at some time.
	ReachC *float64 `toml:"reach_c"`
}

// TripExpect expects a trip with a cause by a deadline, and, when set, on
// the evidence of a given witness.
type TripExpect struct {
	Cause   string         `toml:"cause"`
	By      units.Duration `toml:"by"`
	Witness string         `toml:"witness"`
}

// StateAt expects the safety state at a time.
type StateAt struct {
	At    units.Duration `toml:"at"`
	State string         `toml:"state"`
}

// OutputsAt expects the commands the plant holds at a time (after safety's
// word): the cause-specific safe state made visible.
type OutputsAt struct {
	At             units.Duration `toml:"at"`
	OilPump        *float64       `toml:"oil_pump"`
	WaterPump      *float64       `toml:"water_pump"`
	ValveDump      *float64       `toml:"valve_dump"`
	ValveTank      *float64       `toml:"valve_tank"`
	Fan            *float64       `toml:"fan"`
	Alarm          *bool          `toml:"alarm"`
	ModulesPowered *int           `toml:"modules_powered"`
}

// Expect is what a scenario requires of the run.
type Expect struct {
	NoTrip       bool            `toml:"no_trip"`
	NoAlarm      bool            `toml:"no_alarm"` // the safety layer raises no alarm in the scored time
	Trips        []TripExpect    `toml:"trip"`
	ModulesOffBy *units.Duration `toml:"modules_off_by"` // every module unpowered at this time
	States       []StateAt       `toml:"state"`
	Outputs      []OutputsAt     `toml:"outputs"`
	Temps        []TempBound     `toml:"temp"`
	ERFMin       *float64        `toml:"erf_min"`
	// ERFOfBoundMin: the ERF at least this share of erf_bound, the most
	// any control could reach on the day (the house and the tank full).
	ERFOfBoundMin          *float64 `toml:"erf_of_bound_min"`
	ComputeAvailabilityMin *float64 `toml:"compute_availability_min"`
	DHWShortfallMaxKWh     *float64 `toml:"dhw_shortfall_max_kwh"`
	// BackupMaxKWh bounds the heat the home's own heater gave the house.
	BackupMaxKWh *float64 `toml:"backup_max_kwh"`
	// TankAtTargetMin: the tank's upper layer at or above its target less
	// TankTargetBandK for at least this share of the run.
	TankAtTargetMin *float64 `toml:"tank_at_target_min"`
	// The expectations over windows and at times (watch.go).
	ExpectWindows
}

// InitFile overrides the initial state.
type InitFile struct {
	OilC        *float64 `toml:"oil_c"`
	WaterC      *float64 `toml:"water_c"`
	TankTopC    *float64 `toml:"tank_top_c"`
	TankBottomC *float64 `toml:"tank_bottom_c"`
	IndoorC     *float64 `toml:"indoor_c"`
	Modules     string   `toml:"modules"` // level at the start: off, idle, ..., 100%
	// Cold: the controller starts with the run (boot, self-test) instead of
	// being in service already.
	Cold bool `toml:"cold"`
}

// Scenario is a scenario file. docs/hil.md documents the format.
type Scenario struct {
	Name        string `toml:"name"`
	Description string `toml:"description"`
	Season      string `toml:"season"`
	// Seasons, when set, makes the file a family: one scenario per season,
	// named NAME-SEASON.
	Seasons   []string       `toml:"seasons"`
	Duration  units.Duration `toml:"duration"`
	Seed      uint64         `toml:"seed"`
	Demand    string         `toml:"demand"`
	StartWeek units.Duration `toml:"start_week"` // local time since Monday 00:00 at the start
	// StartDay ("wednesday", "wed") and StartTime ("14:00") say the same
	// as start_week in a person's words; a file gives one or the other.
	StartDay  string         `toml:"start_day"`
	StartTime string         `toml:"start_time"`
	Weather   *plant.Weather `toml:"weather"`
	Plant     toml.Primitive `toml:"plant"`
	Init      InitFile       `toml:"init"`
	Events    []Event        `toml:"events"`
	Expect    Expect         `toml:"expect"`
	Channel   *ChannelFile   `toml:"channel"` // the modules through the real module channel

	md  toml.MetaData
	src string // where it came from: "builtin" or a path
}

//go:embed scenarios/*.toml
var builtinFS embed.FS

// ParseScenario decodes a scenario file and checks it. Each mistake is
// refused with the source, line and key it is at (src:LINE: KEY: what),
// and a name that is none with the nearest ones.
func ParseScenario(data []byte, src string) (*Scenario, error) {
	s := &Scenario{src: src}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(s)
	if err != nil {
		return nil, decodeError(src, err)
	}
	s.md = md
	kl := scanKeyLines(string(data))
	var ps problems
	s.checkPlant(&ps) // first: it marks [plant]'s keys decoded
	unknownKeys(&ps, s.md, kl)
	s.checkTop(&ps, data)
	s.checkWeather(&ps)
	s.checkEvents(&ps, kl)
	s.checkExpect(&ps)
	if err := ps.err(src, kl); err != nil {
		return nil, err
	}
	return s, nil
}

// check checks a scenario built in code (RandomScenario's) as a file's:
// the same problems, keyed but without lines.
func (s *Scenario) check() error {
	var ps problems
	s.checkTop(&ps, nil)
	s.checkWeather(&ps)
	kl := scanKeyLines("")
	s.checkEvents(&ps, kl)
	s.checkExpect(&ps)
	return ps.err(s.src, kl)
}

// ParseLevel reads a module level: off, idle, 25%, 50%, 75%, 100% (or cut).
// The empty string gives def.
func ParseLevel(s string, def hal.Level) (hal.Level, error) {
	if s == "" {
		return def, nil
	}
	for l := hal.Level(0); l < hal.NumLevels; l++ {
		if l.String() == s {
			return l, nil
		}
	}
	return 0, fmt.Errorf("unknown level %q (want off, idle, 25%%, 50%%, 75%% or 100%%)", s)
}

func tempOf(t *Temps, name string) (*float64, bool) {
	switch name {
	case "oil_module_in":
		return &t.OilModuleIn, true
	case "oil_module_out":
		return &t.OilModuleOut, true
	case "water_flow":
		return &t.WaterFlow, true
	case "tank":
		return &t.Tank, true
	case "indoor":
		return &t.Indoor, true
	case "tank_bottom":
		return &t.TankBottom, true
	}
	return nil, false
}

// Builtins returns the built-in scenarios, sorted by name.
func Builtins() ([]*Scenario, error) {
	names, err := fs.Glob(builtinFS, "scenarios/*.toml")
	if err != nil {
		return nil, err
	}
	out := make([]*Scenario, 0, len(names))
	for _, n := range names {
		data, err := builtinFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		s, err := ParseScenario(data, "builtin:"+path.Base(n))
		if err != nil {
			return nil, err
		}
		if s.Name+".toml" != path.Base(n) {
			return nil, fmt.Errorf("%s: name %q does not match its file", n, s.Name)
		}
		out = append(out, s.Expand()...)
	}
	out = append(out, Matrix()...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Lookup finds a scenario by built-in name, or loads the scenarios of a file.
func Lookup(nameOrFile string) ([]*Scenario, error) {
	if strings.HasSuffix(nameOrFile, ".toml") || strings.ContainsRune(nameOrFile, '/') {
		data, err := os.ReadFile(nameOrFile)
		if err != nil {
			return nil, err
		}
		s, err := ParseScenario(data, nameOrFile)
		if err != nil {
			return nil, err
		}
		return s.Expand(), nil
	}
	all, err := Builtins()
	if err != nil {
		return nil, err
	}
	for _, s := range all {
		if s.Name == nameOrFile {
			return []*Scenario{s}, nil
		}
	}
	return nil, fmt.Errorf("no built-in scenario %q (see 'hearth hil list')", nameOrFile)
}

// Expand returns the scenarios a file stands for: itself, or one per season
// of its Seasons, each named NAME-SEASON.
func (s *Scenario) Expand() []*Scenario {
	if len(s.Seasons) == 0 {
		return []*Scenario{s}
	}
	out := make([]*Scenario, len(s.Seasons))
	for i, season := range s.Seasons {
		c := *s
		c.Name, c.Season, c.Seasons = s.Name+"-"+season, season, nil
		out[i] = &c
	}
	return out
}

// Source says where the scenario came from.
func (s *Scenario) Source() string { return s.src }

// Faults lists the fault kinds the scenario injects, in order, once each.
func (s *Scenario) Faults() []string {
	seen := map[string]bool{}
	out := []string{}
	for _, e := range s.Events {
		if e.Fault != "" && !seen[e.Fault] {
			seen[e.Fault] = true
			out = append(out, e.Fault)
		}
	}
	if s.Channel != nil && len(s.Channel.Partitions) > 0 {
		out = append(out, ChannelPartition) // the channel's own fault, outside the plant's catalogue
	}
	return out
}

// ChannelPartition names, in a report's faults, a [channel] partition: a
// fault of the module channel's network, injected by its [channel] table
// rather than as an event (it needs the channel).
const ChannelPartition = "channel_partition"

// Config builds the run of this scenario on plant parameters base with the
// given seed (0: the scenario's own).
func (s *Scenario) Config(base plant.Params, seed uint64) (Config, error) {
	if seed == 0 {
		seed = s.Seed
	}
	cfg, err := DefaultConfig(plant.Season(s.Season), seed)
	if err != nil {
		return Config{}, err
	}
	cfg.Params = base
	if err := s.md.PrimitiveDecode(s.Plant, &cfg.Params); err != nil {
		return Config{}, fmt.Errorf("%s: plant: %w", s.src, err)
	}
	if err := cfg.Params.Validate(); err != nil { // [plant] over this base, not only the default
		return Config{}, fmt.Errorf("%s: plant: %w", s.src, err)
	}
	if s.Weather != nil {
		cfg.Weather = *s.Weather
	}
	cfg.Duration = s.Duration
	if s.StartWeek != 0 {
		cfg.WeekTime = s.StartWeek
	}
	cfg.Demand, _ = ParseLevel(s.Demand, hal.Level100)
	in := &cfg.Init
	for _, o := range []struct {
		v   *float64
		dst *units.Celsius
	}{{s.Init.OilC, &in.OilC}, {s.Init.WaterC, &in.WaterC}, {s.Init.TankTopC, &in.TankTopC},
		{s.Init.TankBottomC, &in.TankBottomC}, {s.Init.IndoorC, &in.IndoorC}} {
		if o.v != nil {
			*o.dst = units.Celsius(*o.v)
		}
	}
	in.ModuleLevel, _ = ParseLevel(s.Init.Modules, hal.Level100)
	if s.Init.Cold {
		cfg.PreRoll = 0
	}
	cfg.Events = s.Events
	cfg.Channel = s.Channel
	return cfg, nil
}

// Replay returns the command that runs this scenario again with seed.
func (s *Scenario) Replay(seed uint64) string {
	if r, ok := strings.CutPrefix(s.src, "random:"); ok {
		return "hearth hil run --random " + r
	}
	target := s.Name
	if !strings.HasPrefix(s.src, "builtin:") {
		target = s.src
	}
	return "hearth hil run --seed " + strconv.FormatUint(seed, 10) + " " + target
}

func stateByName(name string) (safety.State, bool) {
	for st := safety.State(0); st < safety.NumStates; st++ {
		if st.String() == name {
			return st, true
		}
	}
	return 0, false
}

func witnessNamed(name string) bool {
	for w := safety.Witness(1); w < safety.NumWitnesses; w++ {
		if w.String() == name {
			return true
		}
	}
	return false
}
