package plant

import (
	"fmt"
	"sort"
	"strings"

	"hearth/units"
)

// DrawKinds are the draws a scenario can call for at a time of its own
// choosing (an event's `draw`), each one of profile M's own taps (Regulation
// 814/2013 Annex III Table 1): judged on its Tm and Tp like the profile's.
var DrawKinds = map[string]Tap{
	"small":       {EnergyJ: 0.105 * kWh, FlowLPM: 3, MinC: 25},
	"cleaning":    {EnergyJ: 0.105 * kWh, FlowLPM: 3, MinC: 40},
	"shower":      {EnergyJ: 1.400 * kWh, FlowLPM: 6, MinC: 40},
	"dishwashing": {EnergyJ: 0.735 * kWh, FlowLPM: 4, MinC: 10, PeakC: 55},
}

// DrawKindNames lists DrawKinds' names, sorted.
func DrawKindNames() []string {
	n := make([]string, 0, len(DrawKinds))
	for k := range DrawKinds {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// StartDraw starts a draw of kind now, outside the day's profile: a draw
// still running is judged first, and the profile's own draws go on.
func (pl *Plant) StartDraw(kind string) error {
	k, ok := DrawKinds[kind]
	if !ok {
		return fmt.Errorf("draw %q: want one of %s", kind, strings.Join(DrawKindNames(), ", "))
	}
	d := &pl.tank.draw
	if d.tap != nil {
		pl.endDraw()
	}
	tp := k
	rise := float64(max(tp.MinC, DrawCutC) - pl.P.MainsC)
	*d = drawState{tap: &tp, next: d.next, day: d.day,
		leftS: float64(tp.EnergyJ) / (float64(units.WaterRate(tp.FlowLPM)) * rise)}
	return nil
}
