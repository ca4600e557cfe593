package console

import (
	"strings"
	"testing"

	"hearth/control"
)

// tune is an engineer command; its refusals name their reasons, and a
// start asks the tick for the loop named.
func TestTuneCommand(t *testing.T) {
	s := newTerm(hashOf(t, pass))
	if out := s.send("tune status\r"); !strings.Contains(out, "an engineer command: login first") {
		t.Errorf("before login: %q", out)
	}
	s.send("login\r" + pass + "\r")
	for line, want := range map[string]string{
		"tune":            "no session since the start",
		"tune status":     "no session since the start",
		"tune apply":      "no tuning result to apply",
		"tune start boil": `unknown loop "boil" (want oil, water or tank)`,
		"tune start":      "usage: tune start|status|abort|apply",
		"tune frob":       `tune "frob": usage:`,
	} {
		if out := s.send(line + "\r"); !strings.Contains(out, want) {
			t.Errorf("%s: %q lacks %q", line, out, want)
		}
	}
	s.f.subs = nil
	s.send("tune start tank\r")
	if len(s.f.subs) != 1 || s.f.subs[0].Kind != ReqTune || s.f.subs[0].Tune != TuneStart || s.f.subs[0].Loop != control.LoopTank {
		t.Errorf("tune start tank asked %+v", s.f.subs)
	}
}
