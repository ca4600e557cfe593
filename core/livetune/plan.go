package livetune

import (
	"fmt"

	"hearth/control"
	"hearth/hal"
	"hearth/units"
)

// Plan is how the relay drives a loop: its half-swing and hysteresis, its
// bounds, the agreement asked of its cycles, and the probes whose fault
// aborts it. PlanFor gives `hearth tune`'s figures (hil.DefaultLoopSetup:
// the relay's swing, a 10 min quiet window whose noise band is the
// hysteresis) with a tighter deviation bound: this is the live plant.
type Plan struct {
	Amplitude     float64
	HysteresisK   float64
	MaxDeviationK float64
	MaxDuration   units.Duration
	Tolerance     float64
	MaxCycles     int
	// FirstSwitch bounds the wait for the relay's first switch, and for
	// every switch after it: a relay that does not bracket the output
	// holding the setpoint (the loop was not settled, or the plant's load
	// moved on) would otherwise hold its output to MaxDuration.
	FirstSwitch units.Duration
	// QuietTime holds the loop's output for this long before the relay
	// starts, to measure the noise band, which is the hysteresis when
	// HysteresisK is 0 (pid.TunerConfig.QuietTime), as in hearth tune.
	QuietTime units.Duration
	// OffsetK > 0 gives the fit a step from rest: the loop's own PID first
	// holds the operating point until it has settled there (its output's
	// mean is the relay's first bias), then OffsetK below it until it has
	// settled again (each SettleWindow steady, within MaxSettle), and the relay
	// then drives it back up to the operating point from that rest, as
	// hearth tune's relay starts from rest below its setpoint. The static
	// gain (OffsetK over the outputs that hold the two points) and the
	// step to the first switch give ms-iae its model. Below, not above: the
	// loops' probes are the oil and the water, whose limits are above.
	OffsetK float64
	// SettleWindow is how long the measurement must stay within OffsetK/4
	// of the point held, the output within 5 % of its range, for the loop
	// to count as settled; MaxSettle bounds each wait. A loop that does not
	// settle at its operating point aborts; one that does not settle below
	// falls back to settling at the operating point and a relay there,
	// without a model (as with OffsetK 0).
	SettleWindow, MaxSettle units.Duration
	Probes                  []hal.TempID
}

// Names are the loops as `hearth tune` and the console name them.
var names = map[string]control.Loop{"oil": control.LoopDump, "water": control.LoopWaterPump, "tank": control.LoopTank}

// ParseLoop returns the loop named oil, water or tank.
func ParseLoop(name string) (control.Loop, error) {
	if l, ok := names[name]; ok {
		return l, nil
	}
	return control.LoopNone, fmt.Errorf("unknown loop %q (want oil, water or tank)", name)
}

// Name returns the loop's name as `hearth tune` has it (oil, water, tank).
func Name(l control.Loop) string {
	for n, v := range names {
		if v == l {
			return n
		}
	}
	return l.String()
}

// Section returns the configuration table that holds the loop's gains.
func Section(l control.Loop) string { return "control." + l.String() }

var oilProbes = []hal.TempID{hal.TempOilInA, hal.TempOilInB}

// PlanFor returns the plan of loop l.
func PlanFor(l control.Loop) (Plan, error) {
	p := Plan{HysteresisK: 0, QuietTime: 10 * units.Minute, MaxDeviationK: 3, MaxDuration: 4 * units.Hour,
		Tolerance: 0.1, MaxCycles: 30, FirstSwitch: 30 * units.Minute}
	switch l {
	case control.LoopDump:
		p.Amplitude, p.Probes = 0.25, oilProbes
	case control.LoopWaterPump:
		p.Amplitude, p.Probes = 0.05, []hal.TempID{hal.TempWaterFlow}
		p.OffsetK, p.SettleWindow, p.MaxSettle = 1, 5*units.Minute, 45*units.Minute
	case control.LoopTank:
		p.Amplitude, p.Probes = 0.15, oilProbes
		p.OffsetK, p.SettleWindow, p.MaxSettle = 1, 5*units.Minute, 45*units.Minute
	default:
		return Plan{}, fmt.Errorf("no such loop %d", l)
	}
	return p, nil
}
