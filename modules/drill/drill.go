// Package drill runs the module channel's shed-then-trip drill: N agents on
// loopback in this process, each with its own UDP socket and simulated
// cpufreq tree, against a real Hub, with seeded datagram loss in both
// directions and an attacker that sends every agent forged, cross-module and
// replayed leases (and the controller forged reports).
//
// It measures what an engineer needs before trusting the channel to shed heat:
// how long until every agent confirmed (and applied) the throttle and the trip,
// how much was lost, and how many attacks the agents themselves rejected. The
// numbers come from the code under test (the Hub's acknowledgement times, the
// agents' counters, the boards' cpufreq writes), never from assumptions.
//
// The drill's relays are fakes that record when they opened but leave the
// agents running, as a welded relay would: so every agent can confirm the
// trip, which exercises the agent's own response to a hard cut.
package drill

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"hearth/hal"
	"hearth/modules"
	"hearth/units"
)

// Config is one drill.
type Config struct {
	Agents int     // agents on loopback
	Loss   float64 // probability of dropping each datagram, each direction
	Seed   uint64  // seeds the loss: the same seed drops the same datagrams
	// Shed is the throttle level of the first command; LevelCut is the trip.
	Shed hal.Level
	// PhaseTimeout bounds every phase; an agent that has not confirmed by
	// then is counted unconfirmed.
	PhaseTimeout time.Duration
	CPUs         int    // CPUs in each simulated cpufreq tree
	Dir          string // where the trees go; a temp dir (removed after) if empty
	Hub          modules.HubConfig
	Log          *slog.Logger // progress; nil for none
}

// Result is the drill's report. JSON field names are a contract.
type Result struct {
	Agents    int     `json:"agents"`
	Loss      float64 `json:"loss"`
	Seed      uint64  `json:"seed"`
	ShedLevel string  `json:"shed_level"`

	SetupMs float64 `json:"setup_ms"` // every agent leased at 100 %

	// Throttle: from SetLevel(Shed) on every module to the last
	// acknowledgement at that level (confirmed), or the last cpufreq write
	// (applied). Null when some agent never confirmed.
	ThrottleAllMs        *float64 `json:"throttle_all_ms"`
	ThrottleP50Ms        float64  `json:"throttle_p50_ms"`
	ThrottleP99Ms        float64  `json:"throttle_p99_ms"`
	ThrottleAppliedAllMs *float64 `json:"throttle_applied_all_ms"`
	ThrottleUnconfirmed  int      `json:"throttle_unconfirmed"`

	// Kill (the trip, LevelCut): likewise, plus the relays.
	KillAllMs        *float64 `json:"kill_all_ms"`
	KillP50Ms        float64  `json:"kill_p50_ms"`
	KillP99Ms        float64  `json:"kill_p99_ms"`
	KillAppliedAllMs *float64 `json:"kill_applied_all_ms"`
	RelayOpenAllMs   float64  `json:"relay_open_all_ms"`
	KillUnconfirmed  int      `json:"kill_unconfirmed"`

	// Unconfirmed counts agents that missed any phase.
	Unconfirmed int `json:"unconfirmed"`

	// Attacks on the agents, counted by the agents themselves.
	ForgeriesSent       int `json:"forgeries_sent"`
	ForgedRejected      int `json:"forged_rejected"`       // bad MAC, or signed with another module's key
	CrossModuleRejected int `json:"cross_module_rejected"` // addressed to another module
	ReplayedRejected    int `json:"replayed_rejected"`     // replayed or stale counter
	AttacksEffective    int `json:"attacks_effective"`     // agents that ran above the shed level meanwhile
	// Forged reports to the controller, counted by the Hub.
	ControllerForgeriesSent  int `json:"controller_forgeries_sent"`
	ControllerForgedRejected int `json:"controller_forged_rejected"`

	SentToAgents     uint64 `json:"sent_to_agents"`
	LostToAgent      uint64 `json:"lost_to_agent"`
	SentToController uint64 `json:"sent_to_controller"`
	LostToController uint64 `json:"lost_to_controller"`
	Retransmits      uint64 `json:"retransmits"`
	Escalations      uint64 `json:"escalations"`
}

// OK reports whether every agent confirmed every command and no attack had
// any effect.
func (r *Result) OK() bool {
	return r.Unconfirmed == 0 && r.AttacksEffective == 0 &&
		r.ForgedRejected+r.CrossModuleRejected+r.ReplayedRejected == r.ForgeriesSent &&
		r.ControllerForgedRejected == r.ControllerForgeriesSent
}

// MaxAgents bounds a drill: one socket and one goroutine each.
const MaxAgents = 4096

// attacksPerAgent is how many hostile leases each agent receives.
const attacksPerAgent = 5

// Run runs one drill.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.fill(); err != nil {
		return Result{}, err
	}
	d, err := setUp(cfg)
	if err != nil {
		return Result{}, err
	}
	defer d.tearDown()
	return d.run(ctx)
}

// Validate reports whether c describes a drill that can run.
func (c Config) Validate() error { return c.fill() }

func (c *Config) fill() error {
	switch {
	case c.Agents < 1 || c.Agents > MaxAgents:
		return fmt.Errorf("drill: %d agents: want 1..%d", c.Agents, MaxAgents)
	case !(c.Loss >= 0 && c.Loss < 1):
		return fmt.Errorf("drill: loss %v: want 0 <= loss < 1", c.Loss)
	case c.Shed < hal.LevelIdle || c.Shed >= hal.Level100:
		if c.Shed == 0 {
			c.Shed = hal.Level25
			break
		}
		return fmt.Errorf("drill: shed level %v: want idle..75%%", c.Shed)
	}
	if c.PhaseTimeout <= 0 {
		c.PhaseTimeout = 10 * time.Second
	}
	if c.CPUs <= 0 {
		c.CPUs = 4
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// simBoard is a SysfsBoard on a temp tree that records, for the drill, when
// each level was first applied and the highest level applied since a mark.
type simBoard struct {
	*modules.SysfsBoard
	now        func() units.Time
	appliedAt  [hal.NumLevels]atomic.Int64 // first Apply of each level since reset; 0 = not yet
	maxSince   atomic.Int32
	shutdownAt atomic.Int64
}

func (b *simBoard) Apply(l hal.Level) error {
	if err := b.SysfsBoard.Apply(l); err != nil {
		return err
	}
	b.appliedAt[l].CompareAndSwap(0, int64(b.now()))
	for {
		m := b.maxSince.Load()
		if int32(l) <= m || b.maxSince.CompareAndSwap(m, int32(l)) {
			return nil
		}
	}
}

func (b *simBoard) Shutdown() error {
	b.shutdownAt.CompareAndSwap(0, int64(b.now()))
	return nil
}

// simRelay records when it opened; the agent keeps running (a welded relay).
type simRelay struct {
	now      func() units.Time
	openedAt atomic.Int64
}

func (r *simRelay) Set(on bool) error {
	if !on {
		r.openedAt.CompareAndSwap(0, int64(r.now()))
	}
	return nil
}

// capture keeps the first and the last few leases the Hub sent to each
// agent, for the attacker to replay.
type capture struct {
	modules.PacketConn
	idx   map[netip.AddrPort]int // read only
	mu    sync.Mutex
	first [][modules.MsgSize]byte
	ring  [][8][modules.MsgSize]byte
	n     []int
}

func (c *capture) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	if i, ok := c.idx[addr]; ok {
		c.mu.Lock()
		if c.n[i] == 0 {
			copy(c.first[i][:], b)
		}
		copy(c.ring[i][c.n[i]%8][:], b)
		c.n[i]++
		c.mu.Unlock()
	}
	return c.PacketConn.WriteToUDPAddrPort(b, addr)
}

// replay returns the lease sent to agent i with counter last (the one the
// agent accepted last: an exact replay) if it is still kept, or else the
// first lease ever sent to it (a stale one). Never a lease the agent has not
// seen yet: delivering that late would be no attack.
func (c *capture) replay(i int, last uint64) [modules.MsgSize]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range c.ring[i][:min(c.n[i], len(c.ring[i]))] {
		if counterOf(b[:]) == last {
			return b
		}
	}
	return c.first[i]
}

// firstLease returns the first lease ever sent to agent i.
func (c *capture) firstLease(i int) [modules.MsgSize]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.first[i]
}

func counterOf(b []byte) uint64 {
	var v uint64
	for _, x := range b[8:16] {
		v = v<<8 | uint64(x)
	}
	return v
}

type drill struct {
	cfg      Config
	start    time.Time
	secret   []byte
	dir      string
	ownDir   bool
	ctrl     *modules.LossyConn
	ctrlAddr netip.AddrPort
	cap      *capture
	hub      *modules.Hub
	agents   []*modules.Agent
	aconns   []*modules.LossyConn
	closers  []io.Closer
	boards   []*simBoard
	relays   []*simRelay
	keys     []modules.Key
	sessions []uint64
	addrs    []netip.AddrPort
}

func (d *drill) now() units.Time { return units.Time(time.Since(d.start)) }

func setUp(cfg Config) (d *drill, err error) {
	d = &drill{cfg: cfg, start: time.Now(), secret: modules.NewHubSecret(), dir: cfg.Dir}
	defer func() {
		if err != nil {
			d.tearDown()
		}
	}()
	if d.dir == "" {
		if d.dir, err = os.MkdirTemp(scratch(), "hearth-drill-"); err != nil {
			return d, err
		}
		d.ownDir = true
	}
	cu, err := modules.ListenUDP("127.0.0.1:0")
	if err != nil {
		return d, err
	}
	d.closers = append(d.closers, cu)
	d.cap = &capture{PacketConn: cu, idx: map[netip.AddrPort]int{}, first: make([][modules.MsgSize]byte, cfg.Agents),
		ring: make([][8][modules.MsgSize]byte, cfg.Agents), n: make([]int, cfg.Agents)}
	d.ctrl = modules.NewLossyConn(d.cap, cfg.Loss, cfg.Seed)
	d.ctrlAddr = cu.LocalAddr().(*net.UDPAddr).AddrPort()

	const session = 1 // fresh agents and a fresh hub: any sessions do, they need not be unix times
	mods := make([]modules.ModuleConfig, cfg.Agents)
	for i := range cfg.Agents {
		id := uint32(i + 1)
		root := filepath.Join(d.dir, "agent-"+strconv.Itoa(int(id)))
		if err := modules.FakeSysfs(root, cfg.CPUs, 600000, 2400000, 45); err != nil {
			return d, err
		}
		sb, err := modules.OpenSysfs(modules.SysfsConfig{Root: root, IdlePower: 3, FullPower: 7})
		if err != nil {
			return d, err
		}
		board := &simBoard{SysfsBoard: sb, now: d.now}
		key, err := modules.ModuleKey(d.secret, id)
		if err != nil {
			return d, err
		}
		au, err := modules.ListenUDP("127.0.0.1:0")
		if err != nil {
			return d, fmt.Errorf("drill: agent %d socket: %w", id, err)
		}
		d.closers = append(d.closers, au)
		addr := au.LocalAddr().(*net.UDPAddr).AddrPort()
		// Each agent's loss has its own stream, derived from the seed.
		aconn := modules.NewLossyConn(au, cfg.Loss, cfg.Seed^(uint64(id)*0x9e3779b97f4a7c15))
		a, err := modules.NewAgent(modules.AgentConfig{
			Module: id, Key: key, Session: session + uint64(i), Controller: d.ctrlAddr,
			Grace: units.Duration(time.Hour), // the drill is about the channel, not the grace period
		}, aconn, board, d.now, nil)
		if err != nil {
			return d, err
		}
		relay := &simRelay{now: d.now}
		mods[i] = modules.ModuleConfig{ID: id, Key: key, Addr: addr, Relay: relay}
		d.cap.idx[addr] = i
		d.agents, d.aconns, d.boards, d.relays = append(d.agents, a), append(d.aconns, aconn), append(d.boards, board), append(d.relays, relay)
		d.keys, d.sessions, d.addrs = append(d.keys, key), append(d.sessions, session+uint64(i)), append(d.addrs, addr)
	}
	d.hub, err = modules.NewHub(cfg.Hub, mods, d.ctrl, d.now, nil)
	return d, err
}

func (d *drill) tearDown() {
	for _, c := range d.closers {
		c.Close()
	}
	if d.ownDir {
		os.RemoveAll(d.dir)
	}
}

func (d *drill) run(parent context.Context) (Result, error) {
	cfg := d.cfg
	res := Result{Agents: cfg.Agents, Loss: cfg.Loss, Seed: cfg.Seed, ShedLevel: cfg.Shed.String()}
	ctx, cancel := context.WithCancel(parent)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	wg.Go(func() { d.hub.Run(ctx) })
	for _, a := range d.agents {
		wg.Go(func() { a.Run(ctx) })
	}

	// Lease everyone at 100 %.
	t0 := d.now()
	if _, missing := d.command(ctx, hal.Level100); missing > 0 {
		return res, fmt.Errorf("drill: %d of %d agents never took a lease at 100 %% within %v", missing, cfg.Agents, cfg.PhaseTimeout)
	}
	res.SetupMs = ms(d.now().Sub(t0))
	cfg.Log.Info("drill: every agent leased at 100 %", "agents", cfg.Agents, "ms", res.SetupMs)

	// Shed.
	tShed := d.now()
	shed, missing := d.command(ctx, cfg.Shed)
	res.ThrottleUnconfirmed = missing
	res.ThrottleAllMs, res.ThrottleP50Ms, res.ThrottleP99Ms = summarise(shed, missing)
	res.ThrottleAppliedAllMs = d.applied(cfg.Shed, tShed)
	cfg.Log.Info("drill: shed", "level", cfg.Shed, "all_ms", orNone(res.ThrottleAllMs), "unconfirmed", missing)

	// Attack while shed: nothing may raise an agent above the shed level.
	if err := d.attack(ctx, &res); err != nil {
		return res, err
	}
	cfg.Log.Info("drill: attacks", "sent", res.ForgeriesSent, "forged_rejected", res.ForgedRejected,
		"cross_module_rejected", res.CrossModuleRejected, "replayed_rejected", res.ReplayedRejected,
		"effective", res.AttacksEffective)

	// Trip.
	tKill := d.now()
	kill, missing := d.command(ctx, hal.LevelCut)
	res.KillUnconfirmed = missing
	res.KillAllMs, res.KillP50Ms, res.KillP99Ms = summarise(kill, missing)
	res.KillAppliedAllMs = d.applied(hal.LevelCut, tKill)
	for _, r := range d.relays {
		res.RelayOpenAllMs = max(res.RelayOpenAllMs, ms(units.Time(r.openedAt.Load()).Sub(tKill)))
	}
	cfg.Log.Info("drill: trip", "all_ms", orNone(res.KillAllMs), "unconfirmed", missing)

	for i := range d.agents {
		if shed[i] < 0 || kill[i] < 0 {
			res.Unconfirmed++
		}
	}

	for _, c := range d.aconns {
		s, l := c.Counts()
		res.SentToController += s
		res.LostToController += l
	}
	res.SentToAgents, res.LostToAgent = d.ctrl.Counts()
	hs := d.hub.Stats()
	res.Retransmits, res.Escalations = hs.Retransmits, hs.Escalations
	return res, ctx.Err()
}

// command sets every module to l and waits until each has confirmed it or
// the phase times out. It returns each module's latency (-1 if unconfirmed).
func (d *drill) command(ctx context.Context, l hal.Level) (lat []units.Duration, missing int) {
	for _, b := range d.boards {
		b.appliedAt[l].Store(0)
	}
	t0 := d.now()
	for i := range d.agents {
		if err := d.hub.Power(i).SetLevel(l); err != nil {
			d.cfg.Log.Error("drill: SetLevel", "module", i+1, "err", err)
		}
	}
	lat = make([]units.Duration, len(d.agents))
	deadline := time.Now().Add(d.cfg.PhaseTimeout)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		missing = 0
		for i := range d.agents {
			if _, at, ok := d.hub.Power(i).Confirmed(); ok {
				lat[i] = at.Sub(t0)
			} else {
				lat[i] = -1
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return lat, missing
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
}

// applied returns how long after t0 the last board applied l, or nil if one
// never did.
func (d *drill) applied(l hal.Level, t0 units.Time) *float64 {
	var last units.Duration
	for _, b := range d.boards {
		at := b.appliedAt[l].Load()
		if at == 0 {
			return nil
		}
		last = max(last, units.Time(at).Sub(t0))
	}
	v := ms(last)
	return &v
}

// attack sends every agent five hostile leases asking for 100 %, and the
// controller one forged report per module claiming it is cut, then counts
// what the agents and the Hub rejected.
func (d *drill) attack(ctx context.Context, res *Result) error {
	au, err := modules.ListenUDP("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer au.Close()
	before := make([]modules.AgentStats, len(d.agents))
	for i, a := range d.agents {
		before[i] = a.Stats()
		d.boards[i].maxSince.Store(int32(hal.LevelCut))
	}
	hubBefore := d.hub.Stats()
	var rogue modules.Key // an attacker without any key guesses one
	copy(rogue[:], modules.NewHubSecret())
	for i := range d.agents {
		if err := d.attackAgent(au, i, rogue, before[i], res); err != nil {
			return err
		}
	}
	d.awaitRejections(ctx, before, hubBefore, res.ControllerForgeriesSent)
	d.countRejections(before, hubBefore, res)
	return nil
}

// attackAgent sends agent i its five hostile leases (three forged, two
// replays) and the controller one report forged by its neighbour claiming
// that i is cut.
func (d *drill) attackAgent(au *net.UDPConn, i int, rogue modules.Key, before modules.AgentStats, res *Result) error {
	n := len(d.agents)
	id := uint32(i + 1)
	nb := uint32((i+1)%n + 1) // the neighbour: a compromised module next door
	if n == 1 {
		nb = id + 1
	}
	nbKey, err := modules.ModuleKey(d.secret, nb)
	if err != nil {
		return err
	}
	var b [modules.MsgSize]byte
	send := func(addr netip.AddrPort) error {
		_, err := au.WriteToUDPAddrPort(b[:], addr)
		return err
	}
	high := before.LastAccepted + 1<<20 // far ahead: only the MAC can stop it
	leases := []struct {
		key modules.Key
		l   modules.Lease
	}{
		{rogue, modules.Lease{Module: id, Counter: high, Session: d.sessions[i], Level: hal.Level100, TTL: 10 * units.Second}},
		{nbKey, modules.Lease{Module: id, Counter: high, Session: d.sessions[i], Level: hal.Level100, TTL: 10 * units.Second}},
		{nbKey, modules.Lease{Module: nb, Counter: high, Session: d.sessions[i], Level: hal.Level100, TTL: 10 * units.Second}},
	}
	for _, x := range leases {
		modules.SignLease(&b, x.key, x.l)
		if err := send(d.addrs[i]); err != nil {
			return err
		}
	}
	// Two replays of genuine leases: the last one the agent accepted, and
	// the first (a 100 % lease) it was ever sent.
	b = d.cap.replay(i, before.LastAccepted)
	if err := send(d.addrs[i]); err != nil {
		return err
	}
	b = d.cap.firstLease(i)
	if err := send(d.addrs[i]); err != nil {
		return err
	}
	res.ForgeriesSent += attacksPerAgent
	// The neighbour tells the controller that this module is cut.
	modules.SignReport(&b, nbKey, modules.Report{Module: id, Counter: math.MaxUint64, Session: d.sessions[i],
		Level: hal.LevelCut, Ack: math.MaxUint64})
	if err := send(d.ctrlAddr); err != nil {
		return err
	}
	res.ControllerForgeriesSent++
	return nil
}

// awaitRejections waits, within the phase timeout, until every agent has
// rejected its five and the Hub the forged reports.
func (d *drill) awaitRejections(ctx context.Context, before []modules.AgentStats, hubBefore modules.HubStats, forged int) {
	deadline := time.Now().Add(d.cfg.PhaseTimeout)
	for {
		hs := d.hub.Stats()
		done := hs.Rejected[modules.Forged]-hubBefore.Rejected[modules.Forged] >= uint64(forged)
		for i, a := range d.agents {
			if !done {
				break
			}
			if a.Stats().RejectedTotal()-before[i].RejectedTotal() < attacksPerAgent {
				done = false
			}
		}
		if done || time.Now().After(deadline) || ctx.Err() != nil {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// countRejections counts what the agents and the Hub rejected, and every
// attack that took effect: an agent that ran above the shed level, or a
// module the controller believed cut.
func (d *drill) countRejections(before []modules.AgentStats, hubBefore modules.HubStats, res *Result) {
	for i, a := range d.agents {
		s := a.Stats()
		delta := func(r modules.Reject) int { return int(s.Rejected[r] - before[i].Rejected[r]) }
		res.ForgedRejected += delta(modules.Forged)
		res.CrossModuleRejected += delta(modules.WrongModule)
		res.ReplayedRejected += delta(modules.Replayed) + delta(modules.Stale) + delta(modules.WrongSession)
		if hal.Level(d.boards[i].maxSince.Load()) > d.cfg.Shed || s.Lease > d.cfg.Shed {
			res.AttacksEffective++
		}
	}
	hs := d.hub.Stats()
	res.ControllerForgedRejected = int(hs.Rejected[modules.Forged] - hubBefore.Rejected[modules.Forged])
	for i := range d.agents {
		if st := d.hub.Power(i).Status(); st.Level == hal.LevelCut {
			res.AttacksEffective++ // the controller believed a forged report
		}
	}
}

// scratch is where the simulated sysfs trees go by default: tmpfs if there is
// one, since a drill writes thousands of small files against a clock.
func scratch() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		return "/dev/shm"
	}
	return os.TempDir()
}

func orNone(v *float64) any {
	if v == nil {
		return "none"
	}
	return *v
}

func ms(d units.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }

// summarise returns the max (nil if any missing), p50 and p99 of lat in ms.
func summarise(lat []units.Duration, missing int) (all *float64, p50, p99 float64) {
	ok := make([]units.Duration, 0, len(lat))
	for _, l := range lat {
		if l >= 0 {
			ok = append(ok, l)
		}
	}
	if len(ok) == 0 {
		return nil, 0, 0
	}
	slices.Sort(ok)
	q := func(p float64) float64 { return ms(ok[min(len(ok)-1, int(math.Ceil(p*float64(len(ok))))-1)]) }
	if missing == 0 {
		v := ms(ok[len(ok)-1])
		all = &v
	}
	return all, q(0.5), q(0.99)
}
