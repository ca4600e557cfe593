package hil

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

// The expectations a test engineer writes over windows and at times of the
// run (issue 16), beside Expect's whole-run ones. Times are since the
// scenario's start (the scored run); a window's `to` of 0 is the run's end.
type ExpectWindows struct {
	// AlarmsSeen, WarningsSeen: each of these causes raised at least once;
	// AlarmsNever, WarningsNever: none of these ever.
	AlarmsSeen    []string `toml:"alarms_seen"`
	WarningsSeen  []string `toml:"warnings_seen"`
	AlarmsNever   []string `toml:"alarms_never"`
	WarningsNever []string `toml:"warnings_never"`
	// TripOneOf: the run's first trip is one of these causes, by a time.
	TripOneOf *TripOneOf `toml:"trip_one_of"`
	// Never: the safety state is never State within the window.
	Never []NeverState `toml:"never"`
	// Flaps: how often a channel was latched flapping, and FaultCounts how
	// many faults safety counted on it (a believed channel ceasing to be
	// believed), over the run: each within [min, max].
	Flaps       []ChannelCount `toml:"flaps"`
	FaultCounts []ChannelCount `toml:"fault_counts"`
	// Modules: one module's relay, level and isolation at a time.
	Modules []ModuleAt `toml:"module"`
	// Compute: the compute power's mean over a window, kW.
	Compute []ComputeWindow `toml:"compute"`
	// Windows: a true measurement's bounds over a window.
	Windows []WindowBound `toml:"window"`
	// Crossings: a true measurement first crosses a value between two times.
	Crossings []Crossing `toml:"crossing"`
	// ImmersionMaxKWh bounds the tank's electric heater's energy.
	ImmersionMaxKWh *float64 `toml:"immersion_max_kwh"`
}

// TripOneOf expects the first trip's cause among Causes, by a time.
type TripOneOf struct {
	Causes []string       `toml:"causes"`
	By     units.Duration `toml:"by"`
}

// Window is a span of the run: [From, To], To 0 for the run's end.
type Window struct {
	From units.Duration `toml:"from"`
	To   units.Duration `toml:"to"`
}

// NeverState expects the safety state never to be State within the window.
type NeverState struct {
	State string `toml:"state"`
	Window
}

// ChannelCount bounds a count on a channel (hal channel names: oil_in_a,
// ..., pressure, flow_oil, flow_water, leak, oil_low, pump_oil, pump_water).
type ChannelCount struct {
	Channel string `toml:"channel"`
	Min     *int   `toml:"min"`
	Max     *int   `toml:"max"`
}

// ModuleAt expects one module's state at a time.
type ModuleAt struct {
	At       units.Duration `toml:"at"`
	Index    int            `toml:"index"`
	Powered  *bool          `toml:"powered"`
	Level    string         `toml:"level"`    // the level it runs at: off, idle, 25%, ..., 100%
	Isolated *bool          `toml:"isolated"` // cut on its own by safety
}

// ComputeWindow bounds the mean compute power over a window, kW.
type ComputeWindow struct {
	Window
	MinKW *float64 `toml:"min_kw"`
	MaxKW *float64 `toml:"max_kw"`
}

// WindowBound bounds a true measurement over a window, in its unit
// (Measures).
type WindowBound struct {
	Measure string `toml:"measure"`
	Window
	Min *float64 `toml:"min"`
	Max *float64 `toml:"max"`
}

// Crossing expects a true measurement to cross Above (rising to it) or
// Below (falling to it) for the first time no earlier than After and no
// later than By.
type Crossing struct {
	Measure string         `toml:"measure"`
	Above   *float64       `toml:"above"`
	Below   *float64       `toml:"below"`
	After   units.Duration `toml:"after"`
	By      units.Duration `toml:"by"`
}

// Measures are the true plant quantities window and crossing expectations
// name, with their units.
var Measures = map[string]string{
	"oil_module_in": "C", "oil_module_out": "C", "water_flow": "C", "water_return": "C", "tank": "C",
	"tank_bottom": "C", "indoor": "C", "pressure": "bar", "flow_oil": "L/min", "flow_water": "L/min",
	"compute": "kW",
}

func measure(s *Sim, name string) float64 {
	pl, ps := s.Plant, &s.Plant.S
	switch name {
	case "oil_module_in":
		return float64(ps.OilInC)
	case "oil_module_out":
		hottest := ps.ModuleOilC[0]
		for i := 1; i < pl.P.Modules; i++ {
			hottest = max(hottest, ps.ModuleOilC[i])
		}
		return float64(hottest)
	case "water_flow":
		return float64(ps.WaterFlowC)
	case "water_return":
		return float64(ps.WaterRetC)
	case "tank":
		return float64(ps.TankTopC)
	case "tank_bottom":
		return float64(ps.TankBottomC)
	case "indoor":
		return float64(ps.IndoorC)
	case "pressure":
		return float64(ps.PressureBar)
	case "flow_oil":
		return float64(ps.OilFlowLPM)
	case "flow_water":
		return float64(ps.WaterLPM)
	case "compute":
		return float64(pl.ComputePower()) / 1000
	}
	return math.NaN()
}

// channelByName finds a hal channel by its name.
func channelByName(name string) (hal.Channel, bool) {
	for c := hal.Channel(0); c < hal.NumChannels; c++ {
		if c.String() == name {
			return c, true
		}
	}
	return 0, false
}

// ChannelNames lists the channel names counts can name.
func ChannelNames() []string {
	n := make([]string, 0, hal.NumChannels)
	for c := hal.Channel(0); c < hal.NumChannels; c++ {
		n = append(n, c.String())
	}
	return n
}

// causeByName finds a safety cause by its name.
func causeByName(name string) (safety.Cause, bool) {
	for c := safety.Cause(1); c < safety.NumCauses; c++ {
		if c.String() == name {
			return c, true
		}
	}
	return 0, false
}

// CauseNames lists the safety causes' names.
func CauseNames() []string {
	n := make([]string, 0, safety.NumCauses)
	for c := safety.Cause(1); c < safety.NumCauses; c++ {
		n = append(n, c.String())
	}
	return n
}

func dur(d units.Duration) string { return time.Duration(d).String() }

func (w Window) String() string {
	if w.To == 0 {
		return "from " + dur(w.From) + " to the end"
	}
	return "from " + dur(w.From) + " to " + dur(w.To)
}

func (w Window) in(t, end units.Duration) bool {
	to := w.To
	if to == 0 {
		to = end
	}
	return t >= w.From && t <= to
}

func fnum(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// check refuses what cannot be judged: names that are none, windows
// outside the run or reversed, bounds with nothing to bound.
func (x *ExpectWindows) check(end units.Duration) error {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	causes := func(key string, names []string) {
		for _, n := range names {
			if _, ok := causeByName(n); !ok {
				bad("%s: no cause %q (causes: %s)", key, n, strings.Join(CauseNames(), ", "))
			}
		}
	}
	causes("alarms_seen", x.AlarmsSeen)
	causes("warnings_seen", x.WarningsSeen)
	causes("alarms_never", x.AlarmsNever)
	causes("warnings_never", x.WarningsNever)
	window := func(key string, w Window) {
		if w.From < 0 || w.To < 0 || w.From > end || w.To > end || (w.To != 0 && w.To < w.From) {
			bad("%s: window %s outside the run's 0-%s or reversed", key, w, dur(end))
		}
	}
	if t := x.TripOneOf; t != nil {
		causes("trip_one_of.causes", t.Causes)
		if len(t.Causes) == 0 || t.By <= 0 || t.By > end {
			bad("trip_one_of: want causes and a by within the run (0-%s)", dur(end))
		}
	}
	for _, n := range x.Never {
		if _, ok := stateByName(n.State); !ok {
			bad("never: no state %q", n.State)
		}
		window("never", n.Window)
	}
	for key, cs := range map[string][]ChannelCount{"flaps": x.Flaps, "fault_counts": x.FaultCounts} {
		for _, c := range cs {
			if _, ok := channelByName(c.Channel); !ok {
				bad("%s: no channel %q (channels: %s)", key, c.Channel, strings.Join(ChannelNames(), ", "))
			}
			if c.Min == nil && c.Max == nil || c.Min != nil && c.Max != nil && *c.Max < *c.Min {
				bad("%s %s: want min and/or max, min <= max", key, c.Channel)
			}
		}
	}
	x.checkMeasures(bad, window, end)
	return joinErrs(errs)
}

func (x *ExpectWindows) checkMeasures(bad func(string, ...any), window func(string, Window), end units.Duration) {
	for _, m := range x.Modules {
		if m.Index < 0 || m.Index >= hal.MaxModules {
			bad("module: index %d, want 0-%d", m.Index, hal.MaxModules-1)
		}
		if m.At < 0 || m.At > end {
			bad("module %d: at %s outside the run", m.Index, dur(m.At))
		}
		if _, err := ParseLevel(m.Level, hal.LevelOff); m.Level != "" && err != nil {
			bad("module %d: %v", m.Index, err)
		}
		if m.Powered == nil && m.Level == "" && m.Isolated == nil {
			bad("module %d at %s: nothing expected (powered, level, isolated)", m.Index, dur(m.At))
		}
	}
	for _, c := range x.Compute {
		window("compute", c.Window)
		if c.MinKW == nil && c.MaxKW == nil {
			bad("compute %s: want min_kw and/or max_kw", c.Window)
		}
	}
	for _, w := range x.Windows {
		if _, ok := Measures[w.Measure]; !ok {
			bad("window: no measure %q", w.Measure)
		}
		window("window", w.Window)
		if w.Min == nil && w.Max == nil {
			bad("window %s: want min and/or max", w.Measure)
		}
	}
	for _, c := range x.Crossings {
		if _, ok := Measures[c.Measure]; !ok {
			bad("crossing: no measure %q", c.Measure)
		}
		if (c.Above == nil) == (c.Below == nil) {
			bad("crossing %s: want exactly one of above and below", c.Measure)
		}
		if c.After < 0 || c.By <= c.After || c.By > end {
			bad("crossing %s: want 0 <= after < by <= the run's %s", c.Measure, dur(end))
		}
	}
}

func joinErrs(errs []string) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(errs, "; "))
}
