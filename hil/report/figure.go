package report

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"sort"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
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
	return render(r, "svg", func(w, h vg.Length) vg.CanvasWriterTo { return vgsvg.New(w, h) })
}

// PNG renders the same figure as SVG, as a PNG at 110 dpi (to look at, or
// to attach to an issue).
func PNG(r *hil.ScenarioResult) ([]byte, error) {
	return render(r, "png", func(w, h vg.Length) vg.CanvasWriterTo {
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))}
	})
}

func render(r *hil.ScenarioResult, kind string, newCanvas func(w, h vg.Length) vg.CanvasWriterTo) (out []byte, err error) {
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
		return noTrace(r, newCanvas)
	}
	panels := buildPanels(r.Trace, r.SimSeconds, r.Expectations)
	h := vg.Length(headerH + figMargin)
	for _, p := range panels {
		h += p.height + panelGap
	}
	c := newCanvas(figWidth, h)
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
		return nil, fmt.Errorf("report: %s: writing %s: %w", r.Name, kind, err)
	}
	return buf.Bytes(), nil
}

func noTrace(r *hil.ScenarioResult, newCanvas func(w, h vg.Length) vg.CanvasWriterTo) ([]byte, error) {
	c := newCanvas(figWidth, headerH+60)
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	drawHeader(dc, r)
	sty := textStyle(12, colMute)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	dc.FillText(sty, vg.Point{X: dc.Center().X, Y: dc.Min.Y + 30}, "no trace recorded")
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("report: %s: writing the figure: %w", r.Name, err)
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

func newPlot(yLabel string, bottom bool, off float64) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = nil // the figure is already white; no panel hides another's text
	p.X.Tick.Marker = timeTicker{labels: bottom, off: off}
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

// limits picks the trace's limits in one unit (by the key's suffix: "_c",
// "_bar", "_lpm") whose key starts with one of prefixes (none: every one).
func limits(m map[string]float64, suffix string, prefixes ...string) []limit {
	var out []limit
	for k, v := range m {
		if !strings.HasSuffix(k, suffix) || !finite(v) || suffix == "_c" && (v < tempAxisMinC || v > tempAxisMaxC) {
			continue
		}
		ok := len(prefixes) == 0
		for _, p := range prefixes {
			ok = ok || strings.HasPrefix(k, p)
		}
		if ok {
			out = append(out, limit{key: k, value: v, line: limitStyle(k)})
		}
	}
	// The map's order is random: the figure must not be.
	sort.Slice(out, func(i, j int) bool {
		if out[i].value != out[j].value {
			return out[i].value > out[j].value
		}
		return out[i].key < out[j].key
	})
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
