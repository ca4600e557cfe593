package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"hearth/hil"
	"hearth/safety"
)

// simSummary is what hearth sim prints: the run's figures against the
// limits of the safety configuration it ran with, and its verdict.
type simSummary struct {
	r          *hil.Result
	limits     safety.Config
	violations []hil.Violation
	outdoor    [2]float64 // lowest, highest
	replay     string
	report     string // the report's index.html, if written
}

// pass: a fault-free day neither trips nor breaks an invariant.
func (s *simSummary) pass() bool { return len(s.r.Trips) == 0 && len(s.violations) == 0 }

func (s *simSummary) print(w io.Writer) {
	r, e := s.r, s.r.EnergyKWh
	fmt.Fprintf(w, "Hearth sim: %s day, %s simulated in %.2f s (%d ticks), seed %d\n",
		r.Season, time.Duration(r.SimSeconds*float64(time.Second)).Round(time.Second), r.WallSeconds, r.Ticks, r.Seed)
	fmt.Fprintf(w, "outdoor air between %.1f and %.1f C; indoor air between %.1f and %.1f C\n",
		s.outdoor[0], s.outdoor[1], r.MinTempC.Indoor, r.MaxTempC.Indoor)
	fmt.Fprintf(w, "safety state at the end: %s; trips: %d\n", r.SafetyState, len(r.Trips))
	for _, t := range r.Trips {
		fmt.Fprintf(w, "  trip at %.0f s: %s (witness %s)\n", t.AtS, t.Cause, t.Witness)
	}
	s.printLimits(w)
	fmt.Fprintf(w, "energy (kWh): compute %.2f, parasitic %.2f -> tank %.2f, heating %.2f, dumped %.2f, losses %.2f, stored %+.2f (imbalance %.4f)\n",
		e.Compute, e.Parasitic, e.ToTank, e.ToHeating, e.Dumped, e.Losses, e.StoredChange, r.EnergyImbalance)
	fmt.Fprintf(w, "ERF %.3f, compute availability %.4f, hot water below 40 C: %.3f kWh, immersion %.2f kWh\n",
		r.ERF, r.ComputeAvailability, r.DHWShortfallKWh, e.Immersion)
	for _, v := range s.violations {
		fmt.Fprintf(w, "invariant broken: %s at %.1f s for %.1f s: %s\n", v.Invariant, v.AtS, v.LengthS, v.Detail)
	}
	fmt.Fprintln(w, s.verdict())
	if s.report != "" {
		fmt.Fprintf(w, "report: %s\n", s.report)
	} else {
		fmt.Fprintf(w, "plots of the run: %s --report DIR\n", s.replay)
	}
}

// printLimits prints each watched temperature's highest against its warn
// and trip limits, and its margin to the trip.
func (s *simSummary) printLimits(w io.Writer) {
	r, l := s.r, &s.limits
	fmt.Fprintf(w, "%-24s %7s %7s %7s %12s\n", "highest (true plant)", "max C", "warn C", "trip C", "margin K")
	row := func(name string, v float64, lim safety.TempLimit) {
		fmt.Fprintf(w, "%-24s %7.1f %7.1f %7.1f %12.1f\n", name, v, float64(lim.WarnC), float64(lim.TripC), float64(lim.TripC)-v)
	}
	row("oil into the modules", r.MaxTempC.OilModuleIn, l.OilIn)
	row("oil out of the modules", r.MaxTempC.OilModuleOut, l.OilOut)
	row("water flow", r.MaxTempC.WaterFlow, l.WaterFlow)
	row("tank top", r.MaxTempC.Tank, l.Tank)
}

func (s *simSummary) verdict() string {
	if s.pass() {
		return "verdict: PASS: no trip, no invariant broken"
	}
	var why []string
	if n := len(s.r.Trips); n > 0 {
		why = append(why, plural(n, "trip", "trips")+" on a fault-free day")
	}
	if n := len(s.violations); n > 0 {
		why = append(why, plural(n, "invariant episode", "invariant episodes"))
	}
	return "verdict: FAIL: " + strings.Join(why, ", ") + " (replay: " + s.replay + ")"
}
