package simnet

import "net/netip"

// Replay sends to addr again, as from its first sender, the age-th latest
// datagram (0 the latest, up to 63) that addr has received: an attacker on
// the LAN who recorded it. The copy takes the link's delay and jitter but is
// never lost (the attacker sends until it lands), and arrives as a Replay.
// It reports false if addr has received fewer datagrams.
func (n *Net) Replay(addr netip.AddrPort, age int) bool {
	r, ok := n.recorded(addr, age)
	if ok {
		n.inject(r.from, addr, r.b, Replay)
	}
	return ok
}

// Forge is Replay with one bit of the datagram flipped, chosen by the seed.
func (n *Net) Forge(addr netip.AddrPort, age int) bool {
	r, ok := n.recorded(addr, age)
	if !ok || len(r.b) == 0 {
		return false
	}
	b := append([]byte(nil), r.b...)
	bit := n.rng.IntN(8 * len(b))
	b[bit/8] ^= 1 << (bit % 8)
	n.inject(r.from, addr, b, Forgery)
	return true
}

// Received returns how many datagrams addr has been handed so far.
func (n *Net) Received(addr netip.AddrPort) int {
	if e, ok := n.byAddr[addr]; ok {
		return e.ngot
	}
	return 0
}

func (n *Net) recorded(addr netip.AddrPort, age int) (received, bool) {
	e, ok := n.byAddr[addr]
	if !ok || age < 0 || age >= captureLen || age >= e.ngot {
		return received{}, false
	}
	return e.got[(e.ngot-1-age)%captureLen], true
}

// inject schedules an attacker's datagram: not lost, not duplicated, but
// subject to partitions (the attacker is on the same LAN).
func (n *Net) inject(from, to netip.AddrPort, b []byte, how Injection) {
	l := n.LinkOf(from, to)
	l.Loss, l.Duplicate = 0, 0
	n.stats.Injected[how]++
	n.tr.add(n.now, "inject", addrWord(from), addrWord(to), uint64(how), hashBytes(b))
	if n.partitioned(from, to) {
		n.stats.Partitioned++
		return
	}
	n.schedule(from, to, append([]byte(nil), b...), how, &copies{}, l)
}
