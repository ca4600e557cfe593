package hil

import (
	"math"
	"testing"

	"hearth/hil/plant"
)

// Random scenarios draw every kind of the catalogue, with arguments that fit
// it, and every event they draw passes the scenario file's own checks.
func TestRandomScenariosDrawEveryKind(t *testing.T) {
	seen := map[string]int{}
	var nan, outside, inside int
	for r := uint64(0); r < 3000; r++ {
		sc := RandomScenario(r)
		if err := sc.check(); err != nil {
			t.Fatalf("random %d: %v", r, err)
		}
		for _, e := range sc.Events {
			if e.Fault == "" {
				continue
			}
			seen[e.Fault]++
			switch e.Fault {
			case "sensor_intermittent":
				if e.Arg < 5 || e.Arg > 60 || e.Duty < 0.1 || e.Duty > 0.5 {
					t.Errorf("random %d: intermittent period %g s, duty %g", r, e.Arg, e.Duty)
				}
			case "module_false_power":
				if math.IsNaN(e.Arg) {
					nan++
				}
			case "sensor_stuck_at":
				if p, ok := plausible[e.Target]; ok {
					if e.Arg < p[0] || e.Arg > p[1] {
						outside++
					} else {
						inside++
					}
				} else if e.Arg != 0 && e.Arg != 1 {
					t.Errorf("random %d: %s stuck at %g", r, e.Target, e.Arg)
				}
			case "pump_feedback_lies":
				if e.Arg < 1 || e.Arg > 4 || e.Arg != math.Trunc(e.Arg) {
					t.Errorf("random %d: feedback lies with alarm %g", r, e.Arg)
				}
			}
		}
	}
	for _, k := range plant.FaultKinds() {
		if seen[k] == 0 {
			t.Errorf("fault kind %s never drawn in 3000 random scenarios", k)
		}
	}
	if nan == 0 || outside == 0 || inside <= outside {
		t.Errorf("false power NaN %d times; stuck_at inside the plausible range %d, outside %d", nan, inside, outside)
	}
}
