package hil

import (
	"fmt"
	"strings"
)

// PerfBeforeAfter renders the headline figures of an earlier `hearth hil
// perf --json` (before, on the plant it ran on) beside today's rows (after),
// with the thermostat on today's plant: what a change to the plant or to
// control did, day by day. Days missing from before show "-".
func PerfBeforeAfter(label string, before, after []PerfRow) string {
	old := map[string]*ScenarioResult{}
	for _, r := range before {
		old[r.Day+"/"+r.Controller] = r.Result
	}
	now := map[string]*ScenarioResult{}
	var days []string
	for _, r := range after {
		if _, seen := now[r.Day+"/hearth"]; !seen && r.Controller == "hearth" {
			days = append(days, r.Day)
		}
		now[r.Day+"/"+r.Controller] = r.Result
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Before and after\n\n**before** is Hearth on %s; **after** is Hearth on today's plant,\n", label)
	b.WriteString("and **thermostat** the reference thermostat on today's plant. Each cell is before / after / thermostat.\n\n")
	b.WriteString("| day | erf | availability | indoor min C | oil max C | tank at target | DHW shortfall kWh | immersion kWh | backup kWh | trips |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, d := range days {
		cells := []func(*ScenarioResult) string{
			func(s *ScenarioResult) string { return fmt.Sprintf("%.3f", s.ERF) },
			func(s *ScenarioResult) string { return fmt.Sprintf("%.4f", s.ComputeAvailability) },
			func(s *ScenarioResult) string { return fmt.Sprintf("%.1f", s.MinTempC.Indoor) },
			func(s *ScenarioResult) string { return fmt.Sprintf("%.1f", s.MaxTempC.OilModuleIn) },
			func(s *ScenarioResult) string { return fmt.Sprintf("%.0f %%", 100*s.Quality.TankAtTargetFraction) },
			func(s *ScenarioResult) string { return fmt.Sprintf("%.3f", s.DHWShortfallKWh) },
			func(s *ScenarioResult) string { return fmt.Sprintf("%.2f", s.EnergyKWh.Immersion) },
			func(s *ScenarioResult) string { return fmt.Sprintf("%.2f", s.EnergyKWh.Backup) },
			func(s *ScenarioResult) string { return fmt.Sprintf("%d", len(s.Trips)) },
		}
		fmt.Fprintf(&b, "| %s |", d)
		for _, f := range cells {
			fmt.Fprintf(&b, " %s / %s / %s |", cell(old[d+"/hearth"], f), cell(now[d+"/hearth"], f), cell(now[d+"/thermostat"], f))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func cell(s *ScenarioResult, f func(*ScenarioResult) string) string {
	if s == nil {
		return "-"
	}
	return f(s)
}
