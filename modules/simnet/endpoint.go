package simnet

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"hearth/modules"
)

// captureLen is how many of the datagrams it received an endpoint keeps for
// the injector.
const captureLen = 64

// inboxLen is the socket buffer of an endpoint without a handler.
const inboxLen = 256

type received struct {
	from netip.AddrPort
	b    []byte
}

// Endpoint is one address on a Net and its modules.PacketConn. A datagram
// that comes due is handed to its handler if it has one (Handle), otherwise
// queued for ReadFromUDPAddrPort, which never blocks.
type Endpoint struct {
	n       *Net
	addr    netip.AddrPort
	handler func(b []byte, from netip.AddrPort) modules.Reject
	down    bool
	inbox   []received
	dropped uint64 // inbox overflows
	got     [captureLen]received
	ngot    int
}

var _ modules.PacketConn = (*Endpoint)(nil)

// Endpoint returns the endpoint at addr, made on first use.
func (n *Net) Endpoint(addr netip.AddrPort) *Endpoint {
	if e, ok := n.byAddr[addr]; ok {
		return e
	}
	e := &Endpoint{n: n, addr: addr}
	n.byAddr[addr] = e
	return e
}

// Addr returns the endpoint's address.
func (e *Endpoint) Addr() netip.AddrPort { return e.addr }

// Handle sets the function that takes every datagram that comes due here
// and returns its verdict; nil queues them for ReadFromUDPAddrPort instead.
func (e *Endpoint) Handle(f func(b []byte, from netip.AddrPort) modules.Reject) { e.handler = f }

// SetDown makes the address deaf and mute (nothing runs there) or live again.
// Datagrams due while it is down are dropped; writes fail.
func (e *Endpoint) SetDown(down bool) {
	e.down = down
	e.n.tr.add(e.n.now, "down", addrWord(e.addr), b2u(down))
}

// WriteToUDPAddrPort puts b on the wire to addr.
func (e *Endpoint) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	if e.down {
		return 0, fmt.Errorf("simnet: %v is down: %w", e.addr, net.ErrClosed)
	}
	e.n.send(e.addr, addr, b)
	return len(b), nil
}

// ReadFromUDPAddrPort returns the oldest queued datagram, or a timeout at
// once if there is none: the virtual clock does not wait.
func (e *Endpoint) ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error) {
	if len(e.inbox) == 0 {
		return 0, netip.AddrPort{}, os.ErrDeadlineExceeded
	}
	r := e.inbox[0]
	e.inbox = e.inbox[1:]
	return copy(b, r.b), r.from, nil
}

// SetReadDeadline does nothing: reads never block.
func (e *Endpoint) SetReadDeadline(time.Time) error { return nil }

// receive hands p over and keeps a copy for the injector.
func (e *Endpoint) receive(p *packet) modules.Reject {
	e.got[e.ngot%captureLen] = received{from: p.from, b: p.b}
	e.ngot++
	if e.handler != nil {
		return e.handler(p.b, p.from)
	}
	if len(e.inbox) >= inboxLen {
		e.dropped++
		return modules.Accepted
	}
	e.inbox = append(e.inbox, received{from: p.from, b: p.b})
	return modules.Accepted
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
