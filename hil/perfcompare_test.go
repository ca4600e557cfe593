package hil

import (
	"strings"
	"testing"
)

// The before-and-after table sets each day's earlier figure beside today's
// and the thermostat's, and marks a day the earlier run did not have.
func TestPerfBeforeAfter(t *testing.T) {
	r := func(day, c string, erf float64, backup float64) PerfRow {
		s := &ScenarioResult{}
		s.ERF, s.ComputeAvailability = erf, 1
		s.EnergyKWh.Backup = backup
		return PerfRow{Day: day, Controller: c, Result: s}
	}
	before := []PerfRow{r("winter-day", "hearth", 0.965, 0), r("winter-day", "thermostat", 0.358, 0)}
	after := []PerfRow{r("winter-day", "hearth", 0.901, 0), r("winter-day", "thermostat", 0.402, 0),
		r("design-day", "hearth", 0.95, 12.5), r("design-day", "thermostat", 0.5, 30.25)}
	md := PerfBeforeAfter("4005f68", before, after)
	for _, want := range []string{
		"| winter-day | 0.965 / 0.901 / 0.402 |",
		"| design-day | - / 0.950 / 0.500 |",
		"- / 12.50 / 30.25 |",
		"Hearth on 4005f68",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("missing %q in\n%s", want, md)
		}
	}
	if strings.Index(md, "winter-day") > strings.Index(md, "design-day") {
		t.Errorf("days out of today's order:\n%s", md)
	}
}
