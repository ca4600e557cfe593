package modules_test

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hearth/hal"
	"hearth/modules"
	"hearth/safety"
	"hearth/units"
)

// The safety layer's boot grace end to end (issue 11): a real Hub on a
// loopback UDP socket, real Agents on their own loopback sockets, and the
// Hub's Power(i).Status() fed into a safety.Layer stepped at 10 Hz whose
// module commands go back through Power(i).SetLevel.
//
// One fake clock drives the Hub, the Agents and the Layer, so minutes of
// controller time take a second or two. The test drives Hub.Tick and
// Agent.Step itself (Run converts controller durations into real sleeps,
// which a fake clock running faster than the wall would stretch); every
// datagram goes through the kernel's loopback and is read by a goroutine per
// socket that calls HandlePacket or Handle, as Run's readers do. After every
// step of the clock the test waits, boundedly, until every datagram sent to
// a live socket has been handled: so each is handled at the controller time
// it was sent, and the figures below are deterministic.

const (
	bgTick    = 100 * units.Millisecond // the layer's 10 Hz
	bgSubstep = 10 * units.Millisecond  // the Hub's and Agents' pace between two ticks
	bgIdleW   = units.Watt(200)
	bgFullW   = units.Watt(450)
	bgNever   = units.Duration(-1) // a board that never boots
	bgSettle  = 5 * time.Second    // wall-clock bound on one step's datagrams
)

var bgSecret = []byte("0123456789abcdef0123456789abcdef-boot-grace")

// bgClock is the controller's clock, shared by Hub, Agents and Layer; the
// sockets' reader goroutines read it.
type bgClock struct{ t atomic.Int64 }

func (c *bgClock) now() units.Time          { return units.Time(c.t.Load()) }
func (c *bgClock) advance(d units.Duration) { c.t.Add(int64(d)) }

// bgRelay is a module's power relay: it records when it first closed and
// when it last opened.
type bgRelay struct {
	clk *bgClock

	mu                 sync.Mutex
	closed, everClosed bool
	closedAt, openedAt units.Time
}

func (r *bgRelay) Set(on bool) error {
	now := r.clk.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case on && !r.closed && !r.everClosed:
		r.closedAt, r.everClosed = now, true
	case !on && r.closed:
		r.openedAt = now
	}
	r.closed = on
	return nil
}

func (r *bgRelay) state() (closed, everClosed bool, closedAt, openedAt units.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed, r.everClosed, r.closedAt, r.openedAt
}

// bgBoard is a module's boards: idle while booting, then at the level its
// agent applies; what it draws is what the feed meter reads.
type bgBoard struct {
	mu    sync.Mutex
	level hal.Level
	shut  bool
}

func (b *bgBoard) Apply(l hal.Level) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.level = l
	return nil
}

func (b *bgBoard) Shutdown() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.shut = true
	return nil
}

func (b *bgBoard) Measure() (units.Watt, units.Celsius) { return b.draw(), 55 }

func (b *bgBoard) draw() units.Watt {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, on := b.level.Fraction()
	if b.shut || !on {
		return 0
	}
	return bgIdleW + units.Watt(f)*(bgFullW-bgIdleW)
}

// bgConn counts the datagrams sent through it, per destination.
type bgConn struct {
	*net.UDPConn
	mu sync.Mutex
	to map[netip.AddrPort]uint64
}

func (c *bgConn) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	n, err := c.UDPConn.WriteToUDPAddrPort(b, addr)
	if err == nil {
		c.mu.Lock()
		c.to[addr]++
		c.mu.Unlock()
	}
	return n, err
}

func (c *bgConn) sentTo(addr netip.AddrPort) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.to[addr]
}

func (c *bgConn) sent() (n uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range c.to {
		n += k
	}
	return n
}

// bgNode is one module: its relay, its boards and the agent that runs on
// them once they have booted.
type bgNode struct {
	addr    netip.AddrPort
	conn    *bgConn
	agent   *modules.Agent
	board   *bgBoard
	relay   *bgRelay
	boot    units.Duration // from its relay closing to its agent starting; bgNever: never
	killAt  units.Time     // its agent dies then, its boards still powered; 0: never
	alive   bool
	dead    bool
	started units.Time
	handled atomic.Uint64 // datagrams its reader handled
}

// bgWorld is the hub, the modules, the layer and a healthy plant around them.
type bgWorld struct {
	t     *testing.T
	clk   *bgClock
	hub   *modules.Hub
	hconn *bgConn
	nodes []*bgNode

	hubHandled atomic.Uint64
	wg         sync.WaitGroup
	errMu      sync.Mutex
	errs       []error

	cfg   safety.Config
	layer *safety.Layer
	in    hal.Inputs
	wish  hal.Outputs
	out   hal.Outputs
	n     int // ticks stepped

	oilIn, oilOut units.Celsius
	valve         [hal.NumValves]units.Ratio
}

func listenLoopback(t *testing.T) *bgConn {
	t.Helper()
	c, err := modules.ListenUDP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return &bgConn{UDPConn: c, to: map[netip.AddrPort]uint64{}}
}

func addrOf(c *bgConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

// newBgWorld wires one module per entry of boots (its boot time after its
// relay closes) to a Hub and a Layer, all on loopback.
func newBgWorld(t *testing.T, boots ...units.Duration) *bgWorld {
	t.Helper()
	w := &bgWorld{t: t, clk: &bgClock{}, oilIn: 45, oilOut: 45}
	w.clk.t.Store(int64(1000 * units.Second))
	w.cfg = safety.DefaultConfig()
	w.cfg.ModuleOilL = 10 // as the safety rig: the oil out settles within a minute
	if err := w.cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	w.layer = safety.New(w.cfg)
	w.layer.SetStrict(true)
	w.valve[hal.ValveDump] = 1 // de-energised at power-on: sprung to the dump
	w.wish = hal.Outputs{Pump: [hal.NumPumps]units.Ratio{0.5, 0.5}, Valve: [hal.NumValves]units.Ratio{0.2, 0.5},
		Fan: 0.3, Immersion: true}

	w.hconn = listenLoopback(t)
	var mods []modules.ModuleConfig
	for i, boot := range boots {
		id := uint32(i + 1)
		key, err := modules.ModuleKey(bgSecret, id)
		if err != nil {
			t.Fatal(err)
		}
		n := &bgNode{conn: listenLoopback(t), board: &bgBoard{level: hal.LevelIdle}, relay: &bgRelay{clk: w.clk}, boot: boot}
		n.addr = addrOf(n.conn)
		n.agent, err = modules.NewAgent(modules.AgentConfig{Module: id, Key: key, Session: 7000 + uint64(id), Controller: addrOf(w.hconn)},
			n.conn, n.board, w.clk.now, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.nodes = append(w.nodes, n)
		mods = append(mods, modules.ModuleConfig{ID: id, Key: key, Addr: n.addr, Relay: n.relay})
		w.wish.Module[i] = hal.Level100
	}
	hub, err := modules.NewHub(modules.HubConfig{}, mods, w.hconn, w.clk.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.hub = hub
	w.read(w.hconn, func(b []byte) { hub.HandlePacket(b); w.hubHandled.Add(1) })
	t.Cleanup(func() {
		w.hconn.Close()
		for _, n := range w.nodes {
			n.conn.Close()
		}
		w.wg.Wait()
		for _, err := range w.errs {
			t.Errorf("socket: %v", err)
		}
	})
	return w
}

// read reads c until it is closed, handing every datagram to handle.
func (w *bgWorld) read(c *bgConn, handle func([]byte)) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		var buf [modules.MsgSize + 1]byte
		for {
			n, _, err := c.ReadFromUDPAddrPort(buf[:])
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					w.errMu.Lock()
					w.errs = append(w.errs, err)
					w.errMu.Unlock()
				}
				return
			}
			handle(buf[:n])
		}
	}()
}

// quiet reports whether every datagram sent to a live socket was handled.
// The agents' counters are read first: a lease handled has had its report
// sent, so no datagram can appear after they all match.
func (w *bgWorld) quiet() bool {
	for _, n := range w.nodes {
		if n.alive && n.handled.Load() != w.hconn.sentTo(n.addr) {
			return false
		}
	}
	var sent uint64
	for _, n := range w.nodes {
		sent += n.conn.sent()
	}
	return sent == w.hubHandled.Load()
}

func (w *bgWorld) settle() {
	w.t.Helper()
	deadline := time.Now().Add(bgSettle)
	for spins := 0; !w.quiet(); spins++ {
		if time.Now().After(deadline) {
			w.t.Fatalf("t=%v: datagrams still in flight after %v of wall time", w.clk.now(), bgSettle)
		}
		if spins < 100 {
			runtime.Gosched()
		} else {
			time.Sleep(20 * time.Microsecond)
		}
	}
}

// lifecycle boots an agent when its boards have booted, and kills it when
// its time has come or its relay opened (its boards lost power).
func (w *bgWorld) lifecycle() {
	now := w.clk.now()
	for _, n := range w.nodes {
		closed, ever, closedAt, _ := n.relay.state()
		switch {
		case n.alive && (!closed || n.killAt != 0 && now >= n.killAt):
			n.alive, n.dead = false, true
			n.conn.Close()
		case !n.alive && !n.dead && closed && ever && n.boot != bgNever && now >= closedAt.Add(n.boot):
			n.alive, n.started = true, now
			a := n.agent
			w.read(n.conn, func(b []byte) { a.Handle(b); n.handled.Add(1) })
			a.Start()
		}
	}
}

// step runs one tick of the layer, then the hub and the agents up to the
// next tick.
func (w *bgWorld) step() {
	w.t.Helper()
	w.fill()
	w.layer.Step(&w.in, &w.wish, &w.out)
	if fe := w.layer.Status().FireErrors; fe != 0 {
		w.t.Fatalf("tick %d: %d refused transitions", w.n, fe)
	}
	for i := range w.nodes {
		if err := w.hub.Power(i).SetLevel(w.out.Module[i]); err != nil {
			w.t.Fatalf("tick %d: module %d: SetLevel(%v): %v", w.n, i, w.out.Module[i], err)
		}
	}
	w.hub.Tick() // SetLevel pokes the Hub: Run ticks at once
	w.settle()
	for range bgTick / bgSubstep {
		w.clk.advance(bgSubstep)
		w.lifecycle()
		w.hub.Tick()
		for _, n := range w.nodes {
			if n.alive {
				n.agent.Step()
			}
		}
		w.settle()
	}
	w.n++
}

// fill writes the layer's inputs: the modules as the Hub knows them, their
// feed meters' true draw, and a healthy plant following the last outputs
// (as the safety rig's fill: probes flickering by 1/16 K, meters by a pulse,
// the transducer by an ADC count).
func (w *bgWorld) fill() {
	in, out, now := &w.in, &w.out, w.clk.now()
	in.Now, in.NumModules, in.Watchdog = now, len(w.nodes), true
	power := units.Watt(0)
	for i, n := range w.nodes {
		ms := &in.Module[i]
		*ms = w.hub.Power(i).Status()
		draw := units.Watt(0)
		if closed, _, _, _ := n.relay.state(); closed {
			draw = n.board.draw()
		}
		ms.Feed = hal.Sample[units.Watt]{Value: draw, At: now, Status: hal.StatusOK}
		power += draw
		in.Demand[i] = hal.Level100
	}

	oilLPM := units.LitrePerMin(out.Pump[hal.PumpOil].Clamp() * 40)
	watLPM := units.LitrePerMin(out.Pump[hal.PumpWater].Clamp() * 25)
	count := units.LitrePerMin(float64(w.n%2) / 5.5)
	in.Flow[hal.FlowOil] = hal.Sample[units.LitrePerMin]{Value: oilLPM + count, At: now, Status: hal.StatusOK}
	in.Flow[hal.FlowWater] = hal.Sample[units.LitrePerMin]{Value: watLPM + count, At: now, Status: hal.StatusOK}

	capJPerK := w.cfg.ModuleOilL * units.OilDensityKgPerL * units.OilCpJPerKgK
	q := float64(power) - float64(units.OilRate(oilLPM))*float64(w.oilOut-w.oilIn)
	w.oilOut += units.Celsius(q / capJPerK * bgTick.Seconds())

	var f units.Celsius
	if w.n%2 == 1 {
		f = 0.0625
	}
	temps := [hal.NumTemps]units.Celsius{w.oilIn, w.oilIn, w.oilOut, 50, 40, 50, 40, 21, 5}
	for id := range in.Temp {
		in.Temp[id] = hal.Sample[units.Celsius]{Value: temps[id] + f, At: now, Status: hal.StatusOK}
	}
	in.Pressure = hal.Sample[units.Bar]{Value: 1.5 + units.Bar(float64(w.n%2)*0.001), At: now, Status: hal.StatusOK}
	in.Leak = hal.Sample[bool]{At: now, Status: hal.StatusOK}
	in.OilLow = hal.Sample[bool]{At: now, Status: hal.StatusOK}
	for p := range in.Pump {
		in.Pump[p] = hal.PumpFeedback{Power: out.Pump[p].Clamp() * 0.7, At: now, Status: hal.StatusOK}
	}
	for v := range w.valve {
		step := units.Ratio(bgTick.Seconds() / 90) // the valve's 90 s end-to-end travel
		w.valve[v] += min(max(out.Valve[v].Clamp()-w.valve[v], -step), step)
		in.Valve[v] = hal.Sample[units.Ratio]{Value: w.valve[v], At: now, Status: hal.StatusOK}
	}
	in.Fan = hal.Sample[units.Ratio]{Value: out.Fan.Clamp(), At: now, Status: hal.StatusOK}
}

func (w *bgWorld) st() safety.Status { return w.layer.Status() }

// until steps until cond holds after a step, for at most d of controller
// time, and reports whether it held.
func (w *bgWorld) until(d units.Duration, cond func() bool) bool {
	w.t.Helper()
	for end := w.clk.now().Add(d); w.clk.now() < end; {
		w.step()
		if cond() {
			return true
		}
	}
	return false
}

// bootToRunning steps the layer through self_test to running.
func (w *bgWorld) bootToRunning() {
	w.t.Helper()
	limit := units.DurationOf(w.cfg.SelfTestS + 5)
	if !w.until(limit, func() bool { return w.st().State == safety.StateRunning }) {
		w.t.Fatalf("not running after %v: %s, self-test failed %b", limit, w.st().State, w.st().SelfTest)
	}
}

// closed waits for module i's relay to close and returns when it did.
func (w *bgWorld) closed(i int) units.Time {
	w.t.Helper()
	limit := units.DurationOf(float64(len(w.nodes)*5)*w.cfg.StartStepS + 5)
	if !w.until(limit, func() bool { _, ever, _, _ := w.nodes[i].relay.state(); return ever }) {
		w.t.Fatalf("module %d's relay not closed within %v of running", i, limit)
	}
	_, _, at, _ := w.nodes[i].relay.state()
	return at
}

// checkStagger checks that module 1's relay closed one staggered start of
// module 0 (idle, 25, 50, 75, 100 %: five steps of start_step_s) after
// module 0's.
func (w *bgWorld) checkStagger(close0, close1 units.Time) {
	w.t.Helper()
	if got, want := close1.Sub(close0), units.DurationOf(5*w.cfg.StartStepS); got != want {
		w.t.Errorf("module 1's relay closed %v after module 0's, want %v (5 x start_step_s)", got, want)
	}
}

// checkRunning checks that module i runs at the level safety allows it.
func (w *bgWorld) checkRunning(i int) {
	w.t.Helper()
	st, s := w.st(), w.hub.Power(i).Status()
	if st.Isolated&(1<<i) != 0 || w.out.Module[i] != st.Cap[i] || st.Cap[i] != hal.Level100 ||
		!s.Relay || s.Status != hal.StatusOK || s.Level != hal.Level100 || w.nodes[i].board.draw() != bgFullW {
		w.t.Errorf("module %d: isolated %b, commanded %v (cap %v), hub says relay %v %v at %v, boards draw %v; want running at 100 %%",
			i, st.Isolated, w.out.Module[i], st.Cap[i], s.Relay, s.Status, s.Level, w.nodes[i].board.draw())
	}
}

// checkChannel checks that the channel carried the run: leases and reports
// over loopback, none refused, none lost to a send error, and no cut of the
// Hub's own (every cut here is the layer's).
func (w *bgWorld) checkChannel() {
	w.t.Helper()
	s := w.hub.Stats()
	var rejected uint64
	for _, r := range s.Rejected {
		rejected += r
	}
	if s.LeasesSent == 0 || s.Reports == 0 || rejected != 0 || s.SendErrors != 0 || s.Escalations != 0 || s.RelayErrors != 0 {
		w.t.Errorf("hub: %+v, want leases and reports, nothing refused, no send error, no escalation", s)
	}
	for i, n := range w.nodes {
		if a := n.agent.Stats(); a.RejectedTotal() != 0 || a.SendErrors != 0 {
			w.t.Errorf("agent %d: %+v, want nothing refused, no send error", i, a)
		}
	}
	w.t.Logf("%d ticks: %d leases sent, %d reports accepted", w.n, s.LeasesSent, s.Reports)
}

func secs(d units.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func TestBootGraceOverLoopback(t *testing.T) {
	// A board that boots for 30 s after its relay closes, its agent silent
	// meanwhile, is not cut: two minutes on it runs at the level safety
	// allows. The staggered start holds a booting module at idle (its
	// boot's draw) until its agent answers, then climbs it one step per
	// start_step_s.
	t.Run("booting 30 s is not cut", func(t *testing.T) {
		w := newBgWorld(t, 2*units.Second, 30*units.Second)
		w.bootToRunning()
		close0 := w.closed(0)
		close1 := w.closed(1)
		w.checkStagger(close0, close1)
		var firstAt units.Time
		var cmdAtAnswer hal.Level
		for end := close1.Add(2 * units.Minute); w.clk.now() < end; {
			w.step()
			if st := w.st(); st.Isolated != 0 || st.Alarms != 0 {
				t.Fatalf("tick at %s after module 1's relay closed: isolated %b, alarms %b",
					secs(w.clk.now().Add(-bgTick).Sub(close1)), st.Isolated, st.Alarms)
			}
			if s := w.hub.Power(1).Status(); firstAt == 0 && s.At != 0 {
				firstAt, cmdAtAnswer = s.At, w.out.Module[1]
			}
		}
		if got, want := firstAt.Sub(close1), 30*units.Second; got != want {
			t.Errorf("module 1 first answered %s after its relay closed, want %s", secs(got), secs(want))
		}
		if cmdAtAnswer != hal.LevelIdle {
			t.Errorf("module 1 commanded %v when it first answered, want idle (held there while it booted)", cmdAtAnswer)
		}
		w.checkRunning(0)
		w.checkRunning(1)
		w.checkChannel()
		t.Logf("module 1: relay closed %s after module 0's, first answer %s after its close, running at %v after 2 min",
			secs(close1.Sub(close0)), secs(firstAt.Sub(close1)), w.hub.Power(1).Status().Level)
	})

	// A board that never answers after its relay closes is cut once
	// boot_grace_s has passed and not before. The layer starts the grace
	// on the tick it first sees the relay closed: one tick after its
	// command, since the Hub closes the relay after SetLevel; and the rule
	// is "silent longer than", so the cut comes on the first tick past
	// boot_grace_s. Hence boot_grace_s < cut - close <= boot_grace_s + 2
	// ticks. The Hub's MissingAfter plays no part: the layer judges the
	// agent's At, which a never-heard module has at zero.
	t.Run("never answering is cut after boot_grace_s", func(t *testing.T) {
		w := newBgWorld(t, 2*units.Second, bgNever)
		w.bootToRunning()
		close0 := w.closed(0)
		close1 := w.closed(1)
		w.checkStagger(close0, close1)
		grace := units.DurationOf(w.cfg.BootGraceS)
		closeTick := w.n
		if !w.until(2*grace, func() bool { return w.st().Isolated != 0 }) {
			t.Fatalf("module 1, silent since its relay closed, not cut within %s", secs(2*grace))
		}
		cutAt, cutTicks := w.clk.now().Add(-bgTick), w.n-closeTick // the tick that cut it began at cutAt
		if st := w.st(); st.Isolated != 1<<1 || st.Alarms&safety.CauseModule.Bit() == 0 || w.out.Module[1] != hal.LevelCut {
			t.Errorf("isolated %b, alarms %b, module 1 commanded %v: want module 1 alone cut, with the module alarm",
				st.Isolated, st.Alarms, w.out.Module[1])
		}
		if got := cutAt.Sub(close1); got <= grace || got > grace+2*bgTick {
			t.Errorf("module 1 cut %s after its relay closed, want within (%s, %s]", secs(got), secs(grace), secs(grace+2*bgTick))
		}
		if closed, _, _, openedAt := w.nodes[1].relay.state(); closed || openedAt != cutAt {
			t.Errorf("module 1's relay closed %v, opened at %v: want opened by the cut at %v", closed, openedAt, cutAt)
		}
		w.until(30*units.Second, func() bool { return false })
		w.checkRunning(0)
		w.checkChannel()
		t.Logf("module 1 cut at tick %d after its relay closed (%s; boot_grace_s %v = %d ticks)",
			cutTicks, secs(cutAt.Sub(close1)), w.cfg.BootGraceS, int(grace/bgTick))
	})

	// An agent that has answered and then goes silent (its socket closed,
	// its boards still powered and drawing) is cut after silent_s from its
	// last report, not after the boot grace: silent_s < cut - last <=
	// silent_s + 1 tick.
	t.Run("silent after answering is cut after silent_s", func(t *testing.T) {
		w := newBgWorld(t, 2*units.Second, 2*units.Second)
		w.bootToRunning()
		close0 := w.closed(0)
		close1 := w.closed(1)
		w.checkStagger(close0, close1)
		w.nodes[1].killAt = close1.Add(units.DurationOf(60))
		if !w.until(units.DurationOf(61), func() bool { return w.nodes[1].dead }) {
			t.Fatal("module 1's agent not killed")
		}
		if st := w.st(); st.Isolated != 0 {
			t.Fatalf("isolated %b before the agent died", st.Isolated)
		}
		w.checkRunning(1)
		silent := units.DurationOf(w.cfg.SilentS)
		if !w.until(units.DurationOf(w.cfg.BootGraceS), func() bool { return w.st().Isolated != 0 }) {
			t.Fatalf("module 1, silent after it answered, not cut within boot_grace_s")
		}
		cutAt := w.clk.now().Add(-bgTick)
		last := w.hub.Power(1).Status().At
		if st := w.st(); st.Isolated != 1<<1 || w.out.Module[1] != hal.LevelCut {
			t.Errorf("isolated %b, module 1 commanded %v: want module 1 alone cut", st.Isolated, w.out.Module[1])
		}
		if got := cutAt.Sub(last); got <= silent || got > silent+bgTick {
			t.Errorf("module 1 cut %s after its last report, want within (%s, %s]", secs(got), secs(silent), secs(silent+bgTick))
		}
		killed := w.nodes[1].killAt
		if got := cutAt.Sub(killed); got > silent+bgTick || got <= silent-modules.DefaultAgentConfig.ReportEvery {
			t.Errorf("module 1 cut %s after its agent died, want within (%s, %s]", secs(got),
				secs(silent-modules.DefaultAgentConfig.ReportEvery), secs(silent+bgTick))
		}
		if closed, _, _, openedAt := w.nodes[1].relay.state(); closed || openedAt != cutAt {
			t.Errorf("module 1's relay closed %v, opened at %v: want opened by the cut at %v", closed, openedAt, cutAt)
		}
		w.checkRunning(0)
		w.checkChannel()
		t.Logf("module 1 cut %s after its last report, %s after its agent died (silent_s %v, boot_grace_s %v)",
			secs(cutAt.Sub(last)), secs(cutAt.Sub(killed)), w.cfg.SilentS, w.cfg.BootGraceS)
	})
}
