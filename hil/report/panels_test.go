package report

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hearth/hil"
	"hearth/hil/plant"
)

func runTraced(t *testing.T, name string) *hil.ScenarioResult {
	t.Helper()
	scs, err := hil.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := hil.RunScenario(scs[0], plant.DefaultParams(), 0, true)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The figures that explain a run, checked on their data and rendered as
// PNG (into $HEARTH_REPORT_PNG_DIR when set, to look at): the pressure of
// water-pressure-loss falls through its trip limit on the pressure panel;
// winter-day's heat by sink adds up to the compute power less what the
// plant stored; a dead fan shows its actual speed under its command.
func TestPanelsExplain(t *testing.T) {
	if testing.Short() {
		t.Skip("three runs")
	}
	dir := os.Getenv("HEARTH_REPORT_PNG_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	png := func(r *hil.ScenarioResult) {
		b, err := PNG(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Fatalf("%s: not a PNG", r.Name)
		}
		if err := os.WriteFile(filepath.Join(dir, r.Name+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		svg, err := SVG(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"oil (°C)", "water · tank · house (°C)", "pressure (bar)", "flow (L/min)", "heat by sink (kW)",
			"to radiators", "to tank", "dumped", "command (dashed)", "actual (solid)", "pressure trip low 0.5 bar"} {
			if !strings.Contains(string(svg), s) {
				t.Errorf("%s: the figure has no %q", r.Name, s)
			}
		}
	}

	wp := runTraced(t, "water-pressure-loss-winter")
	lim := wp.Trace.Limits["pressure_trip_low_bar"]
	var crossS float64 = -1
	for i := 1; i < len(wp.Trace.Points); i++ {
		if a, b := wp.Trace.Points[i-1], wp.Trace.Points[i]; a.PressureBar > lim && b.PressureBar <= lim {
			crossS = b.TS
			break
		}
	}
	t.Logf("water-pressure-loss: pressure through its %.2f bar trip limit at %.0f s; trips %v", lim, crossS, wp.Trips)
	if lim <= 0 || crossS < 0 {
		t.Errorf("water-pressure-loss: the traced pressure never falls through its trip limit %.2f bar", lim)
	}
	png(wp)

	wd := runTraced(t, "winter-day")
	var sinkJ, computeJ float64
	for i := 1; i < len(wd.Trace.Points); i++ {
		p, dt := wd.Trace.Points[i], wd.Trace.Points[i].TS-wd.Trace.Points[i-1].TS
		sinkJ += (p.ToTankKW + p.ToHeatingKW + p.DumpedKW + p.LossesKW) * 1000 * dt
		computeJ += p.ComputeKW * 1000 * dt
	}
	want := (wd.EnergyKWh.ToTank + wd.EnergyKWh.ToHeating + wd.EnergyKWh.Dumped + wd.EnergyKWh.Losses) * 3.6e6
	t.Logf("winter-day: heat by sink %.2f kWh (the result's sinks %.2f kWh), compute %.2f kWh, stored %.2f kWh",
		sinkJ/3.6e6, want/3.6e6, computeJ/3.6e6, wd.EnergyKWh.StoredChange)
	if d := sinkJ/want - 1; d > 0.01 || d < -0.01 {
		t.Errorf("winter-day: the panel's heat by sink %.2f kWh, the run's %.2f kWh: %.1f %% apart", sinkJ/3.6e6, want/3.6e6, 100*d)
	}
	if bal := (sinkJ/3.6e6 + wd.EnergyKWh.StoredChange) / (computeJ / 3.6e6); bal < 0.97 || bal > 1.03 {
		t.Errorf("winter-day: sinks plus stored are %.3f x the compute drawn", bal)
	}
	png(wd)

	ff := runTraced(t, "fan-failure-summer")
	gap := 0.0
	for _, p := range ff.Trace.Points {
		gap = max(gap, p.Fan-p.FanActual)
	}
	t.Logf("fan-failure: the fan's command above its actual speed by up to %.2f", gap)
	if gap < 0.5 {
		t.Errorf("fan-failure: command and actual fan speed never part by 0.5 (%.2f)", gap)
	}
	png(ff)
}

// A run of equal values keeps its ends; a change, a NaN break and the
// series' ends are kept.
func TestFlatten(t *testing.T) {
	nan := math.NaN()
	xs := []float64{0, 1, 2, 3, 4, 5, 6, 7}
	ys := []float64{1, 1, 1, 1, 2, nan, nan, 2}
	ox, oy := flatten(xs, ys)
	if len(ox) != 6 || ox[0] != 0 || ox[1] != 3 || ox[2] != 4 || !math.IsNaN(oy[3]) || ox[5] != 7 {
		t.Errorf("flatten: %v %v", ox, oy)
	}
}

// A run that starts Wednesday 14:00 is drawn on local time: the axis says
// so and its first label is 14:00 (into $HEARTH_REPORT_PNG_DIR when set).
func TestReportKeepsLocalTime(t *testing.T) {
	sc, err := hil.ParseScenario([]byte(`name = "wednesday-afternoon"
season = "winter"
duration = "2h"
start_week = "62h"
`), "wednesday.toml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := hil.RunScenario(sc, plant.DefaultParams(), 0, true)
	if err != nil {
		t.Fatal(err)
	}
	svg, err := SVG(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"local time from Wednesday 00:00 (h:mm; the run starts at 14:00)", ">14:00<", ">16:00<"} {
		if !strings.Contains(string(svg), s) {
			t.Errorf("the figure has no %q", s)
		}
	}
	if strings.Contains(string(svg), ">0:00<") {
		t.Error("the figure still labels its start 0:00")
	}
	if dir := os.Getenv("HEARTH_REPORT_PNG_DIR"); dir != "" {
		b, err := PNG(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, r.Name+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
