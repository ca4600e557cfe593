package safety

import (
	"context"
	"errors"

	"github.com/looplab/fsm"
)

// Event names a transition of the safety state machine. Events are reported
// to the field engineer and logged: append only, never rename.
type Event string

// Events of the safety state machine. See transitions for where each may fire.
const (
	EventSelfTestStart    Event = "self_test_start"   // power-on: begin the start-up self-tests
	EventSelfTestPass     Event = "self_test_pass"    // every self-test passed: ready, compute still off
	EventSelfTestFail     Event = "self_test_fail"    // a self-test failed: latch, an engineer must look
	EventStart            Event = "start"             // compute may be powered
	EventDegrade          Event = "degrade"           // redundancy lost (one oil-in probe), no shed level in force
	EventRecover          Event = "recover"           // redundancy back
	EventShed             Event = "shed"              // a warning persists: the module cap steps down
	EventRestore          Event = "restore"           // every shed level restored, redundancy intact
	EventShutdown         Event = "shutdown"          // begin a graceful (~20 s) shutdown of compute, not latched
	EventStop             Event = "stop"              // the graceful shutdown has finished: every module off
	EventTrip             Event = "trip"              // a trip limit was crossed: latch, cut compute, cause's safe state
	EventReset            Event = "reset"             // authorised reset once the cause has cleared (guarded)
	EventEnterMaintenance Event = "enter_maintenance" // an engineer takes the plant, compute off
	EventLeaveMaintenance Event = "leave_maintenance" // the engineer hands back once every cause is clear (guarded)
)

// Transition is one row of the state machine's table: Event moves the
// machine from any state in Src to Dst. A Guarded event also needs the
// machine's guard to agree (see Machine.SetGuard).
type Transition struct {
	Event   Event
	Src     []State
	Dst     State
	Guarded bool
}

// transitions is the one table the machine is built from. The fsm's events,
// the exported Transitions, EventFor, the tests and the diagram in
// docs/safety.md all come from it.
//
// Choices a field engineer should know:
//   - trip fires from every state but tripped: protection is never off, not
//     in boot, self-test nor maintenance. A second cause while tripped does not
//     overwrite the first (first-out), so trip is illegal there.
//   - reset and leave_maintenance lead to self_test, never to running: after
//     a latched trip or hands-on work the controller proves itself again and
//     passes standby before compute is powered (EN 14597: a manual reset
//     re-arms, it does not restart).
//   - maintenance is entered only from standby or tripped: compute must be
//     shut down gracefully (shutdown, stop) before an engineer works on a
//     running plant, and a tripped plant is where an engineer is needed most.
//     Because it can be entered from tripped, leaving it is guarded exactly
//     like reset: maintenance is no way around the latch.
//   - shed fires again in shedding (a further step down): the one
//     self-transition, which fsm reports as NoTransitionError and Fire treats
//     as success.
var transitions = []Transition{
	{EventSelfTestStart, []State{StateBoot}, StateSelfTest, false},
	{EventSelfTestPass, []State{StateSelfTest}, StateStandby, false},
	{EventSelfTestFail, []State{StateSelfTest}, StateTripped, false},
	{EventStart, []State{StateStandby}, StateRunning, false},
	{EventDegrade, []State{StateRunning, StateShedding}, StateDegraded, false},
	{EventRecover, []State{StateDegraded}, StateRunning, false},
	{EventShed, []State{StateRunning, StateDegraded, StateShedding}, StateShedding, false},
	{EventRestore, []State{StateShedding}, StateRunning, false},
	{EventShutdown, []State{StateRunning, StateDegraded, StateShedding}, StateShutdown, false},
	{EventStop, []State{StateShutdown}, StateStandby, false},
	{EventTrip, []State{StateBoot, StateSelfTest, StateStandby, StateRunning, StateDegraded,
		StateShedding, StateShutdown, StateMaintenance}, StateTripped, false},
	{EventReset, []State{StateTripped}, StateSelfTest, true},
	{EventEnterMaintenance, []State{StateStandby, StateTripped}, StateMaintenance, false},
	{EventLeaveMaintenance, []State{StateMaintenance}, StateSelfTest, true},
}

// Transitions returns a copy of the machine's transition table, for tests,
// documentation and consoles. Changing the copy changes nothing.
func Transitions() []Transition {
	t := make([]Transition, len(transitions))
	for i, r := range transitions {
		t[i] = r
		t[i].Src = append([]State(nil), r.Src...)
	}
	return t
}

// lookup returns the row of event e and whether e may fire in state s.
func lookup(e Event, s State) (row *Transition, legal bool) {
	for i := range transitions {
		r := &transitions[i]
		if r.Event != e {
			continue
		}
		for _, src := range r.Src {
			if src == s {
				return r, true
			}
		}
		return r, false
	}
	return nil, false
}

// EventFor returns the event that moves the machine from src to dst, if the
// table has one. It allocates nothing, so the layer may call it on the tick.
// Trip, reset and the maintenance events are found too, but the layer should
// fire those by name: they carry a meaning beyond the destination.
func EventFor(src, dst State) (Event, bool) {
	for i := range transitions {
		r := &transitions[i]
		if r.Dst != dst {
			continue
		}
		for _, s := range r.Src {
			if s == src {
				return r.Event, true
			}
		}
	}
	return "", false
}

// Errors of Fire, matched with errors.Is.
var (
	ErrUnknownEvent = errors.New("unknown event")
	ErrIllegalEvent = errors.New("event not allowed in this state")
	ErrNoGuard      = errors.New("guarded event and no guard set")
	ErrReentrant    = errors.New("event fired from inside a guard")
	ErrMachine      = errors.New("state machine disagrees with its table")
)

// FireError is why Fire refused an event. The state is unchanged.
type FireError struct {
	Event Event
	State State // the state the event was refused in
	Err   error // one of the Err* values, or the guard's error
}

func (e *FireError) Error() string {
	return "safety: " + string(e.Event) + " refused in " + e.State.String() + ": " + e.Err.Error()
}

func (e *FireError) Unwrap() error { return e.Err }

// Guard decides whether a guarded event (reset, leave_maintenance) may fire
// now. It returns nil to allow it, or an error saying why not (for the
// engineer's console). It must not call Fire.
type Guard func(e Event) error

// Machine is the safety layer's state machine: looplab/fsm built from the
// transition table, with the traps of fsm v1.0.3 kept out of the caller's
// way. It is not safe for concurrent use; the layer owns it.
type Machine struct {
	f      *fsm.FSM
	state  State // cached after every Fire: State() must not allocate
	guard  Guard
	firing bool
}

// NewMachine returns a machine in state initial. It panics if initial is not
// a State or the table is inconsistent: both are programming errors.
func NewMachine(initial State) *Machine {
	if initial >= NumStates {
		panic("safety: NewMachine: no such state")
	}
	checkTable()
	events := make(fsm.Events, 0, len(transitions))
	for _, r := range transitions {
		src := make([]string, len(r.Src))
		for i, s := range r.Src {
			src[i] = s.String()
		}
		events = append(events, fsm.EventDesc{Name: string(r.Event), Src: src, Dst: r.Dst.String()})
	}
	// No callbacks: calling Event inside one deadlocks fsm v1.0.3, and the
	// guard runs before fsm is asked, outside any of its locks.
	return &Machine{f: fsm.NewFSM(initial.String(), events, nil), state: initial}
}

// checkTable asserts what the fsm cannot: states exist, and an event has one
// row and each source at most once in it.
func checkTable() {
	for i, r := range transitions {
		if r.Dst >= NumStates || len(r.Src) == 0 {
			panic("safety: transition table: bad row " + string(r.Event))
		}
		for j := range i {
			if transitions[j].Event == r.Event {
				panic("safety: transition table: event twice " + string(r.Event))
			}
		}
		for k, s := range r.Src {
			if s >= NumStates || (k > 0 && containsState(r.Src[:k], s)) {
				panic("safety: transition table: bad source in " + string(r.Event))
			}
		}
	}
}

func containsState(ss []State, s State) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// SetGuard sets the guard of the guarded events. Until one is set, guarded
// events are refused with ErrNoGuard: the latch fails closed.
func (m *Machine) SetGuard(g Guard) { m.guard = g }

// State returns the current state. It allocates nothing.
func (m *Machine) State() State { return m.state }

// Check reports why Fire(e) would be refused now, or nil if it would
// succeed. It runs the guard for guarded events.
func (m *Machine) Check(e Event) error {
	if m.firing {
		return &FireError{e, m.state, ErrReentrant}
	}
	row, legal := lookup(e, m.state)
	switch {
	case row == nil:
		return &FireError{e, m.state, ErrUnknownEvent}
	case !legal:
		return &FireError{e, m.state, ErrIllegalEvent}
	case row.Guarded && m.guard == nil:
		return &FireError{e, m.state, ErrNoGuard}
	case row.Guarded:
		m.firing = true
		err := m.guard(e)
		m.firing = false
		if err != nil {
			return &FireError{e, m.state, err}
		}
	}
	return nil
}

// Can reports whether Fire(e) would succeed now, guard included.
func (m *Machine) Can(e Event) bool { return m.Check(e) == nil }

// Fire moves the machine by event e. It refuses an event that the table does
// not allow in the current state, or whose guard disagrees, with a
// *FireError, and the state is then unchanged. A self-transition (shed in
// shedding) succeeds. fsm allocates a few objects per event: the layer fires
// only on transitions, never every tick.
func (m *Machine) Fire(e Event) error {
	if err := m.Check(e); err != nil {
		return err
	}
	row, _ := lookup(e, m.state)
	// Always a fresh Background: a cancelled context wedges fsm v1.0.3.
	err := m.f.Event(context.Background(), string(e))
	var noTrans fsm.NoTransitionError
	if errors.As(err, &noTrans) && noTrans.Err == nil && row.Dst == m.state {
		err = nil // fsm's way of saying a self-transition succeeded
	}
	cur, ok := parseState(m.f.Current())
	if !ok {
		// Cannot happen: every state fsm knows came from the table.
		return &FireError{e, m.state, ErrMachine}
	}
	m.state = cur
	if err != nil || cur != row.Dst {
		return &FireError{e, cur, ErrMachine}
	}
	return nil
}

// parseState maps a state's name back to the State.
func parseState(name string) (State, bool) {
	for s := State(0); s < NumStates; s++ {
		if stateNames[s] == name {
			return s, true
		}
	}
	return 0, false
}

// Mermaid returns the machine as a Mermaid state diagram, generated by fsm
// from the live machine: one line per (state, event), sorted by source state
// then event, and "[*] --> " the current state. docs/safety.md holds the
// diagram of a machine fresh in boot; a test keeps them equal.
func (m *Machine) Mermaid() string {
	s, err := fsm.VisualizeWithType(m.f, fsm.MERMAID)
	if err != nil {
		return "%% " + err.Error() + "\n"
	}
	return s
}
