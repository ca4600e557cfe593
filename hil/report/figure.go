package report

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"hearth/hil"
)

// Figure geometry, in points. The panels share one time axis; the right
// column holds each panel's legend so no legend covers data.
const (
	figWidth    = 980
	legendWidth = 170
	headerH     = 52
	panelGap    = 6
	figMargin   = 6
)

// Temperatures outside this band are not plotted (the line is clipped) and
// do not stretch the axis: a DS18B20 reports -127 on a bus error and a
// broken PT1000 reads hundreds of degrees. The DS18B20's own range is
// -55..125 C.
const (
	tempAxisMinC = -60.0
	tempAxisMaxC = 150.0
)

// panel is one stacked plot and its legend.
type panel struct {
	p      *plot.Plot
	height vg.Length
	legend plot.Legend
}

// SVG renders one result's figure: a header with the verdict, then stacked
// panels of temperatures and limits, actuator commands, compute power and
// safety state over a shared time axis in hours, with every marker drawn as
// a vertical line through all panels. A result with no trace gets a header
// and the words "no trace recorded".
func SVG(r *hil.ScenarioResult) (out []byte, err error) {
	if r == nil {
		return nil, errors.New("report: nil scenario result")
	}
	// A figure is an aid, the verdict is the product: a trace shaped in a
	// way gonum plot cannot draw must cost one picture, not the report.
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("report: %s: rendering panicked: %v", r.Name, p)
		}
	}()
	if r.Trace == nil || len(r.Trace.Points) == 0 {
		return noTraceSVG(r)
	}
	panels := buildPanels(r.Trace, r.SimSeconds)
	h := vg.Length(headerH + figMargin)
	for _, p := range panels {
		h += p.height + panelGap
	}
	c := vgsvg.New(figWidth, h)
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	drawHeader(dc, r)
	canvases := layout(dc, panels)
	for i, p := range panels {
		p.p.Draw(canvases[i])
		data := p.p.DataCanvas(canvases[i])
		lc := draw.Crop(data, 0, 0, 0, 0)
		lc.Min.X = dc.Max.X - legendWidth + 10
		lc.Max.X = dc.Max.X - figMargin
		p.legend.Draw(lc)
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("report: %s: writing svg: %w", r.Name, err)
	}
	return buf.Bytes(), nil
}

func noTraceSVG(r *hil.ScenarioResult) ([]byte, error) {
	c := vgsvg.New(figWidth, headerH+60)
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	drawHeader(dc, r)
	sty := textStyle(12, colMute)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	dc.FillText(sty, vg.Point{X: dc.Center().X, Y: dc.Min.Y + 30}, "no trace recorded")
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("report: %s: writing svg: %w", r.Name, err)
	}
	return buf.Bytes(), nil
}

// layout stacks the panels under the header and lines up their data areas,
// so one instant sits at the same x on every panel.
func layout(dc draw.Canvas, panels []*panel) []draw.Canvas {
	out := make([]draw.Canvas, len(panels))
	top := dc.Max.Y - headerH
	for i, p := range panels {
		out[i] = draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: dc.Min.X + figMargin, Y: top - p.height},
			Max: vg.Point{X: dc.Max.X - legendWidth, Y: top},
		}}
		top -= p.height + panelGap
	}
	left := make([]vg.Length, len(panels))
	right := make([]vg.Length, len(panels))
	var maxL, maxR vg.Length
	for i, p := range panels {
		d := p.p.DataCanvas(out[i])
		left[i], right[i] = d.Min.X-out[i].Min.X, out[i].Max.X-d.Max.X
		maxL, maxR = max(maxL, left[i]), max(maxR, right[i])
	}
	for i := range panels {
		out[i] = draw.Crop(out[i], maxL-left[i], -(maxR - right[i]), 0, 0)
	}
	return out
}

// drawHeader writes the scenario's name and verdict, then one line of what
// was done to it and what came of it.
func drawHeader(dc draw.Canvas, r *hil.ScenarioResult) {
	x := dc.Min.X + figMargin + 4
	y := dc.Max.Y - figMargin
	title := textStyle(15, colText)
	title.Font.Weight = xfont.WeightBold
	title.YAlign = draw.YTop
	name := r.Name
	if name == "" {
		name = "(unnamed scenario)"
	}
	name = fitText(title, name, figWidth-200)
	dc.FillText(title, vg.Point{X: x, Y: y}, name)
	verdict := title
	verdict.Color, verdict.XAlign = colPass, draw.XLeft
	v := "PASS"
	if !r.Pass {
		verdict.Color, v = colFail, "FAIL"
	}
	dc.FillText(verdict, vg.Point{X: x + title.Width(name) + 12, Y: y}, v)

	y -= title.Height(name) + 4
	sub := textStyle(9, colMute)
	sub.YAlign = draw.YTop
	if r.Description != "" {
		dc.FillText(sub, vg.Point{X: x, Y: y}, fitText(sub, r.Description, figWidth-2*figMargin-8))
		y -= sub.Height("0") + 3
	}
	dc.FillText(sub, vg.Point{X: x, Y: y}, fitText(sub, headerFacts(r), figWidth-2*figMargin-8))
}

func headerFacts(r *hil.ScenarioResult) string {
	parts := []string{fmtDuration(r.SimSeconds) + " simulated"}
	if len(r.Faults) > 0 {
		parts = append(parts, "faults: "+strings.Join(r.Faults, ", "))
	} else {
		parts = append(parts, "no faults")
	}
	switch len(r.Trips) {
	case 0:
		parts = append(parts, "no trip")
	default:
		t := r.Trips[0]
		s := fmt.Sprintf("trip: %s at %s", t.Cause, fmtClock(t.AtS))
		if len(r.Trips) > 1 {
			s += fmt.Sprintf(" (+%d more)", len(r.Trips)-1)
		}
		parts = append(parts, s)
	}
	met := 0
	for _, e := range r.Expectations {
		if e.Pass {
			met++
		}
	}
	parts = append(parts, fmt.Sprintf("expectations %d/%d met", met, len(r.Expectations)))
	if len(r.Violations) > 0 {
		parts = append(parts, fmt.Sprintf("%d invariant violation(s)", len(r.Violations)))
	}
	return strings.Join(parts, "  ·  ")
}

// fitText shortens s with an ellipsis until it fits in w.
func fitText(sty draw.TextStyle, s string, w vg.Length) string {
	if sty.Width(s) <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 1 && sty.Width(string(rs)+"…") > w {
		rs = rs[:len(rs)*9/10]
	}
	return string(rs) + "…"
}

// buildPanels turns a trace into the four panels. The time axis runs from
// the start of the run to its end (simS), not from first to last sample: a
// trace sampled every 10 s would otherwise lose its 0:00 and 24:00 labels.
func buildPanels(tr *hil.Trace, simS float64) []*panel {
	pts := tr.Points
	xs := make([]float64, len(pts))
	for i := range pts {
		xs[i] = pts[i].TS / 3600
	}
	col := func(f func(*hil.TracePoint) float64) []float64 {
		ys := make([]float64, len(pts))
		for i := range pts {
			ys[i] = f(&pts[i])
		}
		return ys
	}
	mk := func(name string, line draw.LineStyle, f func(*hil.TracePoint) float64) *series {
		x, y := downsample(xs, col(f), maxPointsPerSeries)
		return &series{name: name, x: x, y: y, line: line}
	}
	xmin, xmax := min(0, xs[0]), xs[len(xs)-1]
	if finite(simS) && simS/3600 > xmax {
		xmax = simS / 3600
	}
	var gridXs []float64
	for _, t := range timeTicks(xmin, xmax, true) {
		if !t.IsMinor() {
			gridXs = append(gridXs, t.Value)
		}
	}
	marks := markers(tr.Markers)

	// (1) Temperatures: truth solid, what the oil-in probes said dotted on
	// top, the weather curve's flow target dashed under the flow line.
	temps := []*series{
		mk("oil in (true)", solid(0xb2182b, 1.8), func(p *hil.TracePoint) float64 { return p.OilInC }),
		mk("oil in probe A", dashed(0xff7f00, 1.4, 1.5, 1.5), func(p *hil.TracePoint) float64 { return p.OilInAMeasuredC }),
		mk("oil in probe B", dashed(0xe7298a, 1.3, 4, 2, 1, 2), func(p *hil.TracePoint) float64 { return p.OilInBMeasuredC }),
		mk("oil out", solid(0xf4a582, 1.4), func(p *hil.TracePoint) float64 { return p.OilOutC }),
		mk("water flow", solid(0x2166ac, 1.5), func(p *hil.TracePoint) float64 { return p.WaterFlowC }),
		mk("flow target (curve)", dashed(0x2166ac, 0.9, 6, 3), func(p *hil.TracePoint) float64 { return p.FlowTargetC }),
		mk("water return", solid(0x92c5de, 1.4), func(p *hil.TracePoint) float64 { return p.WaterReturnC }),
		mk("tank top", solid(0x762a83, 1.5), func(p *hil.TracePoint) float64 { return p.TankTopC }),
		mk("tank bottom", solid(0xc2a5cf, 1.4), func(p *hil.TracePoint) float64 { return p.TankBottomC }),
		mk("indoor", solid(0x1b7837, 1.4), func(p *hil.TracePoint) float64 { return p.IndoorC }),
		mk("outdoor", solid(0x8c8c8c, 1.1), func(p *hil.TracePoint) float64 { return p.OutdoorC }),
	}
	// Draw order: background first, the oil-in truth and its probes last so
	// a disagreement between them is never hidden under another line.
	drawOrder := []int{10, 9, 8, 7, 6, 4, 5, 3, 0, 1, 2}
	tp := newPlot("temperature (°C)", false)
	tp.Y.Tick.Marker = plot.TickerFunc(tempTicks)
	tp.Add(&grid{xs: gridXs}, &markerLines{marks: marks})
	var lo, hi = math.Inf(1), math.Inf(-1)
	for _, i := range drawOrder {
		s := temps[i]
		for j := range s.y {
			if !finite(s.y[j]) || s.y[j] < tempAxisMinC || s.y[j] > tempAxisMaxC {
				continue
			}
			lo, hi = math.Min(lo, s.y[j]), math.Max(hi, s.y[j])
		}
		tp.Add(s)
	}
	// Marker labels before limit labels: with a marker every hour the
	// limits must still be readable at the right-hand edge.
	tp.Add(&markerLines{marks: marks, labels: true, text: textStyle(7, colText)})
	if lims := limits(tr.Limits); len(lims) > 0 {
		ll := &limitLines{limits: lims, text: textStyle(7.5, colText)}
		_, _, llo, lhi := ll.DataRange()
		lo, hi = math.Min(lo, llo), math.Max(hi, lhi)
		tp.Add(ll)
	}
	if lo > hi {
		lo, hi = 0, 1
	}
	pad := math.Max((hi-lo)*0.04, 1)
	tp.Y.Min, tp.Y.Max = lo-pad, hi+pad
	tempLegend := newLegend()
	for _, s := range temps {
		tempLegend.Add(s.name, s)
	}
	tempLegend.Add("limit: trip", swatch{line: limitStyle("trip")})
	tempLegend.Add("limit: warn", swatch{line: limitStyle("warn")})
	tempLegend.Add("limit: ceiling", swatch{line: limitStyle("")})

	// (2) Commands after safety's word, 0..1. Wider lines are drawn first so
	// that two equal commands still show both colours.
	cmds := []*series{
		mk("oil pump", solid(0xb2182b, 3.6), func(p *hil.TracePoint) float64 { return p.OilPump }),
		mk("water pump", solid(0x2166ac, 2.6), func(p *hil.TracePoint) float64 { return p.WaterPump }),
		mk("valve → dump", solid(0x8c8c8c, 1.8), func(p *hil.TracePoint) float64 { return p.ValveDump }),
		mk("valve → tank", solid(0x762a83, 1.3), func(p *hil.TracePoint) float64 { return p.ValveTank }),
		mk("dump fan", dashed(0x01665e, 1.1, 4, 2), func(p *hil.TracePoint) float64 { return p.Fan }),
		mk("immersion heater", dashed(0xe08214, 1.1, 1, 2), func(p *hil.TracePoint) float64 { return b2f(p.Immersion) }),
	}
	cmds[5].step = true
	cp := newPlot("command (0..1)", false)
	cp.Add(&grid{xs: gridXs}, &markerLines{marks: marks})
	cmdLegend := newLegend()
	for _, s := range cmds {
		cp.Add(s)
		cmdLegend.Add(s.name, s)
	}
	cp.Y.Min, cp.Y.Max = -0.05, 1.05
	cp.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: 0.5, Label: "0.5"}, {Value: 1, Label: "1"}}

	// (3) Compute: power drawn and modules powered share an axis; both run
	// 0..8-ish on the reference hub (3.6 kW, 8 modules).
	kw := mk("compute kW", solid(0xd95f02, 1.4), func(p *hil.TracePoint) float64 { return p.ComputeKW })
	kw.fill = color.RGBA{R: 0xfd, G: 0xd0, B: 0xa2, A: 0xff}
	mods := mk("modules powered", solid(0x252525, 1.2), func(p *hil.TracePoint) float64 { return float64(p.ModulesPowered) })
	mods.step = true
	pp := newPlot("kW · modules", false)
	pp.Add(&grid{xs: gridXs}, kw, &markerLines{marks: marks}, mods)
	// The bench's capacity bound (hil/capacity.go), where it fell under what
	// the compute drew at its most: the power the plant could have rejected.
	var peakKW float64
	bound := false
	for i := range pts {
		peakKW = math.Max(peakKW, pts[i].ComputeKW)
	}
	for i := range pts {
		bound = bound || pts[i].CapacityKW > 0 && pts[i].CapacityKW < peakKW
	}
	var capS *series
	if bound {
		capS = mk("capacity bound kW", dashed(0x7570b3, 1.2, 3, 2), func(p *hil.TracePoint) float64 {
			return math.Min(p.CapacityKW, peakKW*1.15)
		})
		pp.Add(capS)
	}
	pp.Y.Min = 0
	pp.Y.Max = math.Max(pp.Y.Max*1.08, 1)
	powLegend := newLegend()
	powLegend.Add(kw.name, kw)
	powLegend.Add(mods.name, mods)
	if capS != nil {
		powLegend.Add(capS.name, capS)
	}

	// (4) Safety state, a step line over named levels on shaded spans.
	states, index := stateLevels(pts)
	sy := make([]float64, len(pts))
	for i := range pts {
		if k, ok := index[pts[i].SafetyState]; ok {
			sy[i] = float64(len(states) - 1 - k)
		} else {
			sy[i] = math.NaN()
		}
	}
	sx, sy := downsample(xs, sy, maxPointsPerSeries)
	st := &series{name: "safety state", x: sx, y: sy, line: solid(0x000000, 1.4), step: true}
	sp := newPlot("safety state", true)
	sp.X.Label.Text = "time since start (h:mm)"
	if timeStep(xmin, xmax) < 1.0/60 {
		sp.X.Label.Text = "time since start (h:mm:ss)"
	}
	sp.Add(stateBands(xs, pts), &grid{xs: gridXs}, &markerLines{marks: marks}, st)
	sp.Y.Min, sp.Y.Max = -0.5, float64(len(states))-0.5
	var ticks plot.ConstantTicks
	for k, s := range states {
		ticks = append(ticks, plot.Tick{Value: float64(len(states) - 1 - k), Label: s})
	}
	sp.Y.Tick.Marker = ticks
	stLegend := newLegend()
	stLegend.Add(st.name, st)
	stLegend.Add("running", swatch{fill: stateFill("running")})
	stLegend.Add("degraded / shedding", swatch{fill: stateFill("degraded")})
	stLegend.Add("shutdown / tripped", swatch{fill: stateFill("tripped")})
	seen := map[string]bool{}
	for _, m := range marks {
		seen[m.kind] = true
	}
	for _, k := range markerKinds {
		if seen[k] {
			stLegend.Add("marker: "+k, swatch{line: markerStyle(k), vert: true})
			delete(seen, k)
		}
	}
	if len(seen) > 0 {
		stLegend.Add("marker: other", swatch{line: markerStyle(""), vert: true})
	}

	for _, p := range []*plot.Plot{tp, cp, pp, sp} {
		p.X.Min, p.X.Max = xmin, xmax
		saneRange(&p.X)
		saneRange(&p.Y)
	}
	return []*panel{
		{p: tp, height: 330, legend: tempLegend},
		{p: cp, height: 130, legend: cmdLegend},
		{p: pp, height: 110, legend: powLegend},
		{p: sp, height: 185, legend: stLegend},
	}
}

// saneRange keeps an axis finite and non-empty: gonum's default ticker
// never returns on a NaN range, and a trace is data from a run that may
// have gone wrong in ways no one foresaw.
func saneRange(a *plot.Axis) {
	if !finite(a.Min) || !finite(a.Max) {
		a.Min, a.Max = 0, 1
	}
	if a.Max <= a.Min {
		a.Min, a.Max = a.Min-1, a.Min+1
	}
}

func newPlot(yLabel string, bottom bool) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = nil // the figure is already white; no panel hides another's text
	p.X.Tick.Marker = timeTicker{labels: bottom}
	p.X.Tick.Label.Font = font.From(sans, 8)
	p.Y.Tick.Label.Font = font.From(sans, 8)
	p.Y.Label.TextStyle.Font = font.From(sans, 9)
	p.X.Label.TextStyle.Font = font.From(sans, 9)
	p.Y.Label.Text = yLabel
	return p
}

func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.TextStyle.Font = font.From(sans, 8)
	l.ThumbnailWidth = vg.Points(22)
	l.Padding = vg.Points(1.5)
	return l
}

// limits picks the trace's temperature limits: every key ending in _c.
func limits(m map[string]float64) []limit {
	var out []limit
	for k, v := range m {
		if !strings.HasSuffix(k, "_c") || !finite(v) || v < tempAxisMinC || v > tempAxisMaxC {
			continue
		}
		out = append(out, limit{key: k, value: v, line: limitStyle(k)})
	}
	return out
}

// markers converts trace markers to hours and labels, in time order.
func markers(ms []hil.Marker) []mark {
	out := make([]mark, 0, len(ms))
	for _, m := range ms {
		l := m.Label
		if l == "" {
			l = m.Kind
		} else if m.Kind != "" && !strings.HasPrefix(l, m.Kind) {
			l = m.Kind + ": " + l
		}
		if r := []rune(l); len(r) > 48 {
			l = string(r[:47]) + "…"
		}
		out = append(out, mark{x: m.TS / 3600, kind: m.Kind, label: l})
	}
	sortMarks(out)
	return out
}

func sortMarks(ms []mark) {
	// Insertion sort keeps equal times in the order the bench logged them;
	// traces hold tens of markers, not thousands.
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].x < ms[j-1].x; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// stateLevels returns the states to put on the axis, top to bottom, and the
// index of each.
func stateLevels(pts []hil.TracePoint) ([]string, map[string]int) {
	states := append([]string(nil), stateOrder...)
	index := make(map[string]int, len(states))
	for i, s := range states {
		index[s] = i
	}
	for i := range pts {
		s := pts[i].SafetyState
		if _, ok := index[s]; !ok && s != "" {
			index[s] = len(states)
			states = append(states, s)
		}
	}
	return states, index
}

// maxBands bounds the shaded spans: a state flapping every tick would
// otherwise write thousands of rectangles that no one can see apart.
const maxBands = 1000

func stateBands(xs []float64, pts []hil.TracePoint) *bands {
	b := &bands{}
	var cur color.Color
	start := 0.0
	for i := range pts {
		f := stateFill(pts[i].SafetyState)
		if i > 0 && f == cur {
			continue
		}
		if cur != nil {
			b.spans = append(b.spans, span{from: start, to: xs[i], fill: cur})
		}
		cur, start = f, xs[i]
	}
	if cur != nil {
		b.spans = append(b.spans, span{from: start, to: xs[len(xs)-1], fill: cur})
	}
	if len(b.spans) > maxBands {
		b.spans = nil
	}
	return b
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
