package simnet

import (
	"errors"
	"net"
	"net/netip"
	"testing"

	"hearth/modules"
	"hearth/units"
)

var (
	addrA = netip.MustParseAddrPort("10.9.0.1:1")
	addrB = netip.MustParseAddrPort("10.9.0.2:2")
	addrC = netip.MustParseAddrPort("10.9.0.3:3")
)

// sink records what an endpoint is handed.
type sink struct {
	at  []units.Time
	b   [][]byte
	how []Injection
}

func listen(n *Net, addr netip.AddrPort) (*Endpoint, *sink) {
	e, s := n.Endpoint(addr), &sink{}
	e.Handle(func(b []byte, _ netip.AddrPort) modules.Reject {
		s.at, s.b = append(s.at, n.Now()), append(s.b, append([]byte(nil), b...))
		return modules.Accepted
	})
	n.OnDeliver(func(d Delivery) {
		if d.To == addr && d.Fate == Delivered {
			s.how = append(s.how, d.How)
		}
	})
	return e, s
}

func drain(n *Net, by units.Time) {
	for {
		if _, ok := n.Deliver(by); !ok {
			n.AdvanceTo(by)
			return
		}
	}
}

func TestNetDelayAndOrder(t *testing.T) {
	n := NewNet(1, 0, 0)
	a := n.Endpoint(addrA)
	_, s := listen(n, addrB)
	n.SetLink(addrA, addrB, Link{Delay: 5 * ms})
	for i := range 3 {
		a.WriteToUDPAddrPort([]byte{byte(i)}, addrB)
	}
	drain(n, units.Time(5*ms-1))
	if len(s.b) != 0 {
		t.Fatal("delivered before its delay")
	}
	drain(n, units.Time(5*ms))
	if len(s.b) != 3 || s.b[0][0] != 0 || s.b[2][0] != 2 || s.at[2] != units.Time(5*ms) {
		t.Fatalf("got %v at %v", s.b, s.at)
	}
}

func TestNetLossJitterReorderDuplicates(t *testing.T) {
	n := NewNet(2, 0, 0)
	a := n.Endpoint(addrA)
	_, s := listen(n, addrB)
	n.SetLink(addrA, addrB, Link{Loss: 0.3, Delay: ms, Jitter: 10 * ms, Duplicate: 0.1, Reorder: 0.2, ReorderBy: 50 * ms})
	const sent = 20000
	for i := range sent {
		a.WriteToUDPAddrPort([]byte{byte(i), byte(i >> 8)}, addrB)
		n.AdvanceTo(n.Now().Add(ms))
		drain(n, n.Now())
	}
	drain(n, n.Now().Add(units.Second))
	st := n.Stats()
	if loss := float64(st.Lost) / sent; loss < 0.28 || loss > 0.32 {
		t.Errorf("loss %.3f, want 0.3", loss)
	}
	if dup := float64(st.Duplicated) / float64(sent-st.Lost); dup < 0.09 || dup > 0.11 {
		t.Errorf("duplicates %.3f, want 0.1", dup)
	}
	if got := uint64(len(s.b)); got != st.Sent-st.Lost+st.Duplicated || st.Delivered[Duplicate] != st.Duplicated {
		t.Errorf("%d delivered of %+v", got, st)
	}
	late := 0
	for i := 1; i < len(s.b); i++ {
		if s.how[i] == Original && int(s.b[i][0])|int(s.b[i][1])<<8 < int(s.b[i-1][0])|int(s.b[i-1][1])<<8 {
			late++
		}
	}
	if late == 0 {
		t.Error("nothing arrived out of order")
	}
}

func TestNetPartition(t *testing.T) {
	n := NewNet(3, 0, 0)
	a, b := n.Endpoint(addrA), n.Endpoint(addrB)
	_, sb := listen(n, addrB)
	n.Endpoint(addrC)
	n.SetDefaultLink(Link{Delay: 10 * ms})
	a.WriteToUDPAddrPort([]byte{1}, addrB) // in flight when the partition starts: dropped when due
	n.Partition(addrB, netip.AddrPort{}, units.Time(100*ms))
	a.WriteToUDPAddrPort([]byte{2}, addrB)
	b.WriteToUDPAddrPort([]byte{3}, addrC)
	drain(n, units.Time(100*ms))
	a.WriteToUDPAddrPort([]byte{4}, addrB)
	drain(n, units.Time(200*ms))
	if len(sb.b) != 1 || sb.b[0][0] != 4 || n.Stats().Partitioned != 3 {
		t.Fatalf("delivered %v, stats %+v", sb.b, n.Stats())
	}
}

func TestNetReplayAndForgery(t *testing.T) {
	n := NewNet(4, 0, 0)
	a := n.Endpoint(addrA)
	_, s := listen(n, addrB)
	if n.Replay(addrB, 0) {
		t.Fatal("replayed what was never received")
	}
	a.WriteToUDPAddrPort([]byte("first"), addrB)
	a.WriteToUDPAddrPort([]byte("second"), addrB)
	drain(n, 0)
	if !n.Replay(addrB, 1) || !n.Forge(addrB, 0) || n.Replay(addrB, 2) {
		t.Fatal("injector refused a recorded datagram or invented one")
	}
	drain(n, 0)
	if len(s.b) != 4 || string(s.b[2]) != "first" || string(s.b[3]) == "second" || len(s.b[3]) != 6 {
		t.Fatalf("delivered %q", s.b)
	}
	if s.how[2] != Replay || s.how[3] != Forgery {
		t.Fatalf("marked %v", s.how)
	}
}

func TestEndpointWithoutHandlerAndDown(t *testing.T) {
	n := NewNet(5, 0, 0)
	a, b := n.Endpoint(addrA), n.Endpoint(addrB)
	var buf [8]byte
	_, _, err := b.ReadFromUDPAddrPort(buf[:])
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("empty read: %v, want a timeout at once", err)
	}
	a.WriteToUDPAddrPort([]byte("hi"), addrB)
	drain(n, 0)
	if k, from, err := b.ReadFromUDPAddrPort(buf[:]); err != nil || string(buf[:k]) != "hi" || from != addrA {
		t.Fatalf("read %q from %v: %v", buf[:k], from, err)
	}
	b.SetDown(true)
	a.WriteToUDPAddrPort([]byte("lost"), addrB)
	drain(n, 0)
	if _, err := b.WriteToUDPAddrPort([]byte("x"), addrA); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write from a down endpoint: %v", err)
	}
	if n.Stats().Unheard != 1 {
		t.Fatalf("stats %+v", n.Stats())
	}
}

func TestNetIsDeterministic(t *testing.T) {
	hash := func(seed uint64) uint64 {
		n := NewNet(seed, 0, 0)
		a := n.Endpoint(addrA)
		listen(n, addrB)
		n.SetDefaultLink(Link{Loss: 0.2, Jitter: 20 * ms, Duplicate: 0.2, Reorder: 0.2, ReorderBy: 30 * ms})
		for i := range 500 {
			a.WriteToUDPAddrPort([]byte{byte(i)}, addrB)
			if i%7 == 0 {
				n.Replay(addrB, i%5)
			}
			n.AdvanceTo(n.Now().Add(ms))
			drain(n, n.Now())
		}
		return n.TraceHash()
	}
	if first, again := hash(1), hash(1); first != again {
		t.Fatal("one seed, two traces")
	}
	if hash(1) == hash(2) {
		t.Fatal("two seeds, one trace")
	}
}
