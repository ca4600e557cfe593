package hil

import (
	"encoding/json"
	"math"
	"testing"

	"hearth/hil/plant"
)

// A year is the sum of its months, each scaled to its days; its ERF and
// availability are those of the sums; its JSON carries the contract's
// fields (issue 15).
func TestYearSumsItsMonths(t *testing.T) {
	if testing.Short() {
		t.Skip("two plant-days")
	}
	climate := []ClimateMonth{Essex[0], Essex[6]}
	y, err := Year(plant.DefaultParams(), YearOptions{DaysPerMonth: 1, Seed: 2, Workers: 2, Climate: climate})
	if err != nil {
		t.Fatal(err)
	}
	if len(y.Months) != 2 || y.Days != 62 {
		t.Fatalf("%d months, %d days; want 2 and 62", len(y.Months), y.Days)
	}
	var heat, compute, den float64
	for _, m := range y.Months {
		heat += m.HeatDeliveredKWh
		compute += m.ComputeKWh
		den += m.ComputeKWh + m.ParasiticKWh + m.OverheadKWh
		if m.HeatDeliveredKWh <= 0 || m.ComputeKWh < 31*20 {
			t.Errorf("%s: heat %.0f kWh, compute %.0f kWh: a month of a running hub gives more", m.Month, m.HeatDeliveredKWh, m.ComputeKWh)
		}
	}
	if math.Abs(heat-y.HeatDeliveredKWh) > 1e-6 || math.Abs(compute-y.ComputeKWh) > 1e-6 {
		t.Errorf("year heat %.3f compute %.3f, months sum to %.3f and %.3f", y.HeatDeliveredKWh, y.ComputeKWh, heat, compute)
	}
	if math.Abs(y.ERF-heat/den) > 1e-9 {
		t.Errorf("year erf %.4f, the sums give %.4f", y.ERF, heat/den)
	}
	if y.Months[0].ERF <= y.Months[1].ERF {
		t.Errorf("january erf %.3f not above july's %.3f: the house takes more heat in winter", y.Months[0].ERF, y.Months[1].ERF)
	}
	b, _ := json.Marshal(y)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"erf", "compute_availability", "heat_delivered_kwh", "backup_kwh", "immersion_kwh", "dumped_kwh", "compute_kwh", "months"} {
		if _, ok := m[k]; !ok {
			t.Errorf("year JSON has no %q", k)
		}
	}
	if ms, _ := m["months"].([]any); len(ms) == 2 {
		if mo, _ := ms[0].(map[string]any); mo["erf"] == nil || mo["backup_kwh"] == nil {
			t.Errorf("a month's JSON lacks the year's fields: %v", mo)
		}
	}
}
