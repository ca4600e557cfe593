package simnet

import (
	"math/rand/v2"
	"net/netip"

	"hearth/modules"
	"hearth/units"
)

// Link is how one direction between two endpoints treats datagrams.
type Link struct {
	Loss   float64        // probability a datagram is lost
	Delay  units.Duration // one-way latency
	Jitter units.Duration // plus a uniform draw in [0, Jitter)
	// Duplicate is the probability a datagram that is not lost arrives twice;
	// the second copy draws its own delay, so it may arrive first.
	Duplicate float64
	// Reorder is the probability a datagram is held back by a uniform draw
	// in [0, ReorderBy) on top of its delay, so later ones overtake it.
	Reorder   float64
	ReorderBy units.Duration
}

// Injection says how a datagram came to be delivered.
type Injection uint8

// Kinds of delivery. Everything but Original is a datagram the receiver
// already got, arriving again: it must be refused.
const (
	Original  Injection = iota // as its endpoint sent it, first copy to arrive
	Duplicate                  // a second copy of one the receiver already got
	Replay                     // one the receiver already got, sent again by an attacker
	Forgery                    // one the receiver already got, with one bit flipped
	NumInjections
)

var injectionNames = [NumInjections]string{"original", "duplicate", "replay", "forgery"}

func (h Injection) String() string {
	if h < NumInjections {
		return injectionNames[h]
	}
	return "injection?"
}

// Fate says what became of a datagram that came due.
type Fate uint8

// Fates of a datagram that came due.
const (
	Delivered   Fate = iota // handed to its receiver
	Partitioned             // dropped: its endpoints were partitioned when it came due
	Unheard                 // dropped: nothing listens at its address (an agent not running)
)

// Delivery is one datagram that came due, for Net.OnDeliver.
type Delivery struct {
	At       units.Time
	From, To netip.AddrPort
	Data     []byte // the receiver's own copy: do not keep it past the call
	How      Injection
	Fate     Fate
	// Result is the receiver's verdict when it has a handler (Endpoint.Handle).
	Result modules.Reject
}

// NetStats counts what the network did.
type NetStats struct {
	Sent        uint64                // datagrams written by endpoints
	Lost        uint64                // lost on their link
	Partitioned uint64                // dropped by a partition, when sent or when due
	Duplicated  uint64                // second copies scheduled
	Reordered   uint64                // datagrams held back
	Injected    [NumInjections]uint64 // replays and forgeries scheduled (Original, Duplicate unused)
	Delivered   [NumInjections]uint64 // handed to a receiver, by how they came
	Unheard     uint64                // due where nothing listens
}

type partition struct {
	a, b  netip.AddrPort // b zero: a against everyone
	until units.Time
}

// Net is a deterministic packet network on a virtual clock. Datagrams sent
// through its endpoints wait in a queue until their arrival time; Deliver
// hands them over in order of arrival (ties in order of sending). Not safe
// for concurrent use: one goroutine drives it and everything on it.
type Net struct {
	now    units.Time
	rng    *rand.Rand
	seq    uint64
	q      queue
	byAddr map[netip.AddrPort]*Endpoint
	def    Link
	links  map[[2]netip.AddrPort]Link
	parts  []partition
	tr     trace
	stats  NetStats
	onDel  func(Delivery)
}

// NewNet makes a network whose clock starts at start and whose every random
// choice comes from seed. keepTrace is how many recent events Trace keeps
// as text (0: none, only the hash).
func NewNet(seed uint64, start units.Time, keepTrace int) *Net {
	return &Net{
		now:    start,
		rng:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		byAddr: map[netip.AddrPort]*Endpoint{},
		links:  map[[2]netip.AddrPort]Link{},
		tr:     newTrace(keepTrace),
	}
}

// Now returns the network's clock: the time of the latest event.
func (n *Net) Now() units.Time { return n.now }

// AdvanceTo moves the clock forward to t; it never goes back.
func (n *Net) AdvanceTo(t units.Time) { n.now = max(n.now, t) }

// Rand returns the network's random stream, for callers whose choices must
// follow the same seed.
func (n *Net) Rand() *rand.Rand { return n.rng }

// SetDefaultLink sets how every direction without its own Link behaves.
func (n *Net) SetDefaultLink(l Link) { n.def = l }

// SetLink sets how datagrams from one address to another are treated.
func (n *Net) SetLink(from, to netip.AddrPort, l Link) { n.links[[2]netip.AddrPort{from, to}] = l }

// LinkOf returns how datagrams from one address to another are treated.
func (n *Net) LinkOf(from, to netip.AddrPort) Link {
	if l, ok := n.links[[2]netip.AddrPort{from, to}]; ok {
		return l
	}
	return n.def
}

// Partition drops every datagram between a and b, either way, that is sent
// or comes due before until. A zero b cuts a off from everyone.
func (n *Net) Partition(a, b netip.AddrPort, until units.Time) {
	n.parts = append(n.parts, partition{a: a, b: b, until: until})
	n.tr.add(n.now, "partition", addrWord(a), addrWord(b), uint64(until))
}

// Heal ends every partition now.
func (n *Net) Heal() {
	n.parts = n.parts[:0]
	n.tr.add(n.now, "heal")
}

func (n *Net) partitioned(x, y netip.AddrPort) bool {
	live := n.parts[:0]
	cut := false
	for _, p := range n.parts {
		if n.now >= p.until {
			continue
		}
		live = append(live, p)
		if p.a == x && (!p.b.IsValid() || p.b == y) || p.a == y && (!p.b.IsValid() || p.b == x) {
			cut = true
		}
	}
	n.parts = live
	return cut
}

// OnDeliver sets a function called with every datagram that comes due,
// after its receiver has handled it.
func (n *Net) OnDeliver(f func(Delivery)) { n.onDel = f }

// Stats returns the network's counters.
func (n *Net) Stats() NetStats { return n.stats }

// TraceHash returns the hash of every event so far: two runs of one seed
// and one schedule give the same hash.
func (n *Net) TraceHash() uint64 { return n.tr.h }

// Events returns how many events the trace holds.
func (n *Net) Events() uint64 { return n.tr.n }

// Trace returns the most recent events as text, oldest first.
func (n *Net) Trace() []string { return n.tr.last() }

// Note adds an event of the caller's to the trace.
func (n *Net) Note(kind string, vals ...uint64) { n.tr.add(n.now, kind, vals...) }

func addrWord(a netip.AddrPort) uint64 {
	v := uint64(a.Port())
	for _, c := range a.Addr().As16() {
		v = (v ^ uint64(c)) * hashPrime
	}
	return v
}

func hashBytes(b []byte) uint64 {
	t := newTrace(0)
	t.bytes(b)
	return t.h
}
