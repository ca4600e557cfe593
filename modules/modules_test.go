package modules

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"testing"

	"hearth/hal"
	"hearth/units"
)

func TestModuleKeysAreDistinctAndDeterministic(t *testing.T) {
	k1, k2 := testKey(t, 1), testKey(t, 2)
	if k1 == k2 {
		t.Fatal("modules 1 and 2 share a key")
	}
	if again := testKey(t, 1); again != k1 {
		t.Fatal("key derivation is not deterministic")
	}
	other, err := ModuleKey(append([]byte("x"), testSecret...), 1)
	if err != nil || other == k1 {
		t.Fatalf("another hub secret gave the same key (err %v)", err)
	}
	if _, err := ModuleKey([]byte("short"), 1); err == nil {
		t.Fatal("a short hub secret was accepted")
	}
	if s := k1.String(); bytes.Contains([]byte(s), []byte(k1.Hex())) {
		t.Fatal("Key.String leaks the key")
	}
}

func TestWireRoundTrip(t *testing.T) {
	var b [MsgSize]byte
	l := Lease{Module: 7, Counter: 1<<40 + 3, Session: 99, Level: hal.Level75, TTL: 2500 * units.Millisecond}
	SignLease(&b, testKey(t, 7), l)
	if id, r := header(b[:], KindLease); r != Accepted || id != 7 {
		t.Fatalf("header = %d, %v", id, r)
	}
	if got, r := decodeLease(b[:]); r != Accepted || got != l {
		t.Fatalf("lease round trip: got %+v (%v), want %+v", got, r, l)
	}
	rep := Report{Module: 7, Counter: 5, Session: 99, Level: hal.Level25, Flags: FlagLeased | FlagExpired,
		Power: 4.25, BoardTemp: -12.5, Rejected: 3, Ack: 1<<40 + 3}
	SignReport(&b, testKey(t, 7), rep)
	if got, r := decodeReport(b[:]); r != Accepted || got != rep {
		t.Fatalf("report round trip: got %+v (%v), want %+v", got, r, rep)
	}
	rep.BoardTemp = units.Celsius(math.NaN())
	SignReport(&b, testKey(t, 7), rep)
	if got, _ := decodeReport(b[:]); !math.IsNaN(float64(got.BoardTemp)) {
		t.Fatalf("unknown temperature came back as %v", got.BoardTemp)
	}
	if !newMacer(testKey(t, 7)).verify(b[:]) || newMacer(testKey(t, 8)).verify(b[:]) {
		t.Fatal("MAC verifies under the wrong key or not under the right one")
	}
}

func TestSignAndVerifyDoNotAllocate(t *testing.T) {
	m := newMacer(testKey(t, 1))
	var b [MsgSize]byte
	l := Lease{Module: 1, Counter: 1, Session: 1, Level: hal.Level50, TTL: units.Second}
	if n := testing.AllocsPerRun(100, func() {
		l.Counter++
		encodeLease(&b, &l)
		m.sign(&b)
	}); n != 0 {
		t.Errorf("encode and sign: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		if !m.verify(b[:]) {
			t.Fatal("own signature does not verify")
		}
	}); n != 0 {
		t.Errorf("verify: %v allocations, want 0", n)
	}
}

// leaseBytes signs a lease for module `to` with module `signer`'s key.
func leaseBytes(t testing.TB, to, signer uint32, counter, session uint64, l hal.Level) []byte {
	var b [MsgSize]byte
	SignLease(&b, testKey(t, signer), Lease{Module: to, Counter: counter, Session: session, Level: l, TTL: 3 * units.Second})
	return b[:]
}

func TestAgentRejectsWhatItMustAndChangesNothing(t *testing.T) {
	r := newRig(t, 1, HubConfig{}, AgentConfig{})
	a, board, conn := r.agents[0], r.boards[0], r.aconns[0]
	genuine := leaseBytes(t, 1, 1, 10, testSession, hal.Level50)
	if got := a.Handle(genuine); got != Accepted {
		t.Fatalf("genuine lease: %v", got)
	}
	forged := leaseBytes(t, 1, 1, 11, testSession, hal.Level100)
	forged[MsgSize-1] ^= 1
	var report [MsgSize]byte
	SignReport(&report, testKey(t, 1), Report{Module: 1, Counter: 20, Session: testSession, Level: hal.Level100})

	cases := []struct {
		name string
		b    []byte
		want Reject
	}{
		{"replayed", genuine, Replayed},
		{"forged MAC", forged, Forged},
		{"signed with another module's key", leaseBytes(t, 1, 2, 12, testSession, hal.Level100), Forged},
		{"stale counter", leaseBytes(t, 1, 1, 9, testSession, hal.Level100), Stale},
		{"addressed to another module", leaseBytes(t, 2, 2, 13, testSession, hal.Level100), WrongModule},
		{"recorded in an earlier session", leaseBytes(t, 1, 1, 14, testSession-1, hal.Level100), WrongSession},
		{"truncated", genuine[:MsgSize-1], Malformed},
		{"a report reflected back", report[:], Malformed},
	}
	conn.take()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, applies := a.Stats(), len(board.applied)
			if got := a.Handle(c.b); got != c.want {
				t.Fatalf("Handle = %v, want %v", got, c.want)
			}
			after := a.Stats()
			if after.Rejected[c.want] != before.Rejected[c.want]+1 {
				t.Errorf("%v count %d -> %d, want +1", c.want, before.Rejected[c.want], after.Rejected[c.want])
			}
			if after.Level != hal.Level50 || after.Lease != hal.Level50 || after.LastAccepted != 10 {
				t.Errorf("state changed: level %v lease %v counter %d", after.Level, after.Lease, after.LastAccepted)
			}
			if len(board.applied) != applies {
				t.Errorf("board touched: %v", board.applied[applies:])
			}
			if out := conn.take(); len(out) != 0 {
				t.Errorf("agent answered a rejected datagram (%d reports)", len(out))
			}
		})
	}
}

func TestModuleCannotCommandAnother(t *testing.T) {
	// Module 2 holds key 2 only. Whatever it signs, module 1 and the
	// controller's view of module 1 do not move.
	r := newRig(t, 2, HubConfig{}, AgentConfig{})
	r.hub.Power(0).SetLevel(hal.Level25)
	r.hub.Power(1).SetLevel(hal.Level25)
	r.settle(200 * units.Millisecond)
	a1 := r.agents[0]
	if s := a1.Stats(); s.Level != hal.Level25 {
		t.Fatalf("setup: module 1 at %v", s.Level)
	}
	last := a1.Stats().LastAccepted
	for _, b := range [][]byte{
		leaseBytes(t, 1, 2, last+100, testSession, hal.Level100), // claims to be for 1, signed by 2
		leaseBytes(t, 2, 2, last+100, testSession, hal.Level100), // for 2, sent to 1
	} {
		if got := a1.Handle(b); got == Accepted {
			t.Fatal("module 2 commanded module 1")
		}
	}
	if s := a1.Stats(); s.Level != hal.Level25 || s.Rejected[Forged] != 1 || s.Rejected[WrongModule] != 1 {
		t.Fatalf("module 1 after module 2's attempts: level %v, rejected %v", s.Level, s.Rejected)
	}
	// Module 2 claims, to the controller, that module 1 is cut and cold.
	var rep [MsgSize]byte
	SignReport(&rep, testKey(t, 2), Report{Module: 1, Counter: math.MaxUint64, Session: testSession, Level: hal.LevelCut, Ack: math.MaxUint64})
	if got := r.hub.HandlePacket(rep[:]); got != Forged {
		t.Fatalf("forged report: %v, want forged", got)
	}
	if st := r.hub.Power(0).Status(); st.Level != hal.Level25 {
		t.Fatalf("controller believes module 1 is at %v", st.Level)
	}
}

func TestHubRejectsBadReports(t *testing.T) {
	r := newRig(t, 2, HubConfig{}, AgentConfig{})
	r.hub.Power(0).SetLevel(hal.Level50)
	r.hub.Power(1).SetLevel(hal.Level50)
	r.settle(100 * units.Millisecond)
	var genuine [MsgSize]byte
	r.agents[0].Step() // nothing due: force a report to capture
	r.agents[0].mu.Lock()
	r.agents[0].report(r.clock.now())
	r.agents[0].mu.Unlock()
	genuine = r.aconns[0].take()[0].b
	if got := r.hub.HandlePacket(genuine[:]); got != Accepted {
		t.Fatalf("genuine report: %v", got)
	}
	sign := func(signer, module uint32, counter uint64) []byte {
		var b [MsgSize]byte
		SignReport(&b, testKey(t, signer), Report{Module: module, Counter: counter, Session: testSession, Level: hal.LevelCut})
		return b[:]
	}
	forged := sign(1, 1, math.MaxUint64)
	forged[50] ^= 0x80
	cases := []struct {
		name string
		b    []byte
		want Reject
	}{
		{"replayed", genuine[:], Replayed},
		{"stale counter", sign(1, 1, 1), Stale},
		{"forged MAC", forged, Forged},
		{"signed with another module's key", sign(2, 1, math.MaxUint64), Forged},
		{"unknown module", sign(9, 9, math.MaxUint64), UnknownModule},
		{"a lease sent to the controller", leaseBytes(t, 1, 1, 1<<50, testSession, hal.LevelCut), Malformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := r.hub.Stats()
			if got := r.hub.HandlePacket(c.b); got != c.want {
				t.Fatalf("HandlePacket = %v, want %v", got, c.want)
			}
			if after := r.hub.Stats(); after.Rejected[c.want] != before.Rejected[c.want]+1 || after.Reports != before.Reports {
				t.Errorf("counts: %v -> %v", before.Rejected, after.Rejected)
			}
			if st := r.hub.Power(0).Status(); st.Level != hal.Level50 {
				t.Errorf("status moved to %v", st.Level)
			}
		})
	}
}

func TestAgentIdlesOnExpiryAndShutsDownAfterGrace(t *testing.T) {
	grace := 5 * units.Second
	r := newRig(t, 1, HubConfig{}, AgentConfig{Grace: grace})
	a, board, clock := r.agents[0], r.boards[0], r.clock
	ttl := 3 * units.Second
	var b [MsgSize]byte
	SignLease(&b, testKey(t, 1), Lease{Module: 1, Counter: 1, Session: testSession, Level: hal.Level100, TTL: ttl})
	a.Handle(b[:])
	expiry := clock.t.Add(ttl)
	if board.level != hal.Level100 {
		t.Fatalf("lease not applied: %v", board.level)
	}
	if next := a.Step(); next > expiry {
		t.Fatalf("agent would next wake at %v, after the lease expires at %v", next, expiry)
	}
	clock.t = expiry - 1
	a.Step()
	if board.level != hal.Level100 {
		t.Fatalf("dropped before expiry: %v", board.level)
	}
	clock.t = expiry
	a.Step()
	if board.level != hal.LevelIdle || board.shutdowns != 0 {
		t.Fatalf("at expiry: level %v, shutdowns %d; want idle, 0", board.level, board.shutdowns)
	}
	if next := a.Step(); next > expiry.Add(grace) {
		t.Fatalf("agent would next wake at %v, after the grace period ends", next)
	}
	clock.t = expiry.Add(grace) - 1
	a.Step()
	if board.shutdowns != 0 {
		t.Fatal("shut down before the grace period was over")
	}
	clock.t = expiry.Add(grace)
	a.Step()
	a.Step()
	if board.shutdowns != 1 || !a.Stats().Shutdown {
		t.Fatalf("after the grace period: %d shutdowns, want 1", board.shutdowns)
	}
}

func TestAgentLeaseDuringGraceCancelsShutdown(t *testing.T) {
	r := newRig(t, 1, HubConfig{}, AgentConfig{Grace: 5 * units.Second})
	a, board, clock := r.agents[0], r.boards[0], r.clock
	a.Handle(leaseBytes(t, 1, 1, 1, testSession, hal.Level75))
	clock.advance(4 * units.Second)
	a.Step()
	if board.level != hal.LevelIdle {
		t.Fatalf("not idle after expiry: %v", board.level)
	}
	a.Handle(leaseBytes(t, 1, 1, 2, testSession, hal.Level75))
	if board.level != hal.Level75 {
		t.Fatalf("lease not restored: %v", board.level)
	}
	clock.advance(2 * units.Second) // the old grace period would have ended
	a.Step()
	if board.shutdowns != 0 {
		t.Fatal("shut down although the lease came back")
	}
}

func TestAgentWithoutAnyLeaseShutsDownAfterGrace(t *testing.T) {
	r := newRig(t, 1, HubConfig{}, AgentConfig{Grace: 5 * units.Second})
	if r.boards[0].level != hal.LevelIdle {
		t.Fatalf("agent starts at %v, want idle", r.boards[0].level)
	}
	r.clock.advance(5 * units.Second)
	r.agents[0].Step()
	if r.boards[0].shutdowns != 1 {
		t.Fatal("no shutdown although no controller ever granted a lease")
	}
}

func TestAgentShutsDownAtOnceOnOffAndCut(t *testing.T) {
	for _, l := range []hal.Level{hal.LevelOff, hal.LevelCut} {
		t.Run(l.String(), func(t *testing.T) {
			r := newRig(t, 1, HubConfig{}, AgentConfig{})
			a, board := r.agents[0], r.boards[0]
			a.Handle(leaseBytes(t, 1, 1, 1, testSession, hal.Level100))
			r.aconns[0].take()
			a.Handle(leaseBytes(t, 1, 1, 2, testSession, l))
			if board.level != l || board.shutdowns != 1 {
				t.Fatalf("level %v, shutdowns %d; want %v, 1", board.level, board.shutdowns, l)
			}
			out := r.aconns[0].take()
			if len(out) != 1 {
				t.Fatalf("%d reports, want 1", len(out))
			}
			if rep, _ := decodeReport(out[0].b[:]); rep.Level != l || rep.Ack != 2 || rep.Flags&FlagShutdown == 0 {
				t.Fatalf("report %+v", rep)
			}
			a.Handle(leaseBytes(t, 1, 1, 3, testSession, hal.Level100))
			if board.level != l || board.shutdowns != 1 {
				t.Fatalf("a lease after the shutdown raised the level to %v", board.level)
			}
		})
	}
}

// A board whose cpufreq refuses the cap when the agent shuts it down still
// runs at its old level: the agent says so (it does not report the level it
// could not apply), and retries the cap on every step until it takes, for
// the shutdown command may take a while or never halt the board.
// Found by the VOPR (modules/simnet): with the cap refused, the agent
// reported off and never tried again, leaving the board at 100 % with no
// lease until it halted.
func TestAgentRetriesTheCapOfAShutdown(t *testing.T) {
	for _, c := range []struct {
		name string
		run  func(r *rig)
	}{
		{"graceful shutdown commanded", func(r *rig) { r.agents[0].Handle(leaseBytes(t, 1, 1, 2, testSession, hal.LevelOff)) }},
		{"no lease for the grace period", func(r *rig) {
			r.clock.advance(3*units.Second + 5*units.Second)
			r.agents[0].Step() // the lease ends: idle refused too
			r.clock.advance(units.Millisecond)
			r.agents[0].Step()
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, 1, HubConfig{}, AgentConfig{Grace: 5 * units.Second})
			a, board := r.agents[0], r.boards[0]
			a.Handle(leaseBytes(t, 1, 1, 1, testSession, hal.Level100))
			board.applyErr = errors.New("cpufreq write refused")
			c.run(r)
			if s := a.Stats(); board.shutdowns != 1 || !s.Shutdown || s.Level != hal.Level100 || board.level != hal.Level100 {
				t.Fatalf("after the refused cap: %d shutdowns, agent says %v, board at %v", board.shutdowns, s.Level, board.level)
			}
			r.aconns[0].take()
			a.Step()
			r.clock.advance(units.Second)
			a.Step()
			out := r.aconns[0].take()
			if rep, _ := decodeReport(out[len(out)-1].b[:]); rep.Level != hal.Level100 || rep.Flags&FlagApplyError == 0 {
				t.Fatalf("report while the cap is refused: %+v", rep)
			}
			board.applyErr = nil
			r.clock.advance(units.Second)
			a.Step()
			if s := a.Stats(); board.level != hal.LevelOff || s.Level != hal.LevelOff || board.shutdowns != 1 {
				t.Fatalf("cap not retried: board at %v, agent says %v, %d shutdowns", board.level, s.Level, board.shutdowns)
			}
		})
	}
}

func TestHubRetransmitsUntilAcknowledged(t *testing.T) {
	r := newRig(t, 1, HubConfig{}, AgentConfig{})
	r.toHub(nil) // the agent's hello: the hub learns its session
	p := r.hub.Power(0)
	p.SetLevel(hal.Level25)
	start := r.clock.t
	var sendTimes []units.Duration
	for r.clock.t < start.Add(400*units.Millisecond) {
		r.hub.Tick()
		if n := len(r.hconn.out); n > 0 {
			sendTimes = append(sendTimes, r.clock.t.Sub(start))
		}
		r.toAgents(dropAll)
		r.clock.advance(units.Millisecond)
	}
	// 50 ms, then backing off by half each time (75, 112.5) up to 100 ms.
	want := []units.Duration{0, 50 * units.Millisecond, 125 * units.Millisecond, 225 * units.Millisecond, 325 * units.Millisecond}
	if len(sendTimes) != len(want) {
		t.Fatalf("sends at %v, want %v", sendTimes, want)
	}
	for i := range want {
		if d := sendTimes[i] - want[i]; d < 0 || d > units.Millisecond {
			t.Fatalf("sends at %v, want %v", sendTimes, want)
		}
	}
	if _, _, ok := p.Confirmed(); ok {
		t.Fatal("confirmed without a single delivery")
	}
	r.clock.t = start.Add(425 * units.Millisecond) // the next retransmission
	r.exchange()                                   // delivered this time
	if l, at, ok := p.Confirmed(); !ok || l != hal.Level25 || at != r.clock.t {
		t.Fatalf("Confirmed = %v %v %v", l, at, ok)
	}
	s := r.hub.Stats()
	if s.Retransmits != 5 || s.LeasesSent != 6 {
		t.Fatalf("stats %+v", s)
	}
	// Acknowledged: the next lease is the renewal, a second after the acked one.
	acked := r.clock.t
	for r.clock.t < acked.Add(units.Second) {
		r.clock.advance(units.Millisecond)
		r.hub.Tick()
		if len(r.hconn.out) > 0 && r.clock.t < acked.Add(units.Second) {
			t.Fatalf("lease sent %v after an acknowledged one, want a renewal after 1 s", r.clock.t.Sub(acked))
		}
	}
	if len(r.hconn.take()) != 1 {
		t.Fatal("no renewal after 1 s")
	}
}

func TestRetransmissionsToADeadModuleSlowToTheRenewalRate(t *testing.T) {
	r := newRig(t, 1, HubConfig{}, AgentConfig{})
	r.toHub(nil) // the agent said hello, then its board died
	r.hub.Power(0).SetLevel(hal.Level50)
	count := func(d units.Duration) (n int) {
		for end := r.clock.t.Add(d); r.clock.t < end; r.clock.advance(units.Millisecond) {
			r.hub.Tick()
			n += len(r.hconn.take())
		}
		return n
	}
	if fast := count(5 * units.Second); fast < 45 {
		t.Errorf("%d leases in the first 5 s: want fast retransmissions (about 50)", fast)
	}
	if slow := count(10 * units.Second); slow < 9 || slow > 11 {
		t.Errorf("%d leases in the next 10 s, want one a second", slow)
	}
}

func TestLosslessLeasesCostOneDatagramPerModulePerSecond(t *testing.T) {
	r := newRig(t, 3, HubConfig{}, AgentConfig{})
	for i := range 3 {
		r.hub.Power(i).SetLevel(hal.Level75)
	}
	r.settle(30 * units.Second)
	for i, a := range r.agents {
		if s := a.Stats(); !s.Leased || s.Level != hal.Level75 || s.Expired {
			t.Fatalf("agent %d: %+v", i+1, s)
		}
	}
	if s := r.hub.Stats(); s.LeasesSent > 3*32 || s.Retransmits != 0 {
		t.Fatalf("lossless renewals cost %+v: want one lease per module per second", s)
	}
}

func TestCutOpensTheRelayAtOnceWhateverTheNetwork(t *testing.T) {
	r := newRig(t, 1, HubConfig{}, AgentConfig{})
	p := r.hub.Power(0)
	p.SetLevel(hal.Level100)
	r.settle(100 * units.Millisecond)
	if !r.relays[0].closed {
		t.Fatal("relay not closed at 100 %")
	}
	// No Tick, no delivery: the relay must already be open when SetLevel returns.
	if err := p.SetLevel(hal.LevelCut); err != nil {
		t.Fatal(err)
	}
	if r.relays[0].closed {
		t.Fatal("relay still closed after SetLevel(LevelCut)")
	}
	if st := p.Status(); st.Relay {
		t.Fatal("status says the relay is closed")
	}
	// The agent is told too (a welded relay must not leave the board running).
	r.exchange()
	if r.boards[0].level != hal.LevelCut || r.boards[0].shutdowns != 1 {
		t.Fatalf("agent after the cut: %v, %d shutdowns", r.boards[0].level, r.boards[0].shutdowns)
	}
}

func TestCutRetriesAFailedRelay(t *testing.T) {
	r := newRig(t, 1, HubConfig{}, AgentConfig{})
	p := r.hub.Power(0)
	p.SetLevel(hal.Level100)
	r.settle(100 * units.Millisecond)
	r.relays[0].err = errRelay
	if err := p.SetLevel(hal.LevelCut); err == nil {
		t.Fatal("a failed relay command was not reported")
	}
	r.relays[0].err = nil
	r.hub.Tick()
	if r.relays[0].closed {
		t.Fatal("relay not retried")
	}
}

type relayError struct{}

func (relayError) Error() string { return "i2c: no ack" }

var errRelay = relayError{}

func TestEscalation(t *testing.T) {
	cases := []struct {
		name        string
		to          hal.Level
		deliver     bool // the agent hears and answers
		wait        units.Duration
		relayClosed bool
		escalations uint64
	}{
		{"throttle acknowledged", hal.Level25, true, 10 * units.Second, true, 0},
		{"throttle unacknowledged: cut at 3 s", hal.Level25, false, 3 * units.Second, false, 1},
		{"throttle unacknowledged: not before 3 s", hal.Level25, false, 3*units.Second - units.Millisecond, true, 0},
		{"shutdown acknowledged: relay opens at 25 s", hal.LevelOff, true, 25 * units.Second, false, 0},
		{"shutdown acknowledged: not before 25 s", hal.LevelOff, true, 25*units.Second - units.Millisecond, true, 0},
		{"shutdown unacknowledged: cut at 25 s", hal.LevelOff, false, 25 * units.Second, false, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, 1, HubConfig{}, AgentConfig{Grace: units.Hour})
			p := r.hub.Power(0)
			p.SetLevel(hal.Level100)
			r.settle(100 * units.Millisecond)
			p.SetLevel(c.to)
			start := r.clock.t
			for r.clock.t < start.Add(c.wait) {
				r.clock.advance(min(10*units.Millisecond, start.Add(c.wait).Sub(r.clock.t)))
				r.hub.Tick()
				if c.deliver {
					r.toAgents(nil)
					r.toHub(nil)
				} else {
					r.toAgents(dropAll)
				}
			}
			r.hub.Tick()
			if got := r.relays[0].closed; got != c.relayClosed {
				t.Errorf("relay closed = %v, want %v", got, c.relayClosed)
			}
			if got := r.hub.Stats().Escalations; got != c.escalations {
				t.Errorf("escalations = %d, want %d", got, c.escalations)
			}
			if p.Escalated() != (c.escalations > 0) {
				t.Errorf("Escalated() = %v", p.Escalated())
			}
		})
	}
}

func TestEscalationIsLatched(t *testing.T) {
	r := newRig(t, 1, HubConfig{}, AgentConfig{})
	p := r.hub.Power(0)
	p.SetLevel(hal.Level100)
	r.settle(100 * units.Millisecond)
	p.SetLevel(hal.Level50)
	r.clock.advance(3 * units.Second)
	r.hub.Tick()
	if r.relays[0].closed {
		t.Fatal("not escalated")
	}
	p.SetLevel(hal.Level75) // control raises again: the relay stays open
	r.settle(time3)
	if r.relays[0].closed {
		t.Fatal("escalation not latched: a raise closed the relay")
	}
	p.ResetEscalation()
	r.settle(100 * units.Millisecond)
	if !r.relays[0].closed || r.boards[0].level != hal.Level75 {
		t.Fatalf("after reset: relay %v, board %v", r.relays[0].closed, r.boards[0].level)
	}
}

const time3 = 3 * units.Second

func TestAgentReportingAboveItsLeaseIsCut(t *testing.T) {
	r := newRig(t, 1, HubConfig{}, AgentConfig{})
	p := r.hub.Power(0)
	p.SetLevel(hal.Level100)
	r.settle(100 * units.Millisecond)
	p.SetLevel(hal.Level25)
	r.settle(100 * units.Millisecond)
	r.boards[0].applyErr = errRelay // the board can no longer be throttled...
	r.agents[0].mu.Lock()
	r.agents[0].applied = hal.Level100 // ...and runs flat out
	r.agents[0].mu.Unlock()
	r.settle(4 * units.Second)
	if r.relays[0].closed || r.hub.Stats().Escalations != 1 {
		t.Fatalf("relay closed %v, escalations %d", r.relays[0].closed, r.hub.Stats().Escalations)
	}
}

// An agent without a lease idles at once, so one that reports running above
// idle and above its command without a lease is broken (a board that
// rebooted with its cpufreq refusing the cap): the hub cuts it
// ThrottleDeadline after hearing it, even if no lease gets through to it
// afterwards. A rebooted agent that idles is left alone.
// Found by the VOPR (modules/simnet): the hub ignored such a report because
// its ack was older than the current level, kept the old session's
// acknowledgement as safe, and never cut the relay.
func TestRebootedAgentRunningAboveItsCommandIsCut(t *testing.T) {
	for _, stuck := range []bool{true, false} {
		t.Run(fmt.Sprintf("stuck=%v", stuck), func(t *testing.T) {
			r := newRig(t, 1, HubConfig{}, AgentConfig{})
			p, board := r.hub.Power(0), r.boards[0]
			p.SetLevel(hal.Level100)
			r.settle(100 * units.Millisecond)
			p.SetLevel(hal.Level50)
			r.settle(100 * units.Millisecond)
			board.level = hal.Level100 // the board reboots flat out...
			if stuck {
				board.applyErr = errRelay // ...and its cpufreq refuses the cap
			}
			a2, err := NewAgent(AgentConfig{Module: 1, Key: testKey(t, 1), Session: testSession + 1, Controller: controllerAddr},
				r.aconns[0], board, r.clock.now, nil)
			if err != nil {
				t.Fatal(err)
			}
			r.agents[0] = a2
			a2.Start()
			r.toHub(nil) // its hello, and then nothing gets through
			heard := r.clock.t
			for end := heard.Add(10 * units.Second); r.clock.t < end; r.clock.advance(10 * units.Millisecond) {
				r.hub.Tick()
				r.toAgents(dropAll)
				a2.Step()
				r.toHub(dropAll)
				if r.relays[0].closed == stuck && r.clock.t > heard.Add(DefaultHubConfig.ThrottleDeadline) {
					t.Fatalf("relay closed %v %v after the hello", r.relays[0].closed, r.clock.t.Sub(heard))
				}
				if !r.relays[0].closed && r.clock.t < heard.Add(DefaultHubConfig.ThrottleDeadline) {
					t.Fatalf("relay cut %v after the hello, before the deadline", r.clock.t.Sub(heard))
				}
			}
			if got := r.hub.Stats().Escalations; got != map[bool]uint64{true: 1, false: 0}[stuck] {
				t.Fatalf("%d escalations", got)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	r := newRig(t, 1, HubConfig{}, AgentConfig{})
	p := r.hub.Power(0)
	if st := p.Status(); st.Status != hal.StatusMissing {
		t.Fatalf("status before any report: %v", st.Status)
	}
	p.SetLevel(hal.Level50)
	r.settle(100 * units.Millisecond)
	st := p.Status()
	if st.Status != hal.StatusOK || st.Level != hal.Level50 || !st.Relay || st.Power != 5 || st.BoardTemp != 55 {
		t.Fatalf("status %+v", st)
	}
	heard := st.At
	r.clock.advance(3*units.Second + 1)
	if st := p.Status(); st.Status != hal.StatusMissing || st.At != heard {
		t.Fatalf("status after 3 s of silence: %+v", st)
	}
}

func TestRestartedControllerResynchronisesItsCounter(t *testing.T) {
	r := newRig(t, 1, HubConfig{}, AgentConfig{})
	r.hub.Power(0).SetLevel(hal.Level75)
	r.settle(5 * units.Second)
	before := r.agents[0].Stats().LastAccepted
	// A new controller process: counters start from zero.
	h2, err := NewHub(HubConfig{}, []ModuleConfig{{ID: 1, Key: testKey(t, 1), Addr: agentAddr(1), Relay: r.relays[0]}},
		r.hconn, r.clock.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.hub = h2
	h2.Power(0).SetLevel(hal.Level50)
	r.settle(2 * units.Second)
	s := r.agents[0].Stats()
	if s.Level != hal.Level50 || s.LastAccepted <= before || s.Rejected[Stale] > 0 || s.Rejected[Replayed] > 0 {
		t.Fatalf("after the controller restarted: %+v (counter was %d)", s, before)
	}
}

func TestRestartedAgentRefusesLeasesOfItsLastSession(t *testing.T) {
	r := newRig(t, 1, HubConfig{}, AgentConfig{})
	r.hub.Power(0).SetLevel(hal.Level100)
	r.hub.Tick() // nothing: the session is not known yet
	if len(r.hconn.out) != 0 {
		t.Fatal("a lease was sent before the agent's session was known")
	}
	r.settle(100 * units.Millisecond)
	r.hub.Power(0).SetLevel(hal.Level100)
	r.clock.advance(units.Second)
	r.hub.Tick()
	old := r.hconn.take()
	if len(old) != 1 {
		t.Fatalf("%d leases", len(old))
	}
	a2, err := NewAgent(AgentConfig{Module: 1, Key: testKey(t, 1), Session: testSession + 1, Controller: controllerAddr},
		r.aconns[0], r.boards[0], r.clock.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	a2.Start()
	if got := a2.Handle(old[0].b[:]); got != WrongSession {
		t.Fatalf("lease of the previous session: %v", got)
	}
	r.agents[0] = a2
	r.settle(100 * units.Millisecond)
	if s := a2.Stats(); s.Level != hal.Level100 {
		t.Fatalf("the hub did not follow the new session: %+v", s)
	}
}

func TestSysfsBoard(t *testing.T) {
	root := t.TempDir()
	if err := FakeSysfs(root, 4, 600000, 2400000, 61.5); err != nil {
		t.Fatal(err)
	}
	var hooked []hal.Level
	shut := 0
	b, err := OpenSysfs(SysfsConfig{Root: root, IdlePower: 3, FullPower: 7,
		OnLevel: func(l hal.Level) { hooked = append(hooked, l) }, OnShutdown: func() error { shut++; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if b.CPUs() != 4 || b.Policies() != 1 {
		t.Fatalf("%d CPUs in %d policies, want 4 in 1", b.CPUs(), b.Policies())
	}
	for _, c := range []struct {
		l    hal.Level
		want string
		w    units.Watt
	}{
		{hal.Level100, "2400000", 7}, {hal.Level75, "1950000", 6}, {hal.Level50, "1500000", 5},
		{hal.Level25, "1050000", 4}, {hal.LevelIdle, "600000", 3}, {hal.LevelCut, "600000", 3},
	} {
		if err := b.Apply(c.l); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			if got := readFreq(t, root, i); got != c.want {
				t.Errorf("%v: cpu%d scaling_max_freq %s, want %s", c.l, i, got, c.want)
			}
		}
		if p, temp := b.Measure(); p != c.w || temp != 61.5 {
			t.Errorf("%v: measure %v W %v C", c.l, p, temp)
		}
	}
	if len(hooked) != 6 || hooked[5] != hal.LevelCut {
		t.Errorf("hook saw %v", hooked)
	}
	if b.Shutdown(); shut != 1 {
		t.Error("shutdown hook not run")
	}
}

func TestSysfsBoardRoundsToAvailableFrequencies(t *testing.T) {
	root := t.TempDir()
	if err := FakeSysfs(root, 1, 600000, 2400000, 50); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, root+"/devices/system/cpu/cpufreq/policy0/scaling_available_frequencies", "600000 1000000 1500000 1800000 2400000\n")
	b, err := OpenSysfs(SysfsConfig{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	for l, want := range map[hal.Level]uint64{hal.Level25: 1000000, hal.Level50: 1500000, hal.Level75: 1800000,
		hal.Level100: 2400000, hal.LevelIdle: 600000} {
		if got := b.FreqKHz(0, l); got != want {
			t.Errorf("%v: %d kHz, want %d", l, got, want)
		}
	}
	if _, err := OpenSysfs(SysfsConfig{Root: t.TempDir()}); err == nil {
		t.Error("a tree without cpufreq was accepted")
	}
}
