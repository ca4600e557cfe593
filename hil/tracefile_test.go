package hil

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"hearth/hil/plant"
	"hearth/units"
)

// A winter day's trace file, downsampled to a row a minute, gives back the
// run's energy totals: each flow's mean power times the row's interval,
// summed, within 0.1 % of the result's figure.
func TestTraceReproducesEnergyTotals(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated day")
	}
	scs, err := Lookup("winter-day")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	r, err := RunScenarioOpts(scs[0], plant.DefaultParams(), RunOptions{TraceOut: &out, TraceFormat: "csv", TraceEvery: units.Minute})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := 24*60 + 2; len(rows) != want { // the header, t = 0, then a row a minute
		t.Errorf("%d lines, want %d", len(rows), want)
	}
	col := map[string]int{}
	for i, n := range rows[0] {
		col[n] = i
	}
	num := func(row []string, name string) float64 {
		i, ok := col[name]
		if !ok {
			t.Fatalf("no column %s", name)
		}
		v, err := strconv.ParseFloat(row[i], 64)
		if err != nil {
			t.Fatalf("%s = %q: %v", name, row[i], err)
		}
		return v
	}
	k := r.EnergyKWh
	for _, c := range []struct {
		name string
		want float64
	}{{"compute", k.Compute}, {"parasitic", k.Parasitic}, {"overhead", k.Overhead}, {"to_tank", k.ToTank},
		{"to_heating", k.ToHeating}, {"dumped", k.Dumped}, {"losses", k.Losses}, {"immersion", k.Immersion},
		{"backup", k.Backup}, {"dhw_delivered", k.DHWDelivered}} {
		var j float64
		for _, row := range rows[1:] {
			j += num(row, c.name+"_mean_w") * num(row, "interval_s")
		}
		got := j / 3.6e6
		t.Logf("%-13s trace %10.4f kWh, result %10.4f kWh", c.name, got, c.want)
		if math.Abs(got-c.want) > 0.001*math.Abs(c.want)+1e-9 {
			t.Errorf("%s: trace %.4f kWh, result %.4f kWh: more than 0.1 %% apart", c.name, got, c.want)
		}
	}
	last := rows[len(rows)-1]
	if ts := num(last, "t_s"); ts != r.SimSeconds {
		t.Errorf("last row at %.1f s, the run ends at %.1f s", ts, r.SimSeconds)
	}
	if got, want := num(last, "stored_change_kj")/3600, k.StoredChange; math.Abs(got-want) > 0.001*math.Abs(want)+1e-3 {
		t.Errorf("stored change: trace %.4f kWh, result %.4f", got, want)
	}
}

// JSON lines: one object per row with the same fields, every tick when not
// downsampled; states and causes as names.
func TestTraceJSONLines(t *testing.T) {
	scs, err := Lookup("water-pump-seized-winter")
	if err != nil {
		t.Fatal(err)
	}
	sc := *scs[0]
	sc.Duration = units.Hour + 2*units.Minute
	var out bytes.Buffer
	r, err := RunScenarioOpts(&sc, plant.DefaultParams(), RunOptions{TraceOut: &out, TraceFormat: "jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&out)
	n, sawStandby := 0, false
	var prev float64 = -1
	for dec.More() {
		var row map[string]any
		if err := dec.Decode(&row); err != nil {
			t.Fatal(err)
		}
		n++
		ts := row["t_s"].(float64)
		if ts <= prev {
			t.Fatalf("row %d at %.1f s after %.1f s", n, ts, prev)
		}
		prev = ts
		if row["state"] == "standby" && row["cause"] == "water_pump" {
			sawStandby = true
			if row["act_water_pump"].(float64) != 0 {
				t.Errorf("at %.1f s the seized pump turns at %v", ts, row["act_water_pump"])
			}
		}
	}
	if want := int(r.SimSeconds/Tick.Seconds()) + 1; n != want {
		t.Errorf("%d rows, want %d (a tick each, and t = 0)", n, want)
	}
	if !sawStandby {
		t.Error("no row in standby on water_pump after the seizure")
	}
}

func TestTraceRefusesBadOptions(t *testing.T) {
	scs, err := Lookup("winter-day")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, o := range []RunOptions{{TraceOut: &out, TraceFormat: "xml"}, {TraceOut: &out, TraceFormat: "csv", TraceEvery: -units.Second}} {
		if _, err := RunScenarioOpts(scs[0], plant.DefaultParams(), o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
