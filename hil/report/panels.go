package report

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"

	"hearth/hil"
	"hearth/units"
)

// One meaning per colour across the figure: each loop has a hue (oil red,
// water blue, tank purple, house green, outside grey), its return or lower
// side a lighter shade; each actuator and heat sink takes its loop's hue.
// An actuator's command is dashed and what the hardware did solid, in the
// same colour; a probe's reading is dashed over the solid truth.
const (
	hueOil, hueOilLight     = 0xb2182b, 0xf4a582
	hueProbeA, hueProbeB    = 0xff7f00, 0xe7298a
	hueWater, hueWaterLight = 0x2166ac, 0x92c5de
	hueTank, hueTankLight   = 0x762a83, 0xc2a5cf
	hueHouse, hueOutdoor    = 0x1b7837, 0x8c8c8c
	hueDump, hueFan         = 0x5a5a5a, 0x01665e
	hueHeater, hueCompute   = 0xe08214, 0xd95f02
	hueLosses               = 0xbdbdbd
)

// builder holds what every panel of one trace shares.
type builder struct {
	pts        []hil.TracePoint
	xs, gridXs []float64
	marks      []mark
	limits     map[string]float64
	xmin, xmax float64
	off        float64 // the local time of day at the run's zero, in hours
	day        int     // the weekday at the run's zero, 0 for Monday
}

func (b *builder) mk(name string, line draw.LineStyle, f func(*hil.TracePoint) float64) *series {
	ys := make([]float64, len(b.pts))
	for i := range b.pts {
		ys[i] = f(&b.pts[i])
	}
	x, y := flatten(downsample(b.xs, ys, maxPointsPerSeries))
	return &series{name: name, x: x, y: y, line: line}
}

// plot starts a panel with its grid and the markers' lines.
func (b *builder) plot(yLabel string) *plot.Plot {
	p := newPlot(yLabel, false, b.off)
	p.Add(&grid{xs: b.gridXs}, &markerLines{marks: b.marks})
	return p
}

func buildPanels(tr *hil.Trace, simS float64, checks []hil.Outcome) []*panel {
	b := &builder{pts: tr.Points, limits: tr.Limits, marks: append(markers(tr.Markers), checkMarks(checks)...)}
	week := units.Duration(7 * 24 * units.Hour)
	local := (tr.StartLocal%week + week) % week
	b.off, b.day = (local%(24*units.Hour)).Seconds()/3600, int(local/(24*units.Hour))
	sortMarks(b.marks)
	b.xs = make([]float64, len(b.pts))
	for i := range b.pts {
		b.xs[i] = b.pts[i].TS / 3600
	}
	b.xmin, b.xmax = min(0, b.xs[0]), b.xs[len(b.xs)-1]
	if finite(simS) && simS/3600 > b.xmax {
		b.xmax = simS / 3600
	}
	for _, t := range (timeTicker{labels: true, off: b.off}).Ticks(b.xmin, b.xmax) {
		if !t.IsMinor() {
			b.gridXs = append(b.gridXs, t.Value)
		}
	}
	panels := []*panel{b.oilPanel(), b.waterPanel(), b.commandPanel(), b.pressurePanel(), b.flowPanel(),
		b.heatPanel(), b.powerPanel(), b.statePanel()}
	for _, p := range panels {
		p.p.X.Min, p.p.X.Max = b.xmin, b.xmax
		saneRange(&p.p.X)
		saneRange(&p.p.Y)
	}
	return panels
}

// temps draws temperature series with their limits on one panel, the first
// series on top, the axis fitted to what is plottable.
func (b *builder) temps(label string, ss []*series, lims []limit, labels bool) *plot.Plot {
	p := b.plot(label)
	p.Y.Tick.Marker = plot.TickerFunc(tempTicks)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := len(ss) - 1; i >= 0; i-- {
		for _, y := range ss[i].y {
			if finite(y) && y >= tempAxisMinC && y <= tempAxisMaxC {
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
		p.Add(ss[i])
	}
	if labels {
		p.Add(&markerLines{marks: b.marks, labels: true, text: textStyle(7, colText)})
	}
	lo, hi = withLimits(p, lims, lo, hi)
	pad := math.Max((hi-lo)*0.04, 1)
	p.Y.Min, p.Y.Max = lo-pad, hi+pad
	return p
}

func legendOf(ss []*series, lims []limit) plot.Legend {
	l := newLegend()
	for _, s := range ss {
		l.Add(s.name, s)
	}
	seen := map[string]bool{}
	for _, lim := range lims {
		k := severity(lim.key)
		if !seen[k] {
			seen[k] = true
			l.Add("limit: "+k, swatch{line: limitStyle(lim.key)})
		}
	}
	return l
}

// (1) The oil: the truth solid, what the two oil-in probes said dashed on
// top, with the oil's limits and control's ceiling.
func (b *builder) oilPanel() *panel {
	ss := []*series{
		b.mk("oil in (true)", solid(hueOil, 1.8), func(p *hil.TracePoint) float64 { return p.OilInC }),
		b.mk("oil in probe A", dashed(hueProbeA, 1.4, 1.5, 1.5), func(p *hil.TracePoint) float64 { return p.OilInAMeasuredC }),
		b.mk("oil in probe B", dashed(hueProbeB, 1.3, 4, 2, 1, 2), func(p *hil.TracePoint) float64 { return p.OilInBMeasuredC }),
		b.mk("oil out", solid(hueOilLight, 1.4), func(p *hil.TracePoint) float64 { return p.OilOutC }),
	}
	// Draw order: the probes over the truth, so a lying probe shows.
	order := []*series{ss[2], ss[1], ss[0], ss[3]}
	lims := limits(b.limits, "_c", "oil_")
	return &panel{p: b.temps("oil (°C)", order, lims, true), height: 230, legend: legendOf(ss, lims)}
}

// (2) The water, the tank and the house.
func (b *builder) waterPanel() *panel {
	ss := []*series{
		b.mk("water flow", solid(hueWater, 1.5), func(p *hil.TracePoint) float64 { return p.WaterFlowC }),
		b.mk("flow target (curve)", dashed(hueWater, 0.9, 6, 3), func(p *hil.TracePoint) float64 { return p.FlowTargetC }),
		b.mk("water return", solid(hueWaterLight, 1.4), func(p *hil.TracePoint) float64 { return p.WaterReturnC }),
		b.mk("tank top", solid(hueTank, 1.5), func(p *hil.TracePoint) float64 { return p.TankTopC }),
		b.mk("tank bottom", solid(hueTankLight, 1.4), func(p *hil.TracePoint) float64 { return p.TankBottomC }),
		b.mk("indoor", solid(hueHouse, 1.4), func(p *hil.TracePoint) float64 { return p.IndoorC }),
		b.mk("outdoor", solid(hueOutdoor, 1.1), func(p *hil.TracePoint) float64 { return p.OutdoorC }),
	}
	lims := limits(b.limits, "_c", "tank_", "water_", "indoor_")
	return &panel{p: b.temps("water · tank · house (°C)", ss, lims, false), height: 230, legend: legendOf(ss, lims)}
}

// (3) Each actuator: its command dashed, what the hardware did solid.
func (b *builder) commandPanel() *panel {
	type act struct {
		name     string
		hue      uint32
		cmd, got func(*hil.TracePoint) float64
	}
	acts := []act{
		{"oil pump", hueOil, func(p *hil.TracePoint) float64 { return p.OilPump }, func(p *hil.TracePoint) float64 { return p.OilPumpActual }},
		{"water pump", hueWater, func(p *hil.TracePoint) float64 { return p.WaterPump }, func(p *hil.TracePoint) float64 { return p.WaterPumpActual }},
		{"valve → dump", hueDump, func(p *hil.TracePoint) float64 { return p.ValveDump }, func(p *hil.TracePoint) float64 { return p.ValveDumpActual }},
		{"valve → tank", hueTank, func(p *hil.TracePoint) float64 { return p.ValveTank }, func(p *hil.TracePoint) float64 { return p.ValveTankActual }},
		{"dump fan", hueFan, func(p *hil.TracePoint) float64 { return p.Fan }, func(p *hil.TracePoint) float64 { return p.FanActual }},
	}
	p := b.plot("command / actual (0..1)")
	l := newLegend()
	for _, a := range acts {
		got := b.mk(a.name, solid(a.hue, 1.6), a.got)
		cmd := b.mk(a.name+" command", dashed(a.hue, 1.1, 4, 2), a.cmd)
		p.Add(got, cmd)
		l.Add(a.name, got)
	}
	heat := b.mk("immersion heater", dashed(hueHeater, 1.1, 1, 2), func(p *hil.TracePoint) float64 { return b2f(p.Immersion) })
	heat.step = true
	p.Add(heat)
	l.Add(heat.name, heat)
	l.Add("command (dashed)", swatch{line: dashed(0x555555, 1.1, 4, 2)})
	l.Add("actual (solid)", swatch{line: solid(0x555555, 1.6)})
	p.Y.Min, p.Y.Max = -0.05, 1.05
	p.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: 0.5, Label: "0.5"}, {Value: 1, Label: "1"}}
	return &panel{p: p, height: 150, legend: l}
}

// withLimits draws lims on p and widens [lo, hi] to hold them (0..1 when
// nothing at all was plotted).
func withLimits(p *plot.Plot, lims []limit, lo, hi float64) (float64, float64) {
	if len(lims) > 0 {
		ll := &limitLines{limits: lims, text: textStyle(7.5, colText)}
		_, _, llo, lhi := ll.DataRange()
		lo, hi = math.Min(lo, llo), math.Max(hi, lhi)
		p.Add(ll)
	}
	if lo > hi {
		lo, hi = 0, 1
	}
	return lo, hi
}

// ranged adds ss and lims to p, its axis fitted to both.
func ranged(p *plot.Plot, ss []*series, lims []limit, floor float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, y := range s.y {
			if finite(y) {
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
		}
		p.Add(s)
	}
	lo, hi = withLimits(p, lims, lo, hi)
	pad := math.Max((hi-lo)*0.06, 0.05)
	p.Y.Min, p.Y.Max = math.Max(lo-pad, floor), hi+pad
}

// (4) The primary water's pressure against safety's limits.
func (b *builder) pressurePanel() *panel {
	ss := []*series{b.mk("pressure", solid(hueWater, 1.5), func(p *hil.TracePoint) float64 { return p.PressureBar })}
	lims := limits(b.limits, "_bar")
	p := b.plot("pressure (bar)")
	ranged(p, ss, lims, 0)
	return &panel{p: p, height: 110, legend: legendOf(ss, lims)}
}

// (5) The two circuits' flows, the oil's against safety's minimum.
func (b *builder) flowPanel() *panel {
	ss := []*series{
		b.mk("oil flow", solid(hueOil, 1.5), func(p *hil.TracePoint) float64 { return p.OilFlowLPM }),
		b.mk("water flow", solid(hueWater, 1.5), func(p *hil.TracePoint) float64 { return p.WaterFlowLPM }),
	}
	lims := limits(b.limits, "_lpm")
	p := b.plot("flow (L/min)")
	ranged(p, ss, lims, 0)
	return &panel{p: p, height: 110, legend: legendOf(ss, lims)}
}

// (6) Where the heat went, kW, each sink in its loop's hue, beside the
// compute power it came from.
func (b *builder) heatPanel() *panel {
	kw := b.mk("compute", solid(hueCompute, 1.2), func(p *hil.TracePoint) float64 { return p.ComputeKW })
	kw.fill = color.RGBA{R: 0xfd, G: 0xe0, B: 0xc0, A: 0xff}
	ss := []*series{kw,
		b.mk("to radiators", solid(hueHouse, 1.5), func(p *hil.TracePoint) float64 { return p.ToHeatingKW }),
		b.mk("to tank", solid(hueTank, 1.5), func(p *hil.TracePoint) float64 { return p.ToTankKW }),
		b.mk("dumped", solid(hueDump, 1.5), func(p *hil.TracePoint) float64 { return p.DumpedKW }),
		b.mk("losses", solid(hueLosses, 1.2), func(p *hil.TracePoint) float64 { return p.LossesKW }),
	}
	p := b.plot("heat by sink (kW)")
	ranged(p, ss, nil, 0)
	p.Y.Min = math.Min(p.Y.Min, 0)
	return &panel{p: p, height: 140, legend: legendOf(ss, nil)}
}

// (7) Modules powered and the capacity bound beside the compute drawn.
func (b *builder) powerPanel() *panel {
	kw := b.mk("compute kW", solid(hueCompute, 1.4), func(p *hil.TracePoint) float64 { return p.ComputeKW })
	mods := b.mk("modules powered", solid(0x252525, 1.2), func(p *hil.TracePoint) float64 { return float64(p.ModulesPowered) })
	mods.step = true
	p := b.plot("kW · modules")
	p.Add(kw, mods)
	l := newLegend()
	l.Add(kw.name, kw)
	l.Add(mods.name, mods)
	// The bench's capacity bound, where it fell under the most compute drawn.
	var peakKW float64
	bound := false
	for i := range b.pts {
		peakKW = math.Max(peakKW, b.pts[i].ComputeKW)
	}
	for i := range b.pts {
		bound = bound || b.pts[i].CapacityKW > 0 && b.pts[i].CapacityKW < peakKW
	}
	if bound {
		c := b.mk("capacity bound kW", dashed(0x7570b3, 1.2, 3, 2), func(p *hil.TracePoint) float64 {
			return math.Min(p.CapacityKW, peakKW*1.15)
		})
		p.Add(c)
		l.Add(c.name, c)
	}
	p.Y.Min = 0
	p.Y.Max = math.Max(p.Y.Max*1.08, 1)
	return &panel{p: p, height: 100, legend: l}
}

// (8) The safety state, a step line over named levels on shaded spans.
func (b *builder) statePanel() *panel {
	states, index := stateLevels(b.pts)
	sy := make([]float64, len(b.pts))
	for i := range b.pts {
		if k, ok := index[b.pts[i].SafetyState]; ok {
			sy[i] = float64(len(states) - 1 - k)
		} else {
			sy[i] = math.NaN()
		}
	}
	sx, sy := downsample(b.xs, sy, maxPointsPerSeries)
	st := &series{name: "safety state", x: sx, y: sy, line: solid(0x000000, 1.4), step: true}
	sp := newPlot("safety state", true, b.off)
	sp.X.Label.Text = b.timeLabel()
	sp.Add(stateBands(b.xs, b.pts), &grid{xs: b.gridXs}, &markerLines{marks: b.marks}, st)
	sp.Y.Min, sp.Y.Max = -0.5, float64(len(states))-0.5
	var ticks plot.ConstantTicks
	for k, s := range states {
		ticks = append(ticks, plot.Tick{Value: float64(len(states) - 1 - k), Label: s})
	}
	sp.Y.Tick.Marker = ticks
	l := newLegend()
	l.Add(st.name, st)
	l.Add("running", swatch{fill: stateFill("running")})
	l.Add("degraded / shedding", swatch{fill: stateFill("degraded")})
	l.Add("shutdown / tripped", swatch{fill: stateFill("tripped")})
	seen := map[string]bool{}
	for _, m := range b.marks {
		seen[m.kind] = true
	}
	for _, k := range markerKinds {
		if seen[k] {
			l.Add("marker: "+k, swatch{line: markerStyle(k), vert: true})
			delete(seen, k)
		}
	}
	if len(seen) > 0 {
		l.Add("marker: other", swatch{line: markerStyle(""), vert: true})
	}
	return &panel{p: sp, height: 185, legend: l}
}

// checkMarks draws each expectation that names a time at that time, with
// its verdict.
func checkMarks(os []hil.Outcome) []mark {
	var out []mark
	for _, o := range os {
		if o.AtS == nil {
			continue
		}
		kind := "check passed"
		if !o.Pass {
			kind = "check failed"
		}
		l := o.Expectation
		if r := []rune(l); len(r) > 44 {
			l = string(r[:43]) + "…"
		}
		out = append(out, mark{x: *o.AtS / 3600, kind: kind, label: "✓ " + l})
		if !o.Pass {
			out[len(out)-1].label = "✗ " + l
		}
	}
	return out
}

var weekdays = [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// timeLabel names the time axis: the time since the start for a run whose
// zero is Monday 00:00 (the default), else local time, counted from the
// midnight before the start (a Wednesday 14:00 start reads 14:00).
func (b *builder) timeLabel() string {
	unit := "h:mm"
	if timeStep(b.xmin, b.xmax) < 1.0/60 {
		unit = "h:mm:ss"
	}
	if b.off == 0 && b.day == 0 {
		return "time since start (" + unit + ")"
	}
	return "local time from " + weekdays[b.day] + " 00:00 (" + unit + "; the run starts at " + fmtHM(b.off) + ")"
}
