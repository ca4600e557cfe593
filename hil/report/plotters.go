package report

import (
	"image/color"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// series is one signal over time. It draws faster than plotter.Line (no
// XYer interface, one path per unbroken run) and breaks the line at NaN, so
// a probe that stopped answering shows as a gap rather than a dive to zero.
type series struct {
	name string
	x, y []float64 // hours, value
	line draw.LineStyle
	// step holds each value until the next sample: for states and counts,
	// which jump rather than slide.
	step bool
	// fill, when set, shades the area between the line and the panel floor.
	fill color.Color
}

func (s *series) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	var runs [][]vg.Point
	var cur []vg.Point
	for i := range s.x {
		if !finite(s.y[i]) {
			if len(cur) > 0 {
				runs = append(runs, cur)
				cur = nil
			}
			continue
		}
		pt := vg.Point{X: trX(s.x[i]), Y: trY(s.y[i])}
		if s.step && len(cur) > 0 {
			cur = append(cur, vg.Point{X: pt.X, Y: cur[len(cur)-1].Y})
		}
		cur = append(cur, pt)
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	if s.fill != nil {
		floor := trY(p.Y.Min)
		for _, r := range runs {
			poly := make([]vg.Point, 0, len(r)+2)
			poly = append(poly, vg.Point{X: r[0].X, Y: floor})
			poly = append(poly, r...)
			poly = append(poly, vg.Point{X: r[len(r)-1].X, Y: floor})
			c.FillPolygon(s.fill, c.ClipPolygonXY(poly))
		}
	}
	c.StrokeLines(s.line, c.ClipLinesXY(runs...)...)
}

// DataRange ignores NaN and the clamp keeps one absurd reading (a DS18B20's
// -127 error code, say) from squashing every other line flat.
func (s *series) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i := range s.x {
		if !finite(s.y[i]) {
			continue
		}
		xmin, xmax = math.Min(xmin, s.x[i]), math.Max(xmax, s.x[i])
		ymin, ymax = math.Min(ymin, s.y[i]), math.Max(ymax, s.y[i])
	}
	return xmin, xmax, ymin, ymax
}

func (s *series) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	if s.fill != nil {
		c.FillPolygon(s.fill, []vg.Point{
			{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y},
			{X: c.Max.X, Y: y}, {X: c.Min.X, Y: y},
		})
	}
	c.StrokeLine2(s.line, c.Min.X, y, c.Max.X, y)
}

// limitLines draws horizontal dashed lines at temperature limits, each
// labelled with its name and value at the right-hand end.
type limitLines struct {
	limits []limit
	text   draw.TextStyle
}

type limit struct {
	key   string
	value float64
	line  draw.LineStyle
}

func (l *limitLines) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	// Highest first so that each label can step left of the one above when
	// two limits sit closer than a line of text (52 C warn under 58 C trip
	// is fine; a 48 C ceiling one degree under a 49 C warn is not).
	ls := append([]limit(nil), l.limits...)
	sort.Slice(ls, func(i, j int) bool { return ls[i].value > ls[j].value })
	th := l.text.Height("0")
	var placed []vg.Rectangle
	for _, lim := range ls {
		y := trY(lim.value)
		if !c.ContainsY(y) {
			continue
		}
		c.StrokeLine2(lim.line, c.Min.X, y, c.Max.X, y)
		txt := limitLabel(lim.key, lim.value)
		w := l.text.Width(txt)
		r := vg.Rectangle{Min: vg.Point{X: c.Max.X - 3 - w, Y: y + 1}, Max: vg.Point{X: c.Max.X - 3, Y: y + 1 + th}}
		for moved := true; moved; {
			moved = false
			for _, q := range placed {
				if r.Min.X < q.Max.X && q.Min.X < r.Max.X && r.Min.Y < q.Max.Y && q.Min.Y < r.Max.Y {
					r.Max.X = q.Min.X - 6
					r.Min.X = r.Max.X - w
					moved = true
				}
			}
		}
		placed = append(placed, r)
		sty := l.text
		sty.Color = lim.line.Color
		sty.XAlign, sty.YAlign = draw.XLeft, draw.YBottom
		// A white box under the label keeps it legible over a busy line.
		c.FillPolygon(labelBack, []vg.Point{
			r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y},
		})
		c.FillText(sty, r.Min, txt)
	}
}

func (l *limitLines) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, lim := range l.limits {
		ymin, ymax = math.Min(ymin, lim.value), math.Max(ymax, lim.value)
	}
	return xmin, xmax, ymin, ymax
}

// limitLabel turns "oil_in_trip_c" and 58 into "oil in trip 58 °C" (and
// "_bar", "_lpm" keys into bar and L/min).
func limitLabel(key string, v float64) string {
	unit := " °C"
	for _, u := range []struct{ suffix, unit string }{{"_bar", " bar"}, {"_lpm", " L/min"}, {"_c", " °C"}} {
		if strings.HasSuffix(key, u.suffix) {
			key, unit = strings.TrimSuffix(key, u.suffix), u.unit
			break
		}
	}
	return strings.ReplaceAll(key, "_", " ") + " " + fmtNum(v) + unit
}

// markerLines draws a vertical line at each marker; on the top panel it also
// writes the marker's label, rotated, beside its line.
type markerLines struct {
	marks  []mark
	labels bool
	text   draw.TextStyle
}

type mark struct {
	x     float64 // hours
	kind  string
	label string
}

func (m *markerLines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, mk := range m.marks {
		x := trX(mk.x)
		if !c.ContainsX(x) {
			continue
		}
		c.StrokeLine2(markerStyle(mk.kind), x, c.Min.Y, x, c.Max.Y)
	}
	if !m.labels {
		return
	}
	// Labels read bottom to top, hanging from the panel's top edge. Two
	// markers closer than a line of text push the later label right.
	th := m.text.Height("0")
	next := vg.Length(math.Inf(-1))
	for _, mk := range m.marks {
		x := trX(mk.x)
		if !c.ContainsX(x) {
			continue
		}
		lx := max(x+1, next)
		if lx > c.Max.X-th {
			break
		}
		next = lx + th + 1.5
		sty := m.text
		sty.Color = markerStyle(mk.kind).Color
		sty.Rotation = math.Pi / 2
		sty.XAlign, sty.YAlign = draw.XRight, draw.YTop
		top := c.Max.Y - 2
		w := sty.Width(mk.label)
		c.FillPolygon(labelBack, []vg.Point{
			{X: lx, Y: top - w - 1}, {X: lx + th, Y: top - w - 1}, {X: lx + th, Y: top + 1}, {X: lx, Y: top + 1},
		})
		c.FillText(sty, vg.Point{X: lx, Y: top}, mk.label)
	}
}

// bands shades the background of a panel over spans of time, for the safety
// state: the eye finds the red span before it reads any axis.
type bands struct {
	spans []span
}

type span struct {
	from, to float64 // hours
	fill     color.Color
}

func (b *bands) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, s := range b.spans {
		x0, x1 := max(trX(s.from), c.Min.X), min(trX(s.to), c.Max.X)
		if x1 <= x0 {
			continue
		}
		c.FillPolygon(s.fill, []vg.Point{
			{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y},
		})
	}
}

// swatch is a legend entry that is only a colour or a line style.
type swatch struct {
	fill color.Color
	line draw.LineStyle
	vert bool // draw the line vertically, as markers are
}

func (s swatch) Thumbnail(c *draw.Canvas) {
	if s.fill != nil {
		c.FillPolygon(s.fill, []vg.Point{
			c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y},
		})
	}
	if s.line.Width > 0 {
		if s.vert {
			x := c.Center().X
			c.StrokeLine2(s.line, x, c.Min.Y, x, c.Max.Y)
			return
		}
		y := c.Center().Y
		c.StrokeLine2(s.line, c.Min.X, y, c.Max.X, y)
	}
}

// grid draws light lines at the major time ticks and at the Y ticks. The
// gonum grid skips unlabelled ticks, and panels above the bottom one carry
// no time labels, so it would draw no vertical lines there.
type grid struct {
	xs []float64
}

var gridStyle = draw.LineStyle{Color: color.Gray{Y: 225}, Width: vg.Points(0.5)}

func (g *grid) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, x := range g.xs {
		if px := trX(x); c.ContainsX(px) {
			c.StrokeLine2(gridStyle, px, c.Min.Y, px, c.Max.Y)
		}
	}
	for _, t := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if t.IsMinor() {
			continue
		}
		if py := trY(t.Value); c.ContainsY(py) {
			c.StrokeLine2(gridStyle, c.Min.X, py, c.Max.X, py)
		}
	}
}

// labelBack is the translucent white under a label drawn over data.
var labelBack = color.NRGBA{R: 255, G: 255, B: 255, A: 210}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
