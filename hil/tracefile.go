package hil

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"hearth/hal"
	"hearth/hil/plant"
	"hearth/safety"
	"hearth/units"
)

// TraceFormats are the formats a trace file is written in.
var TraceFormats = []string{"csv", "jsonl"}

// traceFile streams a run's ticks to a file for scripts and notebooks
// (hearth sim --trace, hearth hil run --trace): a row every `every` of
// simulated time with the true plant, what the controller measured, the
// commands, what the hardware did, the safety state and its causes, and
// the energy flows as mean powers over the row's interval, so that summing
// power x interval_s gives the run's energy totals whatever the
// downsampling.
type traceFile struct {
	w      *bufio.Writer
	jsonl  bool
	every  units.Duration
	next   units.Time
	last   units.Time
	lastE  plant.Energy
	row    []traceCell
	buf    []byte
	err    error
	header bool
}

// traceCell is one value of a row: a number, a string or a boolean.
type traceCell struct {
	name string
	num  float64
	str  string
	kind byte // 'n', 's', 'b'
}

// TraceTo streams the run from now on (time zero after New) to w in format
// ("csv" or "jsonl"), a row every `every` of simulated time (a tick when 0).
// FlushTrace writes the last row and flushes; call it when the run ends.
func (s *Sim) TraceTo(w io.Writer, format string, every units.Duration) error {
	if format != "csv" && format != "jsonl" {
		return fmt.Errorf("trace format %q: want one of %s", format, strings.Join(TraceFormats, ", "))
	}
	if every < 0 {
		return fmt.Errorf("trace every %v: want >= 0", every)
	}
	s.tf = &traceFile{w: bufio.NewWriterSize(w, 1<<16), jsonl: format == "jsonl", every: max(every, Tick),
		last: s.Plant.Now, lastE: s.Plant.E}
	s.tf.write(s, s.Core.Status())
	return s.tf.err
}

// FlushTrace writes the row at the run's last tick (when the last row is
// older) and flushes the trace file.
func (s *Sim) FlushTrace() error {
	t := s.tf
	if t == nil {
		return nil
	}
	if s.Plant.Now > t.last {
		t.write(s, s.Core.Status())
	}
	if err := t.w.Flush(); t.err == nil {
		t.err = err
	}
	return t.err
}

// traceTick writes a row when one is due.
func (s *Sim) traceTick(st *safety.Status) {
	if t := s.tf; t != nil && s.Plant.Now >= t.next {
		t.write(s, st)
	}
}

func (t *traceFile) write(s *Sim, st *safety.Status) {
	pl := s.Plant
	t.row = t.row[:0]
	t.cells(s, st)
	t.last, t.lastE, t.next = pl.Now, pl.E, pl.Now.Add(t.every)
	if !t.header {
		t.header = true
		if !t.jsonl {
			t.buf = t.buf[:0]
			for i, c := range t.row {
				if i > 0 {
					t.buf = append(t.buf, ',')
				}
				t.buf = append(t.buf, c.name...)
			}
			t.flushLine()
		}
	}
	t.buf = t.buf[:0]
	if t.jsonl {
		t.buf = append(t.buf, '{')
	}
	for i, c := range t.row {
		if i > 0 {
			t.buf = append(t.buf, ',')
		}
		if t.jsonl {
			t.buf = strconv.AppendQuote(t.buf, c.name)
			t.buf = append(t.buf, ':')
		}
		t.buf = c.append(t.buf, t.jsonl)
	}
	if t.jsonl {
		t.buf = append(t.buf, '}')
	}
	t.flushLine()
}

func (t *traceFile) flushLine() {
	t.buf = append(t.buf, '\n')
	if _, err := t.w.Write(t.buf); err != nil && t.err == nil {
		t.err = err
	}
}

func (c traceCell) append(b []byte, jsonl bool) []byte {
	switch c.kind {
	case 'b':
		if jsonl {
			return strconv.AppendBool(b, c.num != 0)
		}
		return strconv.AppendInt(b, int64(c.num), 10)
	case 's':
		if jsonl {
			return strconv.AppendQuote(b, c.str)
		}
		return append(b, c.str...) // names: no commas, no quotes
	}
	if math.IsNaN(c.num) || math.IsInf(c.num, 0) {
		if jsonl {
			return append(b, "null"...)
		}
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, c.num, 'g', 7, 64)
}

func (t *traceFile) n(name string, v float64) {
	t.row = append(t.row, traceCell{name: name, num: v, kind: 'n'})
}

func (t *traceFile) s(name, v string) {
	t.row = append(t.row, traceCell{name: name, str: v, kind: 's'})
}

func (t *traceFile) b(name string, v bool) {
	c := traceCell{name: name, kind: 'b'}
	if v {
		c.num = 1
	}
	t.row = append(t.row, c)
}

// cells assembles one row, in the header's order.
func (t *traceFile) cells(s *Sim, st *safety.Status) {
	pl, ps := s.Plant, &s.Plant.S
	week := (s.Cfg.WeekTime + units.Duration(pl.Now)) % (7 * 24 * units.Hour)
	t.n("t_s", pl.Now.Seconds())
	t.n("week_h", week.Seconds()/3600)
	t.truth(pl, ps)
	t.measured(s.loop.Inputs())
	t.outputs(pl)
	t.s("state", st.State.String())
	t.s("cause", st.Cause.String())
	t.s("witness", st.Witness.String())
	t.s("warnings", causeList(st.Warnings))
	t.s("alarms", causeList(st.Alarms))
	t.s("trip_causes", causeList(st.TripCauses))
	t.s("untrusted", channelList(st.Untrusted))
	t.energy(pl)
}

func (t *traceFile) truth(pl *plant.Plant, ps *plant.State) {
	hottest := ps.ModuleOilC[0]
	for i := 1; i < pl.P.Modules; i++ {
		hottest = max(hottest, ps.ModuleOilC[i])
	}
	for _, c := range []struct {
		name string
		v    units.Celsius
	}{{"oil_in_c", ps.OilInC}, {"oil_out_c", ps.OilOutC}, {"module_oil_max_c", hottest},
		{"water_flow_c", ps.WaterFlowC}, {"water_return_c", ps.WaterRetC}, {"tank_top_c", ps.TankTopC},
		{"tank_bottom_c", ps.TankBottomC}, {"indoor_c", ps.IndoorC}, {"outdoor_c", ps.OutdoorC}} {
		t.n(c.name, float64(c.v))
	}
	t.n("oil_flow_lpm", float64(ps.OilFlowLPM))
	t.n("water_flow_lpm", float64(ps.WaterLPM))
	t.n("pressure_bar", float64(ps.PressureBar))
	t.n("oil_lost_l", ps.OilLostL)
	powered := 0
	for i := 0; i < pl.P.Modules; i++ {
		if pl.Modules[i].Powered() {
			powered++
		}
	}
	t.n("modules_powered", float64(powered))
	t.n("compute_w", float64(pl.ComputePower()))
}

// measured: what the controller read this tick, each with its status.
func (t *traceFile) measured(in *hal.Inputs) {
	for i := hal.TempID(0); i < hal.NumTemps; i++ {
		t.n("m_"+i.String()+"_c", float64(in.Temp[i].Value))
	}
	t.n("m_pressure_bar", float64(in.Pressure.Value))
	t.n("m_flow_oil_lpm", float64(in.Flow[hal.FlowOil].Value))
	t.n("m_flow_water_lpm", float64(in.Flow[hal.FlowWater].Value))
	t.b("m_leak", in.Leak.Value)
	t.b("m_oil_low", in.OilLow.Value)
	t.n("m_pump_oil_power", float64(in.Pump[hal.PumpOil].Power))
	t.n("m_pump_water_power", float64(in.Pump[hal.PumpWater].Power))
	t.n("m_valve_dump", float64(in.Valve[hal.ValveDump].Value))
	t.n("m_valve_tank", float64(in.Valve[hal.ValveTank].Value))
	t.n("m_fan", float64(in.Fan.Value))
	bad := make([]string, 0, 4)
	for i := hal.TempID(0); i < hal.NumTemps; i++ {
		if in.Temp[i].Status != hal.StatusOK {
			bad = append(bad, i.String())
		}
	}
	for _, c := range []struct {
		name string
		st   hal.Status
	}{{"pressure", in.Pressure.Status}, {"flow_oil", in.Flow[hal.FlowOil].Status},
		{"flow_water", in.Flow[hal.FlowWater].Status}, {"leak", in.Leak.Status}} {
		if c.st != hal.StatusOK {
			bad = append(bad, c.name)
		}
	}
	t.s("m_not_ok", strings.Join(bad, "+"))
}

// outputs: the commands the devices hold (after safety's word) and what
// the hardware did with them.
func (t *traceFile) outputs(pl *plant.Plant) {
	po, pw := &pl.Pumps[hal.PumpOil], &pl.Pumps[hal.PumpWater]
	vd, vt := &pl.Valves[hal.ValveDump], &pl.Valves[hal.ValveTank]
	t.n("cmd_oil_pump", float64(po.Command()))
	t.n("cmd_water_pump", float64(pw.Command()))
	t.n("cmd_valve_dump", float64(vd.Command()))
	t.n("cmd_valve_tank", float64(vt.Command()))
	t.n("cmd_fan", float64(pl.Fan.Command()))
	t.b("cmd_immersion", pl.Heater.On)
	t.n("act_oil_pump", float64(po.Actual()))
	t.n("act_water_pump", float64(pw.Actual()))
	t.n("act_valve_dump", float64(vd.Actual()))
	t.n("act_valve_tank", float64(vt.Actual()))
	t.n("act_fan", float64(pl.Fan.Actual()))
}

// energy: each flow's mean power since the last row, and that interval.
func (t *traceFile) energy(pl *plant.Plant) {
	dt := pl.Now.Sub(t.last).Seconds()
	mean := func(name string, now, then units.Joule) {
		w := 0.0
		if dt > 0 {
			w = float64(now-then) / dt
		}
		t.n(name, w)
	}
	e, p := &pl.E, &t.lastE
	t.n("interval_s", dt)
	mean("compute_mean_w", e.Compute, p.Compute)
	mean("parasitic_mean_w", e.Parasitic, p.Parasitic)
	mean("overhead_mean_w", e.Overhead, p.Overhead)
	mean("to_tank_mean_w", e.ToTank, p.ToTank)
	mean("to_heating_mean_w", e.ToHeating, p.ToHeating)
	mean("dumped_mean_w", e.Dumped, p.Dumped)
	mean("losses_mean_w", e.Losses, p.Losses)
	mean("immersion_mean_w", e.Immersion, p.Immersion)
	mean("backup_mean_w", e.Backup, p.Backup)
	mean("dhw_delivered_mean_w", e.DHWDelivered, p.DHWDelivered)
	t.n("stored_change_kj", float64(pl.StoredChange())/1e3)
}

func causeList(m uint32) string { return strings.Join(safety.CauseNames(m), "+") }

func channelList(m uint32) string { return strings.Join(hal.ChannelNames(m), "+") }
