package hil

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"hearth/core"
	"hearth/hil/plant"
	"hearth/units"
)

// RunScenario runs one scenario on plant parameters base with seed (0: the
// scenario's own) and judges it: it passes when every expectation holds and
// no invariant broke.
func RunScenario(sc *Scenario, base plant.Params, seed uint64, trace bool) (*ScenarioResult, error) {
	return RunScenarioOpts(sc, base, RunOptions{Seed: seed, Trace: trace})
}

// RunOptions are the knobs of one scenario run.
type RunOptions struct {
	Seed       uint64 // 0: the scenario's own
	Trace      bool   // record a trace for a report
	Thermostat bool   // the reference thermostat in place of Hearth's control
	NoQuality  bool   // invariants and trips only (see Config.NoQuality)
	// TraceOut, when set, receives the run's trace file (Sim.TraceTo) in
	// TraceFormat, a row every TraceEvery.
	TraceOut    io.Writer
	TraceFormat string
	TraceEvery  units.Duration
	// Core, when set, is the controller's configuration (a --config file);
	// otherwise the reference one.
	Core *core.Config
}

// RunScenarioOpts runs one scenario with options and judges it.
func RunScenarioOpts(sc *Scenario, base plant.Params, o RunOptions) (*ScenarioResult, error) {
	cfg, err := sc.Config(base, o.Seed)
	if err != nil {
		return nil, err
	}
	cfg.Trace, cfg.Thermostat, cfg.NoQuality = o.Trace, o.Thermostat, o.NoQuality
	if o.Core != nil {
		cfg.Core = *o.Core
	}
	start := time.Now()
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if o.TraceOut != nil {
		if err := s.TraceTo(o.TraceOut, o.TraceFormat, o.TraceEvery); err != nil {
			return nil, err
		}
	}
	j := &judge{ex: &sc.Expect, s: s, offProbe: -1}
	j.arm()
	for !s.Done() {
		s.Step()
	}
	if err := s.FlushTrace(); err != nil {
		return nil, fmt.Errorf("%s: trace: %w", sc.Name, err)
	}
	r := &ScenarioResult{Name: sc.Name, Description: sc.Description, Faults: sc.Faults(),
		Result: s.Result(), Violations: s.Violations(), Replay: sc.Replay(cfg.Seed), Trace: s.Trace()}
	r.Season = sc.Season
	r.WallSeconds = time.Since(start).Seconds()
	j.r = r
	j.events()
	j.trips()
	j.probes()
	j.figures()
	j.windows()
	r.Pass = len(r.Violations) == 0
	for _, o := range r.Expectations {
		r.Pass = r.Pass && o.Pass
	}
	if r.Expectations == nil {
		r.Expectations = []Outcome{}
	}
	return r, nil
}

// judge holds a scenario's expectations against its run.
type judge struct {
	ex           *Expect
	s            *Sim
	r            *ScenarioResult
	states, outs []int // the run's probes for ex.States and ex.Outputs
	offProbe     int
}

// arm asks the run to record its state at every time an expectation names.
func (j *judge) arm() {
	ex, s := j.ex, j.s
	j.states = make([]int, len(ex.States))
	for i, st := range ex.States {
		j.states[i] = s.probeAt(units.Time(st.At))
	}
	j.outs = make([]int, len(ex.Outputs))
	for i, o := range ex.Outputs {
		j.outs[i] = s.probeAt(units.Time(o.At))
	}
	if ex.ModulesOffBy != nil {
		j.offProbe = s.probeAt(units.Time(*ex.ModulesOffBy))
	}
	if ex.ExpectWindows.wants() {
		s.watch = newWatcher(&ex.ExpectWindows, units.Duration(s.end))
	}
}

func (j *judge) add(name string, pass bool, detail string) {
	j.r.Expectations = append(j.r.Expectations, Outcome{Expectation: name, Pass: pass, Detail: detail})
}

// addAt adds an outcome of an expectation that names a time.
func (j *judge) addAt(at units.Duration, name string, pass bool, detail string) {
	j.add(name, pass, detail)
	s := at.Seconds()
	j.r.Expectations[len(j.r.Expectations)-1].AtS = &s
}

// events judges the run's own errors (a bad event).
func (j *judge) events() {
	for _, e := range j.s.Errors() {
		j.add("events apply", false, e.Error())
	}
}

// trips judges no_trip, no_alarm and every trip expected.
func (j *judge) trips() {
	ex, r := j.ex, j.r
	if ex.NoTrip {
		j.add("no_trip", len(r.Trips) == 0, tripsText(r.Trips))
	}
	if ex.NoAlarm {
		j.add("no_alarm", !r.Quality.AlarmsSeen, "alarms seen: "+strconv.FormatBool(r.Quality.AlarmsSeen))
	}
	for _, te := range ex.Trips {
		ok := false
		for _, t := range r.Trips {
			if t.Cause == te.Cause && t.AtS <= units.Duration(te.By).Seconds() && (te.Witness == "" || t.Witness == te.Witness) {
				ok = true
			}
		}
		name := "trip " + te.Cause + " by " + time.Duration(te.By).String()
		if te.Witness != "" {
			name += " on " + te.Witness
		}
		j.add(name, ok, tripsText(r.Trips))
	}
}

// probes judges what the run recorded at given times: modules off, states,
// the outputs the plant held.
func (j *judge) probes() {
	ex, s := j.ex, j.s
	if j.offProbe >= 0 {
		p := s.probes[j.offProbe]
		j.addAt(*ex.ModulesOffBy, "modules_off_by "+time.Duration(*ex.ModulesOffBy).String(), p.done && p.powered == 0,
			strconv.Itoa(p.powered)+" modules powered then")
	}
	for i, st := range ex.States {
		p := s.probes[j.states[i]]
		j.addAt(st.At, "state "+st.State+" at "+time.Duration(st.At).String(), p.done && p.state == st.State, "state was "+p.state)
	}
	for i, o := range ex.Outputs {
		j.outputs(o, s.probes[j.outs[i]])
	}
}

// outputs judges one expectation of the outputs at a time.
func (j *judge) outputs(o OutputsAt, p stateProbe) {
	at := " at " + time.Duration(o.At).String()
	for _, c := range []struct {
		name string
		want *float64
		got  float64
	}{{"oil_pump", o.OilPump, p.oilPump}, {"water_pump", o.WaterPump, p.waterPump},
		{"valve_dump", o.ValveDump, p.valveDump}, {"valve_tank", o.ValveTank, p.valveTank}, {"fan", o.Fan, p.fan}} {
		if c.want != nil {
			j.addAt(o.At, c.name+" = "+ftoa(*c.want)+at, p.done && math.Abs(c.got-*c.want) < 0.005, c.name+" was "+ftoa(c.got))
		}
	}
	if o.Alarm != nil {
		j.addAt(o.At, "alarm = "+strconv.FormatBool(*o.Alarm)+at, p.done && p.alarm == *o.Alarm, "alarm was "+strconv.FormatBool(p.alarm))
	}
	if o.ModulesPowered != nil {
		j.addAt(o.At, "modules_powered = "+strconv.Itoa(*o.ModulesPowered)+at, p.done && p.powered == *o.ModulesPowered,
			strconv.Itoa(p.powered)+" modules powered")
	}
}

// figures judges the run's temperatures and figures.
func (j *judge) figures() {
	ex, r := j.ex, j.r
	for _, tb := range ex.Temps {
		mx, _ := tempOf(&r.MaxTempC, tb.Sensor)
		mn, _ := tempOf(&r.MinTempC, tb.Sensor)
		if tb.MaxC != nil {
			j.add(tb.Sensor+" <= "+ftoa(*tb.MaxC)+" C", *mx <= *tb.MaxC, "max "+ftoa(*mx)+" C")
		}
		if tb.ReachC != nil {
			j.add(tb.Sensor+" reaches "+ftoa(*tb.ReachC)+" C", *mx >= *tb.ReachC, "max "+ftoa(*mx)+" C")
		}
		if tb.MinC != nil {
			j.add(tb.Sensor+" >= "+ftoa(*tb.MinC)+" C", *mn >= *tb.MinC, "min "+ftoa(*mn)+" C")
		}
	}
	if ex.ERFOfBoundMin != nil {
		b := r.Quality.ERFBound
		j.add("erf >= "+ftoa(*ex.ERFOfBoundMin)+" x erf_bound", b > 0 && r.ERF >= *ex.ERFOfBoundMin*b,
			"erf "+strconv.FormatFloat(r.ERF, 'f', 4, 64)+", erf_bound "+strconv.FormatFloat(b, 'f', 4, 64))
	}
	if ex.ERFMin != nil {
		j.add("erf >= "+ftoa(*ex.ERFMin), r.ERF >= *ex.ERFMin, "erf "+strconv.FormatFloat(r.ERF, 'f', 4, 64))
	}
	if ex.ComputeAvailabilityMin != nil {
		j.add("compute_availability >= "+strconv.FormatFloat(*ex.ComputeAvailabilityMin, 'f', -1, 64),
			r.ComputeAvailability >= *ex.ComputeAvailabilityMin,
			"compute_availability "+strconv.FormatFloat(r.ComputeAvailability, 'f', 4, 64))
	}
	if ex.DHWShortfallMaxKWh != nil {
		j.add("dhw_shortfall_kwh <= "+ftoa(*ex.DHWShortfallMaxKWh), r.DHWShortfallKWh <= *ex.DHWShortfallMaxKWh,
			"dhw_shortfall_kwh "+strconv.FormatFloat(r.DHWShortfallKWh, 'f', 3, 64))
	}
	if ex.BackupMaxKWh != nil {
		j.add("backup_kwh <= "+ftoa(*ex.BackupMaxKWh), r.EnergyKWh.Backup <= *ex.BackupMaxKWh,
			"backup_kwh "+strconv.FormatFloat(r.EnergyKWh.Backup, 'f', 3, 64))
	}
	if ex.TankAtTargetMin != nil {
		j.add("tank_at_target_fraction >= "+strconv.FormatFloat(*ex.TankAtTargetMin, 'f', -1, 64),
			r.Quality.TankAtTargetFraction >= *ex.TankAtTargetMin,
			"tank_at_target_fraction "+strconv.FormatFloat(r.Quality.TankAtTargetFraction, 'f', 3, 64))
	}
}

func tripsText(ts []Trip) string {
	if len(ts) == 0 {
		return "no trip"
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.Cause + " (" + t.Witness + ") at " + strconv.FormatFloat(t.AtS, 'f', 1, 64) + " s"
	}
	return strings.Join(parts, ", ")
}
