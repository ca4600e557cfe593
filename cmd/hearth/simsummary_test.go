package main

import (
	"bytes"
	"strings"
	"testing"

	"hearth/hil"
	"hearth/safety"
)

// A fault-free day's summary: the outdoor range, each watched temperature
// against its limits with its margin, a verdict and where the plots are.
func TestSimSummaryShowsLimitsAndVerdict(t *testing.T) {
	code, out, errs := run(t, "sim", "--duration", "1h", "--season", "spring")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"outdoor air between", "warn C", "trip C", "margin K", "oil into the modules",
		"water flow", "tank top", "verdict: PASS", "--report DIR"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

// A trip or a broken invariant on a fault-free day is a failure: the
// verdict says FAIL with the replay, and sim exits 1 (runSim returns 1 when
// pass is false).
func TestSimSummaryFailsOnTripOrViolation(t *testing.T) {
	r := &hil.Result{Season: "winter", Trips: []hil.Trip{{AtS: 3600, Cause: "oil_in_high", Witness: "oil_in_a"}}}
	s := simSummary{r: r, limits: safety.DefaultConfig(), replay: "hearth sim --seed 1"}
	if s.pass() {
		t.Fatal("a trip passes")
	}
	var b bytes.Buffer
	s.print(&b)
	for _, want := range []string{"trip at 3600 s: oil_in_high", "verdict: FAIL: 1 trip on a fault-free day", "replay: hearth sim --seed 1"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
	s = simSummary{r: &hil.Result{}, violations: []hil.Violation{{Invariant: "tank_below_85c"}, {Invariant: "tank_below_85c"}}}
	if s.pass() || !strings.Contains(s.verdict(), "FAIL: 2 invariant episodes") {
		t.Errorf("two episodes: pass %v, %q", s.pass(), s.verdict())
	}
}
