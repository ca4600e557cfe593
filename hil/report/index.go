package report

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strings"

	"hearth/hil"
)

type page struct {
	Title                 string
	Total, Passed, Failed int
	SimTotal, WallTotal   string
	Rows                  []row
}

type row struct {
	ID, File          string
	Name, Description string
	Pass              bool
	Faults            []string
	Trips             []tripRow
	Temps             []tempRow
	ERF, Availability string
	Sim, Wall         string
	Energy            string
	DHWShortfall      string
	FinalState        string
	Expectations      []hil.Outcome
	Met               int
	Violations        []violationRow
	Replay            string
}

type tripRow struct{ At, Cause string }

type violationRow struct{ Invariant, At, Detail string }

// tempRow is one measured point's highest temperature and the limits that
// apply to it. Class is "bad" at or over a trip limit, "warn" at or over a
// warning or a ceiling.
type tempRow struct {
	Name, Max, Limits, Class string
}

// tempPoints ties each extreme in Result.MaxTempC to the limit keys that
// guard it: a key belongs to a point when it starts with one of its prefixes.
var tempPoints = []struct {
	name     string
	get      func(hil.Temps) float64
	prefixes []string
}{
	{"oil in", func(t hil.Temps) float64 { return t.OilModuleIn }, []string{"oil_in_", "oil_ceiling_", "oil_module_in_"}},
	{"oil out", func(t hil.Temps) float64 { return t.OilModuleOut }, []string{"oil_out_", "oil_module_out_"}},
	{"water flow", func(t hil.Temps) float64 { return t.WaterFlow }, []string{"water_flow_"}},
	{"tank", func(t hil.Temps) float64 { return t.Tank }, []string{"tank_"}},
	{"indoor", func(t hil.Temps) float64 { return t.Indoor }, []string{"indoor_"}},
}

func indexData(title string, rs []*hil.ScenarioResult, files []string) page {
	pg := page{Title: title, Total: len(rs)}
	var sim, wall float64
	for i, r := range rs {
		if r.Pass {
			pg.Passed++
		} else {
			pg.Failed++
		}
		sim += r.SimSeconds
		wall += r.WallSeconds
		pg.Rows = append(pg.Rows, makeRow(r, files[i]))
	}
	pg.SimTotal, pg.WallTotal = fmtDuration(sim), fmtWall(wall)
	return pg
}

func makeRow(r *hil.ScenarioResult, file string) row {
	w := row{
		ID:           "s-" + strings.TrimSuffix(file, ".svg"),
		File:         file,
		Name:         r.Name,
		Description:  r.Description,
		Pass:         r.Pass,
		Faults:       r.Faults,
		ERF:          fmt2(r.ERF),
		Availability: fmtPct(r.ComputeAvailability),
		Sim:          fmtDuration(r.SimSeconds),
		Wall:         fmtWall(r.WallSeconds),
		FinalState:   r.SafetyState,
		Expectations: r.Expectations,
		Replay:       r.Replay,
	}
	for _, t := range r.Trips {
		w.Trips = append(w.Trips, tripRow{At: fmtClock(t.AtS), Cause: t.Cause})
	}
	for _, e := range r.Expectations {
		if e.Pass {
			w.Met++
		}
	}
	for _, v := range r.Violations {
		w.Violations = append(w.Violations, violationRow{Invariant: v.Invariant, At: fmtClock(v.AtS), Detail: v.Detail})
	}
	var lim map[string]float64
	if r.Trace != nil {
		lim = r.Trace.Limits
	}
	for _, tp := range tempPoints {
		w.Temps = append(w.Temps, tempVsLimits(tp.name, tp.get(r.MaxTempC), tp.prefixes, lim))
	}
	e := r.EnergyKWh
	w.Energy = fmt.Sprintf("compute %s · tank %s · heating %s · dumped %s · immersion %s kWh",
		fmt2(e.Compute), fmt2(e.ToTank), fmt2(e.ToHeating), fmt2(e.Dumped), fmt2(e.Immersion))
	w.DHWShortfall = fmt2(r.DHWShortfallKWh)
	return w
}

func tempVsLimits(name string, maxC float64, prefixes []string, lim map[string]float64) tempRow {
	t := tempRow{Name: name, Max: fmtNum(maxC) + " °C"}
	type kv struct {
		label string
		v     float64
	}
	var ls []kv
	tripMargin := math.Inf(1)
	for k, v := range lim {
		if !strings.HasSuffix(k, "_c") || !finite(v) {
			continue
		}
		for _, p := range prefixes {
			if !strings.HasPrefix(k, p) {
				continue
			}
			label := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(k, p), "_c"), "_", " ")
			if strings.HasPrefix(p, "oil_ceiling") {
				label = "ceiling"
			}
			ls = append(ls, kv{label, v})
			switch {
			case strings.Contains(k, "trip"):
				tripMargin = math.Min(tripMargin, v-maxC)
				if maxC >= v {
					t.Class = "bad"
				}
			case strings.Contains(k, "warn") && maxC >= v && t.Class == "":
				// A ceiling or a target passed is no warning: the tank
				// above its target in the legionella hold is the plan.
				t.Class = "warn"
			}
			break
		}
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].v < ls[j].v })
	var parts []string
	for _, l := range ls {
		parts = append(parts, l.label+" "+fmtNum(l.v))
	}
	if finite(tripMargin) {
		parts = append(parts, "margin to trip "+fmtNum(tripMargin)+" K")
	}
	t.Limits = strings.Join(parts, " · ")
	return t
}

func fmt2(v float64) string {
	if !finite(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

func fmtPct(v float64) string {
	if !finite(v) {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*v)
}

func fmtWall(sec float64) string {
	if !finite(sec) {
		return "?"
	}
	return fmt.Sprintf("%.2f s", sec)
}

// indexTmpl is the whole page. html/template escapes every field; the only
// URLs are our own sanitised file names.
var indexTmpl = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "Liberation Sans", sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; margin: 0 0 .3em; }
h2 { font-size: 1.2em; margin: 1.6em 0 .3em; }
.summary { font-size: 1.1em; margin-bottom: 1em; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th, td { border: 1px solid #ddd; padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: #f3f3f3; position: sticky; top: 0; }
tr.fail td:first-child { border-left: 4px solid #c62828; }
tr.pass td:first-child { border-left: 4px solid #1a7f37; }
.verdict { font-weight: bold; padding: 1px 6px; border-radius: 3px; color: #fff; white-space: nowrap; }
.PASS { background: #1a7f37; }
.FAIL { background: #c62828; }
.ok { color: #1a7f37; font-weight: bold; }
.no { color: #c62828; font-weight: bold; }
.warn { color: #b35900; font-weight: bold; }
.bad { color: #c62828; font-weight: bold; }
.muted { color: #666; }
ul { margin: 0; padding-left: 1.1em; }
code { font: 12px ui-monospace, "Liberation Mono", monospace; background: #f5f5f5; padding: 1px 3px; word-break: break-all; }
.num { text-align: right; white-space: nowrap; }
nobr, .nw { white-space: nowrap; }
section { border-top: 1px solid #ccc; margin-top: 1.5em; }
section img { width: 100%; max-width: 1300px; height: auto; border: 1px solid #eee; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="summary">{{.Total}} scenario{{if ne .Total 1}}s{{end}}: <span class="ok">{{.Passed}} passed</span>, <span class="{{if .Failed}}no{{else}}muted{{end}}">{{.Failed}} failed</span> <span class="muted">· {{.SimTotal}} simulated in {{.WallTotal}} wall</span></p>
{{if .Rows}}
<table>
<thead><tr>
<th>scenario</th><th>verdict</th><th>faults</th><th>trips</th><th>max temperature vs limits (°C)</th>
<th>ERF</th><th>compute avail.</th><th>expectations</th><th>violations</th>
</tr></thead>
<tbody>
{{range .Rows}}<tr class="{{if .Pass}}pass{{else}}fail{{end}}">
<td><a href="#{{.ID}}">{{.Name}}</a><br><span class="muted">{{.Sim}} sim · {{.Wall}} wall</span></td>
<td><span class="verdict {{if .Pass}}PASS{{else}}FAIL{{end}}">{{if .Pass}}PASS{{else}}FAIL{{end}}</span></td>
<td>{{range $i, $f := .Faults}}{{if $i}}, {{end}}{{$f}}{{else}}<span class="muted">none</span>{{end}}</td>
<td>{{range .Trips}}<div class="nw">{{.At}} {{.Cause}}</div>{{else}}<span class="muted">none</span>{{end}}</td>
<td>{{range .Temps}}<div><span class="nw {{.Class}}">{{.Name}} {{.Max}}</span>{{if .Limits}} <span class="muted">({{.Limits}})</span>{{end}}</div>{{end}}</td>
<td class="num">{{.ERF}}</td>
<td class="num">{{.Availability}}</td>
<td>{{if .Expectations}}<ul>{{range .Expectations}}<li><span class="{{if .Pass}}ok{{else}}no{{end}}">{{if .Pass}}✔{{else}}✘{{end}}</span> {{.Expectation}}{{if .Detail}} <span class="muted">— {{.Detail}}</span>{{end}}</li>{{end}}</ul>{{else}}<span class="muted">none</span>{{end}}</td>
<td>{{if .Violations}}<ul>{{range .Violations}}<li><span class="no">{{.Invariant}}</span> at {{.At}}{{if .Detail}}: {{.Detail}}{{end}}</li>{{end}}</ul>{{if .Replay}}replay: <code>{{.Replay}}</code>{{end}}{{else}}<span class="muted">none</span>{{end}}</td>
</tr>
{{end}}</tbody>
</table>
<details id="legend" open><summary>Reading the figures</summary>
<p>Each colour means one thing across every panel: the oil <b style="color:#b2182b">red</b> (its outlet
<span style="color:#f4a582">light red</span>), the primary water <b style="color:#2166ac">blue</b> (its return
<span style="color:#92c5de">light blue</span>), the tank <b style="color:#762a83">purple</b>, the house
<b style="color:#1b7837">green</b>, the outside air <b style="color:#8c8c8c">grey</b>, compute
<b style="color:#d95f02">orange</b>. An actuator and a heat sink take their loop's colour: the oil pump red, the water pump
blue, the tank valve and heat to the tank purple, heat to the radiators green, the dump valve and the heat dumped
<b style="color:#5a5a5a">dark grey</b>, the dump fan <b style="color:#01665e">teal</b>, the immersion heater
<b style="color:#e08214">amber, dotted</b>.</p>
<p>Line styles: a true value is solid; what an oil-in probe reported is dashed over the truth (a lying probe wanders
off it); an actuator's <b>command</b> (after safety's word) is dashed and what the hardware <b>did</b> solid, so a
dead fan shows a dashed line at 1 over a solid one at 0. Limits are horizontal: <span style="color:#d7191c">trip,
red dashes</span>; <span style="color:#e08214">warn, amber dashes</span>; control's ceilings and targets, grey dots
(passing one is no warning). Vertical lines are the time line: faults red dashes, clears green dashes, commands and
draws blue, demand changes violet, alarms orange dots, warnings yellow dots, a trip solid black, a broken invariant
solid pink, an expectation checkpoint at its time green (met, ✓) or solid red (failed, ✗). Heat by sink is each sink's
mean power over the trace's 10 s step; the safety panel's shading is green running, amber holding compute back, red
compute off for safety.</p>
</details>
{{range .Rows}}
<section id="{{.ID}}">
<h2>{{.Name}} <span class="verdict {{if .Pass}}PASS{{else}}FAIL{{end}}">{{if .Pass}}PASS{{else}}FAIL{{end}}</span></h2>
{{if .Description}}<p>{{.Description}}</p>{{end}}
<p class="muted">expectations {{.Met}}/{{len .Expectations}} met · final state {{.FinalState}} · {{.Energy}} · DHW shortfall {{.DHWShortfall}} kWh</p>
{{if .Replay}}<p>replay: <code>{{.Replay}}</code></p>{{end}}
<a href="{{.File}}"><img src="{{.File}}" alt="figure for {{.Name}}" loading="lazy"></a>
</section>
{{end}}
{{else}}
<p class="muted">No scenarios were run.</p>
{{end}}
</body>
</html>
`))
