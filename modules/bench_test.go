package modules

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"hearth/hal"
	"hearth/units"
)

type discardConn struct{}

func (discardConn) WriteToUDPAddrPort(b []byte, _ netip.AddrPort) (int, error) { return len(b), nil }
func (discardConn) ReadFromUDPAddrPort([]byte) (int, netip.AddrPort, error) {
	return 0, netip.AddrPort{}, net.ErrClosed
}
func (discardConn) SetReadDeadline(time.Time) error { return nil }

// leasedHub returns a Hub of n modules that all know their agent's session
// and are commanded at 100 %, sending through conn to addr.
func leasedHub(tb testing.TB, n int, conn PacketConn, addr netip.AddrPort) (*Hub, *fakeClock) {
	tb.Helper()
	clock := &fakeClock{t: units.Time(units.Hour)}
	mods := make([]ModuleConfig, n)
	for i := range mods {
		id := uint32(i + 1)
		mods[i] = ModuleConfig{ID: id, Key: testKey(tb, id), Addr: addr, Relay: &fakeRelay{}}
	}
	h, err := NewHub(HubConfig{}, mods, conn, clock.now, nil)
	if err != nil {
		tb.Fatal(err)
	}
	var b [MsgSize]byte
	for i := range mods {
		SignReport(&b, mods[i].Key, Report{Module: mods[i].ID, Counter: 1, Session: testSession, Level: hal.LevelIdle})
		if r := h.HandlePacket(b[:]); r != Accepted {
			tb.Fatalf("hello: %v", r)
		}
		h.Power(i).SetLevel(hal.Level100)
	}
	return h, clock
}

// One round of 512 lease renewals, as the controller does every second:
// encode, sign and send each over loopback UDP. At 1 Hz the share of one
// core is ns/op / 1e9 * 100 (reported as %core@1Hz).
func BenchmarkRenew512(b *testing.B) {
	sink, err := ListenUDP("127.0.0.1:0") // never read: the kernel drops what overflows
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	conn, err := ListenUDP("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	benchRenew(b, conn, sink.LocalAddr().(*net.UDPAddr).AddrPort())
}

// The same round without the syscalls: encode and sign only.
func BenchmarkRenew512NoSend(b *testing.B) {
	benchRenew(b, discardConn{}, agentAddr(1))
}

func benchRenew(b *testing.B, conn PacketConn, addr netip.AddrPort) {
	h, clock := leasedHub(b, 512, conn, addr)
	clock.advance(units.Second)
	h.Tick() // warm up: each HMAC caches its padded key state on first use
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		clock.advance(units.Second) // every lease is due again
		h.Tick()
	}
	b.StopTimer()
	if s := h.Stats(); s.LeasesSent < uint64(512*(b.N+1)) || s.SendErrors > 0 {
		b.Fatalf("sent %d leases (%d errors) in %d rounds", s.LeasesSent, s.SendErrors, b.N)
	}
	nsPerRound := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(nsPerRound/1e9*100, "%core@1Hz")
}

// Reading the 512 acknowledgements of one round: verify and record each.
func BenchmarkAck512(b *testing.B) {
	h, _ := leasedHub(b, 512, discardConn{}, agentAddr(1))
	keys := make([]Key, 512)
	for i := range keys {
		keys[i] = testKey(b, uint32(i+1))
	}
	reps := make([][MsgSize]byte, 512)
	b.ReportAllocs()
	b.ResetTimer()
	for n := range b.N {
		b.StopTimer()
		for i := range reps {
			SignReport(&reps[i], keys[i], Report{Module: uint32(i + 1), Counter: uint64(n + 2), Session: testSession, Level: hal.Level100})
		}
		b.StartTimer()
		for i := range reps {
			if r := h.HandlePacket(reps[i][:]); r != Accepted {
				b.Fatal(r)
			}
		}
	}
}

func TestRenewalRoundDoesNotAllocate(t *testing.T) {
	h, clock := leasedHub(t, 64, discardConn{}, agentAddr(1))
	if n := testing.AllocsPerRun(20, func() {
		clock.advance(units.Second)
		h.Tick()
	}); n != 0 {
		t.Errorf("a round of renewals allocates %v times, want 0", n)
	}
	var b [MsgSize]byte
	key := testKey(t, 1)
	ctr := uint64(10)
	SignReport(&b, key, Report{Module: 1, Counter: ctr, Session: testSession, Level: hal.Level100})
	if n := testing.AllocsPerRun(20, func() {
		h.HandlePacket(b[:]) // replayed after the first: still the whole path up to the counter
	}); n != 0 {
		t.Errorf("handling a report allocates %v times, want 0", n)
	}
}
