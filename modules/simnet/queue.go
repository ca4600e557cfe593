package simnet

import (
	"container/heap"
	"net/netip"

	"hearth/units"
)

// packet is one copy of a datagram on the wire.
type packet struct {
	at       units.Time // arrival
	seq      uint64     // order of scheduling: breaks ties, so equal times stay deterministic
	from, to netip.AddrPort
	b        []byte
	how      Injection
	copies   *copies // shared by the copies of one send
}

// copies tells the copies of one datagram whether the receiver already got
// one of them: a later copy is then a Duplicate.
type copies struct{ delivered bool }

// queue is a min-heap of packets by (arrival, seq).
type queue []*packet

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*packet)) }
func (q *queue) Pop() any {
	old := *q
	p := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return p
}

func (q *queue) push(p *packet) { heap.Push(q, p) }
func (q *queue) pop() *packet   { return heap.Pop(q).(*packet) }
func (q queue) peek() *packet {
	if len(q) == 0 {
		return nil
	}
	return q[0]
}
