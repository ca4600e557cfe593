package simnet

import (
	"net/netip"

	"hearth/units"
)

// send puts an endpoint's datagram on the wire: it is lost, or scheduled
// once or twice.
func (n *Net) send(from, to netip.AddrPort, b []byte) {
	data := append([]byte(nil), b...)
	n.stats.Sent++
	n.tr.add(n.now, "send", addrWord(from), addrWord(to), hashBytes(data))
	if n.partitioned(from, to) {
		n.stats.Partitioned++
		n.tr.add(n.now, "cut")
		return
	}
	l := n.LinkOf(from, to)
	if l.Loss > 0 && n.rng.Float64() < l.Loss {
		n.stats.Lost++
		n.tr.add(n.now, "lost")
		return
	}
	cp := &copies{}
	n.schedule(from, to, data, Original, cp, l)
	if l.Duplicate > 0 && n.rng.Float64() < l.Duplicate {
		n.stats.Duplicated++
		n.schedule(from, to, data, Original, cp, l)
	}
}

func (n *Net) schedule(from, to netip.AddrPort, data []byte, how Injection, cp *copies, l Link) {
	d := l.Delay
	if l.Jitter > 0 {
		d += units.Duration(n.rng.Int64N(int64(l.Jitter)))
	}
	if l.Reorder > 0 && l.ReorderBy > 0 && n.rng.Float64() < l.Reorder {
		d += units.Duration(n.rng.Int64N(int64(l.ReorderBy)))
		n.stats.Reordered++
	}
	n.seq++
	p := &packet{at: n.now.Add(d), seq: n.seq, from: from, to: to, b: data, how: how, copies: cp}
	n.q.push(p)
	n.tr.add(n.now, "wire", n.seq, uint64(p.at))
}

// NextArrival returns when the next datagram comes due, if any is queued.
func (n *Net) NextArrival() (units.Time, bool) {
	if p := n.q.peek(); p != nil {
		return p.at, true
	}
	return 0, false
}

// InFlight returns how many datagrams are on the wire.
func (n *Net) InFlight() int { return len(n.q) }

// Deliver takes the earliest datagram due at or before by, moves the clock
// to its arrival, and hands it to its receiver. It reports false if none is
// due by then.
func (n *Net) Deliver(by units.Time) (Delivery, bool) {
	p := n.q.peek()
	if p == nil || p.at > by {
		return Delivery{}, false
	}
	n.q.pop()
	n.AdvanceTo(p.at)
	d := Delivery{At: n.now, From: p.from, To: p.to, Data: p.b, How: p.how}
	ep := n.byAddr[p.to]
	switch {
	case n.partitioned(p.from, p.to):
		d.Fate = Partitioned
		n.stats.Partitioned++
	case ep == nil || ep.down:
		d.Fate = Unheard
		n.stats.Unheard++
	default:
		if d.How == Original && p.copies.delivered {
			d.How = Duplicate
		}
		p.copies.delivered = true
		n.stats.Delivered[d.How]++
		d.Result = ep.receive(p)
	}
	n.tr.add(n.now, "due", p.seq, uint64(d.Fate), uint64(d.How), uint64(d.Result))
	if n.onDel != nil {
		n.onDel(d)
	}
	return d, true
}
