package modules

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"hearth/hal"
	"hearth/units"
)

// The harness runs a Hub and its agents in one goroutine on a fake clock:
// datagrams wait in captureConns until the test delivers (or drops) them.

var testSecret = []byte("0123456789abcdef0123456789abcdef-test-hub")

func testKey(t testing.TB, id uint32) Key {
	t.Helper()
	k, err := ModuleKey(testSecret, id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type fakeClock struct{ t units.Time }

func (c *fakeClock) now() units.Time          { return c.t }
func (c *fakeClock) advance(d units.Duration) { c.t = c.t.Add(d) }

type packet struct {
	b    [MsgSize]byte
	addr netip.AddrPort
}

// captureConn records what is sent through it.
type captureConn struct{ out []packet }

func (c *captureConn) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	var p packet
	copy(p.b[:], b)
	p.addr = addr
	c.out = append(c.out, p)
	return len(b), nil
}

func (c *captureConn) ReadFromUDPAddrPort([]byte) (int, netip.AddrPort, error) {
	return 0, netip.AddrPort{}, errors.New("captureConn does not receive")
}

func (c *captureConn) SetReadDeadline(time.Time) error { return nil }

func (c *captureConn) take() []packet {
	p := c.out
	c.out = nil
	return p
}

type fakeRelay struct {
	closed bool
	sets   []bool
	err    error
}

func (r *fakeRelay) Set(on bool) error {
	r.sets = append(r.sets, on)
	if r.err != nil {
		return r.err
	}
	r.closed = on
	return nil
}

type fakeBoard struct {
	level     hal.Level
	applied   []hal.Level
	shutdowns int
	applyErr  error
}

func (b *fakeBoard) Apply(l hal.Level) error {
	if b.applyErr != nil {
		return b.applyErr
	}
	b.level = l
	b.applied = append(b.applied, l)
	return nil
}

func (b *fakeBoard) Shutdown() error { b.shutdowns++; return nil }

func (b *fakeBoard) Measure() (units.Watt, units.Celsius) {
	f, _ := b.level.Fraction()
	return 3 + 4*units.Watt(f), 55
}

const testSession = 1000

func agentAddr(id uint32) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(id)}), 7701)
}

var controllerAddr = netip.MustParseAddrPort("10.0.0.254:7700")

type rig struct {
	t      testing.TB
	clock  *fakeClock
	hub    *Hub
	hconn  *captureConn
	agents []*Agent
	aconns []*captureConn
	boards []*fakeBoard
	relays []*fakeRelay
}

// newRig makes a hub with n modules (ids 1..n) and their agents, started.
func newRig(t testing.TB, n int, hcfg HubConfig, acfg AgentConfig) *rig {
	t.Helper()
	r := &rig{t: t, clock: &fakeClock{t: units.Time(units.Hour)}, hconn: &captureConn{}}
	var mods []ModuleConfig
	for i := range n {
		id := uint32(i + 1)
		relay := &fakeRelay{}
		r.relays = append(r.relays, relay)
		mods = append(mods, ModuleConfig{ID: id, Key: testKey(t, id), Addr: agentAddr(id), Relay: relay})
		cfg := acfg
		cfg.Module, cfg.Key, cfg.Session, cfg.Controller = id, testKey(t, id), testSession, controllerAddr
		conn, board := &captureConn{}, &fakeBoard{}
		a, err := NewAgent(cfg, conn, board, r.clock.now, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.agents, r.aconns, r.boards = append(r.agents, a), append(r.aconns, conn), append(r.boards, board)
	}
	h, err := NewHub(hcfg, mods, r.hconn, r.clock.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.hub = h
	for _, a := range r.agents {
		a.Start()
	}
	return r
}

// toAgents delivers the hub's datagrams; keep decides which survive.
func (r *rig) toAgents(keep func(p *packet) bool) (delivered int) {
	for _, p := range r.hconn.take() {
		if keep != nil && !keep(&p) {
			continue
		}
		for i, a := range r.agents {
			if agentAddr(uint32(i+1)) == p.addr {
				a.Handle(p.b[:])
				delivered++
			}
		}
	}
	return delivered
}

// toHub delivers the agents' datagrams.
func (r *rig) toHub(keep func(p *packet) bool) (delivered int) {
	for _, c := range r.aconns {
		for _, p := range c.take() {
			if keep == nil || keep(&p) {
				r.hub.HandlePacket(p.b[:])
				delivered++
			}
		}
	}
	return delivered
}

// exchange runs one lossless round: hub ticks, agents answer, hub reads.
func (r *rig) exchange() {
	r.hub.Tick()
	r.toAgents(nil)
	for _, a := range r.agents {
		a.Step()
	}
	r.toHub(nil)
}

// settle runs lossless rounds every 10 ms for d.
func (r *rig) settle(d units.Duration) {
	for end := r.clock.t.Add(d); r.clock.t < end; r.clock.advance(10 * units.Millisecond) {
		r.exchange()
	}
}

func dropAll(*packet) bool { return false }

func readFreq(t testing.TB, root string, cpu int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "devices/system/cpu", "cpu"+strconv.Itoa(cpu), "cpufreq/scaling_max_freq"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func writeTestFile(t testing.TB, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
