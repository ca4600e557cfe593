package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hearth/hil"
)

// synthetic builds a day-like run of n points over dur seconds: winter
// heating, an oil-pump fault at 40 % of the run that lets oil climb to a trip
// at 55 %, and probe A stuck at its last reading from the fault on (the
// lying sensor the figure must make visible).
func synthetic(name string, n int, dur float64, pass bool) *hil.ScenarioResult {
	tr := &hil.Trace{Limits: map[string]float64{
		"oil_in_warn_c": 52, "oil_in_trip_c": 58, "oil_ceiling_c": 48,
		"water_flow_trip_c": 90, "tank_trip_c": 80, "not_a_temp": 3,
	}}
	faultS, tripS := 0.4*dur, 0.55*dur
	state := "boot"
	var stuck float64
	for i := range n {
		ts := dur * float64(i) / float64(n-1)
		day := 2 * math.Pi * ts / 86400
		out := 4 + 4*math.Sin(day-math.Pi/2)
		oil := 36 + 2*math.Sin(day*3)
		kw := 3.6
		mods := 8
		pump := 0.7
		switch {
		case ts < 60:
			state = "boot"
		case ts < 300:
			state = "self_test"
		case ts >= tripS:
			state, kw, mods, pump = "tripped", 0, 0, 1
			oil = 58 - 20*(ts-tripS)/(dur-tripS)
		case ts >= faultS:
			state, pump = "degraded", 0
			oil = 36 + 22*(ts-faultS)/(tripS-faultS)
		default:
			state = "running"
		}
		if ts < faultS {
			stuck = oil
		}
		probeB := oil + 0.2*math.Sin(ts)
		if i == n/3 {
			probeB = math.NaN() // a missed conversion: a gap, not a dive
		}
		tr.Points = append(tr.Points, hil.TracePoint{
			TS: ts, OilInC: oil, OilOutC: oil + 4, WaterFlowC: 40 + out/4, WaterReturnC: 32,
			TankTopC: 46 + 2*math.Sin(day), TankBottomC: 38, IndoorC: 20.5 + 0.5*math.Sin(day), OutdoorC: out,
			OilInAMeasuredC: stuck, OilInBMeasuredC: probeB, FlowTargetC: 41 - out/2,
			OilPump: pump, WaterPump: 0.6, ValveDump: 0.1, ValveTank: 0.5 + 0.5*math.Sin(day*2), Fan: 0.2,
			Immersion: ts > 0.1*dur && ts < 0.15*dur, ComputeKW: kw, ModulesPowered: mods, SafetyState: state,
		})
	}
	tr.Markers = []hil.Marker{
		{TS: faultS, Kind: "fault", Label: "oil_pump_stall"},
		{TS: faultS + 30, Kind: "fault", Label: "probe_oil_in_a_stuck"},
		{TS: tripS, Kind: "trip", Label: "oil_in_trip"},
		{TS: 0.2 * dur, Kind: "demand", Label: "demand 50%"},
		{TS: 0.8 * dur, Kind: "clear", Label: "oil_pump_stall"},
	}
	return &hil.ScenarioResult{
		Name: name, Description: "oil pump stalls under full load in winter; safety must trip before 58 C",
		Pass: pass, Faults: []string{"oil_pump_stall", "probe_oil_in_a_stuck"},
		Result: hil.Result{
			SimSeconds: dur, WallSeconds: 0.8, SafetyState: "tripped",
			MaxTempC: hil.Temps{OilModuleIn: 58.1, OilModuleOut: 62.1, WaterFlow: 41, Tank: 48, Indoor: 21},
			Trips:    []hil.Trip{{AtS: tripS, Cause: "oil_in_trip"}},
			ERF:      0.87, ComputeAvailability: 0.55,
		},
		Expectations: []hil.Outcome{
			{Expectation: "trip_cause == oil_in_trip", Pass: true, Detail: "oil_in_trip at 13:12:00"},
			{Expectation: "oil_module_in <= 60 C", Pass: pass, Detail: "max 58.1 C"},
		},
		Violations: []hil.Violation{{Invariant: "modules_off_when_tripped", AtS: tripS + 10, Detail: "1 module powered"}},
		Replay:     "hearth hil run --scenario " + name + " --seed 7",
		Trace:      tr,
	}
}

func wellFormed(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("svg is not well-formed XML: %v", err)
		}
	}
}

func TestSVGShowsNameVerdictLimitsAndMarkers(t *testing.T) {
	r := synthetic("pump_stall_winter", 400, 86400, false)
	b, err := SVG(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.HasPrefix(s, "<?xml") && !strings.HasPrefix(s, "<svg") {
		t.Fatalf("not an svg: %.60q", s)
	}
	wellFormed(t, b)
	for _, want := range []string{
		"pump_stall_winter", "FAIL",
		"oil in trip 58 °C", "oil in warn 52 °C", "oil ceiling 48 °C", "water flow trip 90 °C", "tank trip 80 °C",
		"fault: oil_pump_stall", "trip: oil_in_trip",
		"tripped", "maintenance", "oil in probe A", "immersion heater", "modules powered",
		"time since start (h:mm)", "24:00",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("svg lacks %q", want)
		}
	}
	if strings.Contains(s, "not a temp") {
		t.Error("a limit not ending in _c was drawn as a temperature")
	}
	if strings.Contains(s, "NaN") {
		t.Error("svg contains NaN coordinates")
	}
}

func TestSVGPassVerdict(t *testing.T) {
	b, err := SVG(synthetic("ok", 50, 3600, true))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(">PASS<")) || bytes.Contains(b, []byte(">FAIL<")) {
		t.Error("a passing result is not titled PASS")
	}
}

func TestSVGWithoutTrace(t *testing.T) {
	for _, tr := range []*hil.Trace{nil, {}} {
		r := synthetic("no_trace", 10, 60, true)
		r.Trace = tr
		b, err := SVG(r)
		if err != nil {
			t.Fatal(err)
		}
		wellFormed(t, b)
		if !bytes.Contains(b, []byte("no trace recorded")) {
			t.Error("svg without a trace does not say so")
		}
	}
	if _, err := SVG(nil); err == nil {
		t.Error("SVG(nil) did not fail")
	}
}

func TestSVGOddTraces(t *testing.T) {
	cases := map[string]func(*hil.Trace){
		"one point": func(tr *hil.Trace) { tr.Points = tr.Points[:1] },
		"no limits or markers": func(tr *hil.Trace) {
			tr.Limits, tr.Markers = nil, nil
		},
		"unknown state and wild probe": func(tr *hil.Trace) {
			tr.Points[5].SafetyState = "commissioning"
			tr.Points[6].SafetyState = ""
			tr.Points[7].OilInAMeasuredC = -127
			tr.Points[8].OilInBMeasuredC = math.Inf(1)
		},
		"marker outside the run": func(tr *hil.Trace) {
			tr.Markers = append(tr.Markers, hil.Marker{TS: -50, Kind: "command"}, hil.Marker{TS: 1e9, Kind: "odd"})
		},
	}
	for name, mut := range cases {
		t.Run(name, func(t *testing.T) {
			r := synthetic("odd", 100, 7200, true)
			mut(r.Trace)
			b, err := SVG(r)
			if err != nil {
				t.Fatal(err)
			}
			wellFormed(t, b)
			if bytes.Contains(b, []byte("NaN")) || bytes.Contains(b, []byte("Inf")) {
				t.Error("svg holds a non-finite coordinate")
			}
		})
	}
}

func TestWriteIndexAndFigures(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "report")
	pass := synthetic("winter/steady state", 300, 86400, true)
	fail := synthetic("pump_stall_winter", 300, 86400, false)
	bare := synthetic("no trace", 10, 60, true)
	bare.Trace = nil
	evil := synthetic(`<script>alert("x")</script>`, 20, 600, true)
	if err := Write(dir, "HIL <bench> & report", []*hil.ScenarioResult{pass, nil, fail, bare, evil}); err != nil {
		t.Fatal(err)
	}
	idx, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	h := string(idx)
	for _, want := range []string{
		"HIL &lt;bench&gt; &amp; report",
		"4 scenarios", "3 passed", "1 failed",
		"winter/steady state", "pump_stall_winter", "no trace",
		`<img src="winter_steady_state.svg"`, `href="pump_stall_winter.svg"`, `<img src="no_trace.svg"`,
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;",
		"oil_in_trip", "modules_off_when_tripped", "hearth hil run --scenario pump_stall_winter --seed 7",
		"trip_cause == oil_in_trip", "max 58.1 C", "margin to trip -0.1 K", "0.87", "55.0 %",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("index lacks %q", want)
		}
	}
	if strings.Contains(h, "<script>") {
		t.Error("a scenario name reached the page unescaped")
	}
	if strings.Contains(h, "<link") || strings.Contains(h, "http://") || strings.Contains(h, "https://") {
		t.Error("index refers to an external asset")
	}
	if f, p := strings.Index(h, "pump_stall_winter"), strings.Index(h, "winter/steady state"); f < 0 || p < 0 || f > p {
		t.Error("failing scenario is not listed first")
	}
	if !strings.Contains(h, `class="verdict FAIL">FAIL`) || !strings.Contains(h, `class="verdict PASS">PASS`) {
		t.Error("verdicts are not marked")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	want := "index.html no_trace.svg pump_stall_winter.svg script_alert_x_script.svg winter_steady_state.svg"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("files = %s, want %s", got, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "pump_stall_winter.svg"))
	if err != nil {
		t.Fatal(err)
	}
	wellFormed(t, b)
	if !bytes.Contains(b, []byte("oil in trip 58")) {
		t.Error("figure lacks the oil trip limit")
	}
}

func TestWriteEmpty(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, "nothing", nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("0 scenarios")) {
		t.Error("empty index does not say 0 scenarios")
	}
}

func TestWriteFailsOnUnwritableDir(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(f, "sub"), "x", []*hil.ScenarioResult{synthetic("a", 10, 60, true)}); err == nil {
		t.Error("Write into a path under a file did not fail")
	}
}

func TestFileNames(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"winter/steady state", "winter_steady_state"},
		{"../../etc/passwd", "etc_passwd"},
		{"Oil-Pump.Stall", "oil-pump.stall"},
		{"", "scenario"},
		{"index", "scenario"},
		{"////", "scenario"},
		{".hidden", "hidden"},
		{"été à 35°C", "t_35_c"},
		{strings.Repeat("a", 300), strings.Repeat("a", maxFileStem)},
	} {
		if got := fileName(tc.in); got != tc.want {
			t.Errorf("fileName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	rs := []*hil.ScenarioResult{{Name: "a b"}, {Name: "a/b"}, {Name: "A B"}}
	got := strings.Join(fileNames(rs), " ")
	if want := "a_b.svg a_b-2.svg a_b-3.svg"; got != want {
		t.Errorf("fileNames = %s, want %s", got, want)
	}
}

func TestDownsampleKeepsPeaks(t *testing.T) {
	n := 8640
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range n {
		xs[i], ys[i] = float64(i), 40
	}
	ys[4321] = 70 // a one-sample spike
	ys[100] = -10 // and a dip
	ys[200] = math.NaN()
	ox, oy := downsample(xs, ys, maxPointsPerSeries)
	if len(ox) > maxPointsPerSeries || len(ox) != len(oy) {
		t.Fatalf("len = %d/%d, want <= %d", len(ox), len(oy), maxPointsPerSeries)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, v := range oy {
		if i > 0 && ox[i] < ox[i-1] {
			t.Fatal("time went backwards")
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo != -10 || hi != 70 {
		t.Errorf("range = %v..%v, want -10..70", lo, hi)
	}
	short := []float64{1, 2, 3}
	if sx, _ := downsample(short, short, maxPointsPerSeries); len(sx) != 3 {
		t.Error("a short series was resampled")
	}
}

func TestTimeTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   string // major labels
	}{
		{0, 24, "0:00 2:00 4:00 6:00 8:00 10:00 12:00 14:00 16:00 18:00 20:00 22:00 24:00"},
		{0, 1, "0:00 0:05 0:10 0:15 0:20 0:25 0:30 0:35 0:40 0:45 0:50 0:55 1:00"},
		{0, 0.2, "0:00 0:01 0:02 0:03 0:04 0:05 0:06 0:07 0:08 0:09 0:10 0:11 0:12"},
		{0, 168, "0:00 24:00 48:00 72:00 96:00 120:00 144:00 168:00"},
		{0, 90.0 / 3600, "0:00:00 0:00:10 0:00:20 0:00:30 0:00:40 0:00:50 0:01:00 0:01:10 0:01:20 0:01:30"},
	} {
		var got []string
		for _, tk := range timeTicks(tc.lo, tc.hi, true) {
			if !tk.IsMinor() {
				got = append(got, tk.Label)
			}
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("ticks %v..%v = %s, want %s", tc.lo, tc.hi, g, tc.want)
		}
	}
	if len(timeTicks(1, 1, true)) != 0 {
		t.Error("an empty range got ticks")
	}
	// A run that starts at local 14:00 (or 14:20) is labelled in local
	// time, its marks on round local times.
	for _, tc := range []struct {
		lo, hi, off float64
		want        string
		first       float64 // the first major mark, hours since the start
	}{
		{0, 12, 14, "14:00 15:00 16:00 17:00 18:00 19:00 20:00 21:00 22:00 23:00 24:00 25:00 26:00", 0},
		{0, 1, 14 + 1.0/3, "14:20 14:25 14:30 14:35 14:40 14:45 14:50 14:55 15:00 15:05 15:10 15:15 15:20", 0},
		{0, 10, 14.5, "15:00 16:00 17:00 18:00 19:00 20:00 21:00 22:00 23:00 24:00", 0.5},
	} {
		var got []string
		first := math.NaN()
		for _, tk := range (timeTicker{labels: true, off: tc.off}).Ticks(tc.lo, tc.hi) {
			if !tk.IsMinor() {
				got = append(got, tk.Label)
				if math.IsNaN(first) {
					first = tk.Value
				}
			}
		}
		if g := strings.Join(got, " "); g != tc.want || math.Abs(first-tc.first) > 1e-9 {
			t.Errorf("local ticks %v..%v from %v = %s (first at %v h), want %s (at %v h)", tc.lo, tc.hi, tc.off, g, first, tc.want, tc.first)
		}
	}
}

// TestWriteThirtyDays is the speed budget: 30 day-long traces at a 10 s
// step must render in a few seconds. It writes to $HEARTH_REPORT_DIR when
// set, so a person can look at the result.
func TestWriteThirtyDays(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 30 figures")
	}
	var rs []*hil.ScenarioResult
	for i := range 30 {
		rs = append(rs, synthetic(fmt.Sprintf("day_%02d", i), 8640, 86400, i%4 != 0))
	}
	dir := os.Getenv("HEARTH_REPORT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	start := time.Now()
	if err := Write(dir, "thirty days", rs); err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	t.Logf("30 day-long traces rendered in %v", el)
	if el > 30*time.Second && !raceEnabled {
		t.Errorf("rendering took %v", el)
	}
}

func TestSVGConcurrent(t *testing.T) {
	r := synthetic("c", 500, 86400, true)
	want, err := SVG(r)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, err := SVG(r)
			if err != nil || !bytes.Equal(got, want) {
				t.Error("concurrent render differs")
			}
		})
	}
	wg.Wait()
}

func BenchmarkSVGDay(b *testing.B) {
	r := synthetic("day", 8640, 86400, false)
	for b.Loop() {
		if _, err := SVG(r); err != nil {
			b.Fatal(err)
		}
	}
}

// The time axis says whose clock it keeps: the time since the start for a
// run whose zero is Monday 00:00, local time from the start's midnight else.
func TestTimeLabelLocal(t *testing.T) {
	for _, tc := range []struct {
		b    builder
		want string
	}{
		{builder{xmax: 24}, "time since start (h:mm)"},
		{builder{xmax: 0.01}, "time since start (h:mm:ss)"},
		{builder{xmax: 12, off: 14, day: 2}, "local time from Wednesday 00:00 (h:mm; the run starts at 14:00)"},
		{builder{xmax: 12, off: 23, day: 6}, "local time from Sunday 00:00 (h:mm; the run starts at 23:00)"},
	} {
		if got := tc.b.timeLabel(); got != tc.want {
			t.Errorf("off %v day %d: %q, want %q", tc.b.off, tc.b.day, got, tc.want)
		}
	}
}

// With Options.PNG each figure is written as a PNG beside its SVG, one
// image per scenario at the SVG's aspect; without it, none.
func TestWritePNGBesideSVG(t *testing.T) {
	dir := t.TempDir()
	rs := []*hil.ScenarioResult{synthetic("winter-day", 300, 86400, true), synthetic("oil-leak", 30, 3600, false)}
	if err := WriteOpts(dir, "pngs", rs, Options{PNG: true}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"winter-day", "oil-leak"} {
		f, err := os.Open(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s.png: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() < 800 || b.Dy() < b.Dx() {
			t.Errorf("%s.png is %dx%d, want a tall figure at least 800 px wide", name, b.Dx(), b.Dy())
		}
		if _, err := os.Stat(filepath.Join(dir, name+".svg")); err != nil {
			t.Errorf("no SVG beside the PNG: %v", err)
		}
	}
	plain := t.TempDir()
	if err := Write(plain, "svg only", rs[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(plain, "winter-day.png")); !os.IsNotExist(err) {
		t.Errorf("a PNG without Options.PNG: %v", err)
	}
}
