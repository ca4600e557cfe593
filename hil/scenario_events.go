package hil

import (
	"fmt"
	"strconv"
	"strings"

	"hearth/hil/plant"
)

// checkEvents checks the time line: one action each, times within the
// run, what each action takes, clears of faults injected before.
func (s *Scenario) checkEvents(ps *problems, kl *keyLines) {
	for i, e := range s.Events {
		key := fmt.Sprintf("events[%d]", i)
		has := func(k string) bool {
			_, ok := kl.at[key+"."+k]
			return ok || e.set(k) // a scenario built in code has no text
		}
		var set []string
		for _, a := range []struct {
			k string
			v string
		}{{"fault", e.Fault}, {"clear", e.Clear}, {"command", e.Command}, {"demand", e.Demand}, {"draw", e.Draw}} {
			if a.v != "" || has(a.k) {
				set = append(set, a.k)
			}
		}
		if len(set) != 1 {
			ps.add(key, "set exactly one of fault, clear, command, demand, draw (got %d: %s)", len(set), strings.Join(set, ", "))
			continue
		}
		if e.At < 0 || e.At > s.Duration {
			ps.add(key+".at", "at %s outside the run's 0 to %s", dur(e.At), dur(s.Duration))
		}
		if e.For < 0 {
			ps.add(key+".for", "for %s, want >= 0", dur(e.For))
		}
		act := set[0]
		if act != "fault" { // a clear names its target; a command is held for a while
			for _, k := range []string{"target", "arg", "duty", "for"} {
				if has(k) && !(act == "clear" && k == "target") && !(act == "command" && k == "for") {
					ps.add(key+"."+k, "%s takes no %s", act, k)
				}
			}
		}
		switch act {
		case "fault", "clear":
			s.checkFaultEvent(ps, key, i, e, has)
		case "draw":
			if _, ok := plant.DrawKinds[e.Draw]; !ok {
				ps.add(key+".draw", "%s", unknownName("draw", e.Draw, plant.DrawKindNames()))
			}
		case "command":
			if e.Command != "reset" {
				ps.add(key+".command", "%s", unknownName("command", e.Command, []string{"reset"}))
			}
		default:
			level(ps, key+".demand", e.Demand)
		}
	}
}

// checkFaultEvent checks a fault's or a clear's kind, target, argument and
// duty, and that a clear has a fault to clear.
func (s *Scenario) checkFaultEvent(ps *problems, key string, i int, e Event, has func(string) bool) {
	act, kind := "fault", e.Fault
	if e.Clear != "" {
		act, kind = "clear", e.Clear
	}
	spec, ok := plant.Spec(plant.FaultKind(kind))
	if !ok {
		ps.add(key+"."+act, "%s", unknownName("fault", kind, plant.FaultKinds()))
		return
	}
	if err := spec.CheckTarget(e.Target); err != nil {
		ps.add(key+".target", "%v", err)
	}
	if act == "clear" {
		if !s.injectedBefore(i, kind, e.Target) {
			ps.add(key+".clear", "clears fault %q on %q, which no event before it injects", kind, e.Target)
		}
		return
	}
	if has("arg") && spec.Arg == "" {
		ps.add(key+".arg", "fault %q takes no argument", kind)
	}
	if has("duty") {
		switch {
		case kind != "sensor_intermittent":
			ps.add(key+".duty", "fault %q takes no duty (only sensor_intermittent does)", kind)
		case !(e.Duty > 0 && e.Duty < 1):
			ps.add(key+".duty", "duty %s, want between 0 and 1 (the open share of each period)", strconv.FormatFloat(e.Duty, 'g', -1, 64))
		}
	}
}

// injectedBefore says whether an event before event i (earlier, or as
// early and earlier in the file) injects kind on target.
func (s *Scenario) injectedBefore(i int, kind, target string) bool {
	for j, f := range s.Events {
		if j != i && f.Fault == kind && f.Target == target && (f.At < s.Events[i].At || f.At == s.Events[i].At && j < i) {
			return true
		}
	}
	return false
}

// set says whether the event's field keyed k holds other than its zero.
func (e Event) set(k string) bool {
	switch k {
	case "target":
		return e.Target != ""
	case "arg":
		return e.Arg != 0
	case "duty":
		return e.Duty != 0
	case "for":
		return e.For != 0
	}
	return false
}
