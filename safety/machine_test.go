package safety

import (
	"errors"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
)

// update rewrites the generated sections of docs/safety.md:
//
//	go test ./safety -run 'TestDoc' -update
//
// Other test files of package safety must reuse this flag, not declare their own.
var update = flag.Bool("update", false, "rewrite the generated sections of docs/safety.md")

func allowAll(Event) error { return nil }

// allEvents lists every event of the table, in table order.
func allEvents() []Event {
	var es []Event
	for _, r := range Transitions() {
		es = append(es, r.Event)
	}
	return es
}

func TestEveryStateEventPairFollowsTheTable(t *testing.T) {
	for s := State(0); s < NumStates; s++ {
		for _, r := range Transitions() {
			m := NewMachine(s)
			m.SetGuard(allowAll)
			err := m.Fire(r.Event)
			if slices.Contains(r.Src, s) {
				if err != nil {
					t.Errorf("%s in %s: %v, want legal", r.Event, s, err)
				}
				if m.State() != r.Dst {
					t.Errorf("%s in %s: landed in %s, want %s", r.Event, s, m.State(), r.Dst)
				}
				continue
			}
			if !errors.Is(err, ErrIllegalEvent) {
				t.Errorf("%s in %s: err %v, want ErrIllegalEvent", r.Event, s, err)
			}
			if m.State() != s {
				t.Errorf("%s in %s: refused but moved to %s", r.Event, s, m.State())
			}
		}
	}
}

func TestCanAgreesWithFire(t *testing.T) {
	for s := State(0); s < NumStates; s++ {
		for _, e := range allEvents() {
			m := NewMachine(s)
			m.SetGuard(allowAll)
			can := m.Can(e)
			if err := m.Fire(e); can != (err == nil) {
				t.Errorf("%s in %s: Can %v, Fire err %v", e, s, can, err)
			}
		}
	}
}

// The fsm is built from the table; check it says the same for every pair.
func TestFsmAgreesWithTable(t *testing.T) {
	for s := State(0); s < NumStates; s++ {
		m := NewMachine(s)
		for _, r := range Transitions() {
			if got, want := m.f.Can(string(r.Event)), slices.Contains(r.Src, s); got != want {
				t.Errorf("fsm.Can(%s) in %s = %v, table says %v", r.Event, s, got, want)
			}
		}
	}
}

func TestTripFromEveryStateButTripped(t *testing.T) {
	for s := State(0); s < NumStates; s++ {
		m := NewMachine(s)
		err := m.Fire(EventTrip)
		if s == StateTripped {
			if err == nil {
				t.Errorf("trip in tripped accepted: a second cause must not overwrite the first")
			}
			continue
		}
		if err != nil || m.State() != StateTripped {
			t.Errorf("trip in %s: err %v, state %s", s, err, m.State())
		}
	}
}

func TestResetOnlyFromTripped(t *testing.T) {
	for s := State(0); s < NumStates; s++ {
		m := NewMachine(s)
		m.SetGuard(allowAll)
		if err := m.Fire(EventReset); (err == nil) != (s == StateTripped) {
			t.Errorf("reset in %s: err %v", s, err)
		}
	}
}

func TestMaintenanceOnlyFromStandbyOrTripped(t *testing.T) {
	for s := State(0); s < NumStates; s++ {
		m := NewMachine(s)
		err := m.Fire(EventEnterMaintenance)
		if want := s == StateStandby || s == StateTripped; (err == nil) != want {
			t.Errorf("enter_maintenance in %s: err %v", s, err)
		}
	}
}

func TestGuardedEventsFailClosedWithoutGuard(t *testing.T) {
	for _, c := range []struct {
		from State
		e    Event
	}{{StateTripped, EventReset}, {StateMaintenance, EventLeaveMaintenance}} {
		m := NewMachine(c.from)
		if err := m.Fire(c.e); !errors.Is(err, ErrNoGuard) {
			t.Errorf("%s without guard: err %v, want ErrNoGuard", c.e, err)
		}
		if m.State() != c.from {
			t.Errorf("%s without guard moved to %s", c.e, m.State())
		}
	}
}

func TestGuardRefusalKeepsTheLatch(t *testing.T) {
	notCleared := errors.New("oil_in still above warn - hyst")
	var asked []Event
	m := NewMachine(StateTripped)
	m.SetGuard(func(e Event) error { asked = append(asked, e); return notCleared })
	err := m.Fire(EventReset)
	if !errors.Is(err, notCleared) {
		t.Fatalf("err %v, want the guard's error", err)
	}
	if m.State() != StateTripped {
		t.Fatalf("state %s after refused reset", m.State())
	}
	if !strings.Contains(err.Error(), "reset refused in tripped: oil_in still") {
		t.Errorf("message %q does not say what and why", err)
	}
	if m.Can(EventReset) {
		t.Errorf("Can(reset) true while the guard refuses")
	}
	// Maintenance is no way around the latch.
	if err := m.Fire(EventEnterMaintenance); err != nil {
		t.Fatal(err)
	}
	if err := m.Fire(EventLeaveMaintenance); !errors.Is(err, notCleared) || m.State() != StateMaintenance {
		t.Errorf("leave_maintenance: err %v, state %s; want refused by the guard", err, m.State())
	}
	if want := []Event{EventReset, EventReset, EventLeaveMaintenance}; !slices.Equal(asked, want) {
		t.Errorf("guard asked %v, want %v", asked, want)
	}
}

func TestGuardNotAskedForIllegalOrUnguardedEvents(t *testing.T) {
	m := NewMachine(StateRunning)
	m.SetGuard(func(e Event) error { t.Errorf("guard asked for %s", e); return nil })
	_ = m.Fire(EventReset)
	if err := m.Fire(EventShed); err != nil {
		t.Fatal(err)
	}
}

func TestFireInsideGuardRefused(t *testing.T) {
	m := NewMachine(StateTripped)
	var inner error
	m.SetGuard(func(Event) error { inner = m.Fire(EventEnterMaintenance); return nil })
	if err := m.Fire(EventReset); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(inner, ErrReentrant) {
		t.Errorf("Fire inside the guard: %v, want ErrReentrant", inner)
	}
	if m.State() != StateSelfTest {
		t.Errorf("state %s, want self_test", m.State())
	}
}

func TestUnknownEventRefused(t *testing.T) {
	m := NewMachine(StateRunning)
	if err := m.Fire("explode"); !errors.Is(err, ErrUnknownEvent) || m.State() != StateRunning {
		t.Errorf("err %v, state %s", err, m.State())
	}
}

// fsm v1.0.3 reports a successful self-transition as NoTransitionError.
func TestSelfTransitionSucceeds(t *testing.T) {
	m := NewMachine(StateShedding)
	for range 3 {
		if err := m.Fire(EventShed); err != nil || m.State() != StateShedding {
			t.Fatalf("shed in shedding: err %v, state %s", err, m.State())
		}
	}
	if err := m.Fire(EventRestore); err != nil || m.State() != StateRunning {
		t.Fatalf("restore after repeated shed: err %v, state %s", err, m.State())
	}
}

func TestFieldEngineerPath(t *testing.T) {
	m := NewMachine(StateBoot)
	m.SetGuard(allowAll)
	for _, step := range []struct {
		e    Event
		want State
	}{
		{EventSelfTestStart, StateSelfTest}, {EventSelfTestPass, StateStandby}, {EventStart, StateRunning},
		{EventShed, StateShedding}, {EventShed, StateShedding}, {EventDegrade, StateDegraded},
		{EventRecover, StateRunning}, {EventTrip, StateTripped}, {EventEnterMaintenance, StateMaintenance},
		{EventTrip, StateTripped}, {EventReset, StateSelfTest}, {EventSelfTestPass, StateStandby},
		{EventStart, StateRunning}, {EventShutdown, StateShutdown}, {EventStop, StateStandby},
		{EventEnterMaintenance, StateMaintenance}, {EventLeaveMaintenance, StateSelfTest},
		{EventSelfTestFail, StateTripped},
	} {
		if err := m.Fire(step.e); err != nil || m.State() != step.want {
			t.Fatalf("%s: err %v, state %s, want %s", step.e, err, m.State(), step.want)
		}
	}
}

// Every state is reachable from boot, and running is reachable from every
// state: no dead end that only a power cycle leaves.
func TestNoDeadEnds(t *testing.T) {
	reach := func(from State) [NumStates]bool {
		var seen [NumStates]bool
		seen[from] = true
		for changed := true; changed; {
			changed = false
			for _, r := range Transitions() {
				for _, s := range r.Src {
					if seen[s] && !seen[r.Dst] {
						seen[r.Dst], changed = true, true
					}
				}
			}
		}
		return seen
	}
	fromBoot := reach(StateBoot)
	for s := State(0); s < NumStates; s++ {
		if !fromBoot[s] {
			t.Errorf("%s unreachable from boot", s)
		}
		if s != StateRunning && !reach(s)[StateRunning] {
			t.Errorf("running unreachable from %s", s)
		}
	}
}

func TestEventFor(t *testing.T) {
	for _, r := range Transitions() {
		for _, s := range r.Src {
			e, ok := EventFor(s, r.Dst)
			if !ok {
				t.Errorf("EventFor(%s, %s) found nothing", s, r.Dst)
				continue
			}
			if row, legal := lookup(e, s); !legal || row.Dst != r.Dst {
				t.Errorf("EventFor(%s, %s) = %s, which does not lead there", s, r.Dst, e)
			}
		}
	}
	if e, ok := EventFor(StateRunning, StateSelfTest); ok {
		t.Errorf("EventFor(running, self_test) = %s, want none", e)
	}
}

func TestTransitionsReturnsACopy(t *testing.T) {
	tt := Transitions()
	tt[0].Dst = StateRunning
	tt[0].Src[0] = StateRunning
	m := NewMachine(StateBoot)
	if err := m.Fire(EventSelfTestStart); err != nil || m.State() != StateSelfTest {
		t.Errorf("changing the copy changed the machine: err %v, state %s", err, m.State())
	}
}

func TestNewMachineRejectsUnknownState(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewMachine(NumStates) did not panic")
		}
	}()
	NewMachine(NumStates)
}

func TestStateAndCanDoNotAllocate(t *testing.T) {
	m := NewMachine(StateRunning)
	var sink State
	var ok bool
	if n := testing.AllocsPerRun(100, func() { sink = m.State() }); n != 0 {
		t.Errorf("State allocates %v per call", n)
	}
	if n := testing.AllocsPerRun(100, func() { ok = m.Can(EventShed) }); n != 0 {
		t.Errorf("Can allocates %v per call", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, ok = EventFor(StateRunning, StateShedding) }); n != 0 {
		t.Errorf("EventFor allocates %v per call", n)
	}
	_, _ = sink, ok
}

// mermaidLines is what the diagram must say, built from the table alone.
func mermaidLines(current State) []string {
	lines := []string{"stateDiagram-v2", "    [*] --> " + current.String()}
	type edge struct{ src, event, line string }
	var edges []edge
	for _, r := range Transitions() {
		for _, s := range r.Src {
			edges = append(edges, edge{s.String(), string(r.Event), "    " + s.String() + " --> " + r.Dst.String() + ": " + string(r.Event)})
		}
	}
	slices.SortFunc(edges, func(a, b edge) int { // by source, then event
		if c := strings.Compare(a.src, b.src); c != 0 {
			return c
		}
		return strings.Compare(a.event, b.event)
	})
	for _, e := range edges {
		lines = append(lines, e.line)
	}
	return lines
}

func TestMermaidIsTheTable(t *testing.T) {
	for _, s := range []State{StateBoot, StateTripped} {
		got := strings.Split(strings.TrimSuffix(NewMachine(s).Mermaid(), "\n"), "\n")
		if want := mermaidLines(s); !slices.Equal(got, want) {
			t.Errorf("Mermaid of a machine in %s:\n%s\nwant:\n%s", s, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func TestMermaidDeterministic(t *testing.T) {
	want := NewMachine(StateBoot).Mermaid()
	for range 20 {
		if got := NewMachine(StateBoot).Mermaid(); got != want {
			t.Fatalf("Mermaid differs between runs:\n%s\n%s", got, want)
		}
	}
}

// transitionsMarkdown renders the table for docs/safety.md.
func transitionsMarkdown() string {
	var b strings.Builder
	b.WriteString("| event | from | to | guarded |\n| --- | --- | --- | --- |\n")
	for _, r := range Transitions() {
		var src []string
		for _, s := range r.Src {
			src = append(src, s.String())
		}
		g := "no"
		if r.Guarded {
			g = "yes: every cause cleared"
		}
		b.WriteString("| `" + string(r.Event) + "` | " + strings.Join(src, ", ") + " | " + r.Dst.String() + " | " + g + " |\n")
	}
	return b.String()
}

func TestDocDiagram(t *testing.T) {
	checkDocSection(t, "fsm", "```mermaid\n"+NewMachine(StateBoot).Mermaid()+"```\n")
	checkDocSection(t, "transitions", transitionsMarkdown())
}

const docPath = "../docs/safety.md"

// checkDocSection compares the text between "<!-- BEGIN name -->" and
// "<!-- END name -->" in docs/safety.md with want, or rewrites it under -update.
func checkDocSection(t *testing.T, name, want string) {
	t.Helper()
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	begin, end := "<!-- BEGIN "+name+" -->\n", "<!-- END "+name+" -->"
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s: markers %q and %q not found in order", docPath, begin, end)
	}
	i += len(begin)
	if doc[i:j] == want {
		return
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(doc[:i]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s: section %q disagrees with the code; run go test ./safety -run TestDoc -update\n--- doc:\n%s--- code:\n%s",
		docPath, name, doc[i:j], want)
}
