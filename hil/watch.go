package hil

import (
	"fmt"
	"math"
	"sort"
	"strconv"
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
// outside the run or reversed, bounds with nothing to bound. Each problem
// is keyed where it is written ("expect.never[1].state").
func (x *ExpectWindows) check(ps *problems, end units.Duration) {
	causes := func(key string, names []string) {
		for i, n := range names {
			if _, ok := causeByName(n); !ok {
				ps.add(fmt.Sprintf("%s[%d]", key, i), "%s", unknownName("cause", n, CauseNames()))
			}
		}
	}
	causes("expect.alarms_seen", x.AlarmsSeen)
	causes("expect.warnings_seen", x.WarningsSeen)
	causes("expect.alarms_never", x.AlarmsNever)
	causes("expect.warnings_never", x.WarningsNever)
	if t := x.TripOneOf; t != nil {
		causes("expect.trip_one_of.causes", t.Causes)
		if len(t.Causes) == 0 {
			ps.add("expect.trip_one_of.causes", "want at least one cause")
		}
		if t.By <= 0 || t.By > end {
			ps.add("expect.trip_one_of.by", "by %s, want within the run (0 to %s]", dur(t.By), dur(end))
		}
	}
	for i, n := range x.Never {
		key := fmt.Sprintf("expect.never[%d]", i)
		if _, ok := stateByName(n.State); !ok {
			ps.add(key+".state", "%s", unknownName("state", n.State, StateNames()))
		}
		n.Window.check(ps, key, end)
	}
	for _, cs := range []struct {
		key string
		c   []ChannelCount
	}{{"expect.flaps", x.Flaps}, {"expect.fault_counts", x.FaultCounts}} {
		for i, c := range cs.c {
			key := fmt.Sprintf("%s[%d]", cs.key, i)
			if _, ok := channelByName(c.Channel); !ok {
				ps.add(key+".channel", "%s", unknownName("channel", c.Channel, ChannelNames()))
			}
			if c.Min == nil && c.Max == nil || c.Min != nil && c.Max != nil && *c.Max < *c.Min {
				ps.add(key, "%s: want min and/or max, min <= max", c.Channel)
			}
		}
	}
	x.checkModules(ps, end)
	x.checkMeasures(ps, end)
}

// check refuses a window outside the run's [0, end] or reversed.
func (w Window) check(ps *problems, key string, end units.Duration) {
	switch {
	case w.From < 0 || w.From > end:
		ps.add(key+".from", "window %s outside the run's 0-%s", w, dur(end))
	case w.To < 0 || w.To > end:
		ps.add(key+".to", "window %s outside the run's 0-%s", w, dur(end))
	case w.To != 0 && w.To < w.From:
		ps.add(key+".to", "window %s reversed", w)
	}
}

func (x *ExpectWindows) checkModules(ps *problems, end units.Duration) {
	for i, m := range x.Modules {
		key := fmt.Sprintf("expect.module[%d]", i)
		if m.Index < 0 || m.Index >= hal.MaxModules {
			ps.add(key+".index", "index %d, want 0-%d", m.Index, hal.MaxModules-1)
		}
		if m.At < 0 || m.At > end {
			ps.add(key+".at", "module %d: at %s outside the run", m.Index, dur(m.At))
		}
		if _, err := ParseLevel(m.Level, hal.LevelOff); m.Level != "" && err != nil {
			ps.add(key+".level", "module %d: %s", m.Index, unknownName("level", m.Level, levelNames()))
		}
		if m.Powered == nil && m.Level == "" && m.Isolated == nil {
			ps.add(key, "module %d at %s: nothing expected (powered, level, isolated)", m.Index, dur(m.At))
		}
	}
}

func (x *ExpectWindows) checkMeasures(ps *problems, end units.Duration) {
	for i, c := range x.Compute {
		key := fmt.Sprintf("expect.compute[%d]", i)
		c.Window.check(ps, key, end)
		if c.MinKW == nil && c.MaxKW == nil {
			ps.add(key, "compute %s: want min_kw and/or max_kw", c.Window)
		}
	}
	for i, w := range x.Windows {
		key := fmt.Sprintf("expect.window[%d]", i)
		if _, ok := Measures[w.Measure]; !ok {
			ps.add(key+".measure", "%s", unknownName("measure", w.Measure, MeasureNames()))
		}
		w.Window.check(ps, key, end)
		if w.Min == nil && w.Max == nil {
			ps.add(key, "window %s: want min and/or max", w.Measure)
		}
	}
	for i, c := range x.Crossings {
		key := fmt.Sprintf("expect.crossing[%d]", i)
		if _, ok := Measures[c.Measure]; !ok {
			ps.add(key+".measure", "%s", unknownName("measure", c.Measure, MeasureNames()))
		}
		if (c.Above == nil) == (c.Below == nil) {
			ps.add(key, "crossing %s: want exactly one of above and below", c.Measure)
		}
		if c.After < 0 || c.By <= c.After || c.By > end {
			ps.add(key+".by", "crossing %s: want 0 <= after < by <= the run's %s", c.Measure, dur(end))
		}
	}
}

// MeasureNames lists Measures' names, sorted.
func MeasureNames() []string {
	n := make([]string, 0, len(Measures))
	for k := range Measures {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}
