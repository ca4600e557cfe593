package modules

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// PacketConn is the datagram socket both ends use. *net.UDPConn implements it
// without allocating per datagram; LossyConn wraps one to drop datagrams.
type PacketConn interface {
	ReadFromUDPAddrPort(b []byte) (n int, addr netip.AddrPort, err error)
	WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error)
	SetReadDeadline(t time.Time) error
}

// SocketBuffer is the receive and send buffer asked of the kernel, in bytes.
// When 512 agents answer a command at once the controller's socket must hold
// every answer (each costs about 1 KiB of kernel memory at 80 bytes of data);
// the kernel caps the request at net.core.rmem_max.
const SocketBuffer = 4 << 20

// ListenUDP opens a UDP socket on addr ("127.0.0.1:0", ":7701") with
// SocketBuffer-sized buffers.
func ListenUDP(addr string) (*net.UDPConn, error) {
	a, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	c, err := net.ListenUDP("udp", a)
	if err != nil {
		return nil, err
	}
	// Best effort: the kernel silently caps both at its maxima.
	_ = c.SetReadBuffer(SocketBuffer)
	_ = c.SetWriteBuffer(SocketBuffer)
	return c, nil
}

// LossyConn drops each datagram it sends with probability Loss, drawn from a
// seeded generator: the k-th datagram sent through a LossyConn with a given
// seed is always dropped or always delivered, so a drill run is reproducible
// in what it loses. It simulates loss in one direction; give each end its own.
type LossyConn struct {
	PacketConn
	loss float64

	mu  sync.Mutex
	rng *rand.Rand

	sent, dropped atomic.Uint64
}

// NewLossyConn wraps c.
func NewLossyConn(c PacketConn, loss float64, seed uint64) *LossyConn {
	return &LossyConn{PacketConn: c, loss: loss, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// WriteToUDPAddrPort sends b, or pretends to and drops it.
func (c *LossyConn) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	c.sent.Add(1)
	c.mu.Lock()
	drop := c.loss > 0 && c.rng.Float64() < c.loss
	c.mu.Unlock()
	if drop {
		c.dropped.Add(1)
		return len(b), nil
	}
	return c.PacketConn.WriteToUDPAddrPort(b, addr)
}

// Counts returns how many datagrams were sent and how many of them dropped.
func (c *LossyConn) Counts() (sent, dropped uint64) { return c.sent.Load(), c.dropped.Load() }
