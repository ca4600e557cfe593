package simnet

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"

	"hearth/hal"
	"hearth/modules"
	"hearth/units"
)

// ModuleSpec is one module on the Channel: what its agent acts on and the
// relay the hub opens.
type ModuleSpec struct {
	ID    uint32        // module id; 0 takes its index + 1
	Board modules.Board // what the agent caps and shuts down
	Relay hal.Switch    // its power relay, on = closed
	// Stopped says its agent is not running at the start (its board is off):
	// Restart starts it.
	Stopped bool
}

// ChannelConfig is a Channel's world. Zero timings take the modules
// package's defaults.
type ChannelConfig struct {
	Seed  uint64     // every random choice of the network
	Start units.Time // the virtual clock at the start
	Hub   modules.HubConfig
	// Agent is every agent's timing; its identity (Module, Key, Session,
	// Controller) is the Channel's to fill.
	Agent   modules.AgentConfig
	Secret  []byte // the hub secret; nil takes a fixed one
	Modules []ModuleSpec
	// ToAgents and ToHub are the links each way, for every module.
	ToAgents, ToHub Link
	OnDeliver       func(Delivery) // called with every datagram that comes due
	KeepTrace       int            // recent events kept as text (Trace)
	Log             *slog.Logger   // the hub's and agents' log; nil discards
}

// AgentTotals sums a module's agent's counters over all its runs.
type AgentTotals struct {
	Runs                    int
	Accepted, Reports       uint64
	Rejected                [modules.NumRejects]uint64
	SendErrors, ApplyErrors uint64
}

// RejectedTotal sums the rejections.
func (t AgentTotals) RejectedTotal() uint64 {
	var n uint64
	for _, c := range t.Rejected {
		n += c
	}
	return n
}

// ChannelStats is a snapshot of every counter.
type ChannelStats struct {
	Hub    modules.HubStats
	Agents []AgentTotals
	Net    NetStats
}

type chanModule struct {
	id      uint32
	key     modules.Key
	ep      *Endpoint
	board   modules.Board  // traced
	agent   *modules.Agent // nil while stopped
	session uint64         // of the latest run; 0 before the first
	wake    units.Time     // when the agent next wants Step
	past    AgentTotals    // finished runs
}

// Channel is one modules.Hub and an Agent per module over a Net, driven by
// Step on the Net's virtual clock. Not safe for concurrent use.
type Channel struct {
	net   *Net
	hub   *modules.Hub
	hubEP *Endpoint
	hubAt units.Time // when the hub next wants Tick
	mods  []chanModule
	acfg  modules.AgentConfig
	log   *slog.Logger
}

// never is later than any event.
const never = units.Time(math.MaxInt64)

var defaultSecret = []byte("hearth simnet: a simulated hub secret, not a real one")

var hubAddr = netip.MustParseAddrPort("10.0.0.1:7700")

// HubAddr returns where the simulated controller listens.
func HubAddr() netip.AddrPort { return hubAddr }

// AgentAddr returns where the i-th module's agent listens.
func AgentAddr(i int) netip.AddrPort {
	n := i + 1
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(n >> 8), byte(n)}), 7701)
}

// NewChannel builds the network, the hub and the agents (started, unless
// their spec says Stopped) at cfg.Start. No level is commanded yet.
func NewChannel(cfg ChannelConfig) (*Channel, error) {
	if len(cfg.Modules) == 0 || len(cfg.Modules) > 1<<16-2 {
		return nil, fmt.Errorf("simnet: %d modules", len(cfg.Modules))
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	secret := cfg.Secret
	if secret == nil {
		secret = defaultSecret
	}
	c := &Channel{net: NewNet(cfg.Seed, cfg.Start, cfg.KeepTrace), acfg: cfg.Agent, log: log,
		mods: make([]chanModule, len(cfg.Modules)), hubAt: cfg.Start}
	c.net.OnDeliver(cfg.OnDeliver)
	c.hubEP = c.net.Endpoint(HubAddr())
	mcs := make([]modules.ModuleConfig, len(cfg.Modules))
	for i, spec := range cfg.Modules {
		mc, err := c.addModule(i, spec, secret, cfg)
		if err != nil {
			return nil, err
		}
		mcs[i] = mc
	}
	hub, err := modules.NewHub(cfg.Hub, mcs, c.hubEP, c.net.Now, log)
	if err != nil {
		return nil, err
	}
	c.hub = hub
	c.hubEP.Handle(func(b []byte, _ netip.AddrPort) modules.Reject {
		c.hubAt = c.net.Now() // as Run would tick next
		return hub.HandlePacket(b)
	})
	for i, spec := range cfg.Modules {
		if spec.Stopped {
			c.mods[i].ep.SetDown(true)
			continue
		}
		if err := c.Restart(i); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Channel) addModule(i int, spec ModuleSpec, secret []byte, cfg ChannelConfig) (modules.ModuleConfig, error) {
	if spec.Board == nil || spec.Relay == nil {
		return modules.ModuleConfig{}, errors.New("simnet: a module needs a board and a relay")
	}
	id := spec.ID
	if id == 0 {
		id = uint32(i + 1)
	}
	key, err := modules.ModuleKey(secret, id)
	if err != nil {
		return modules.ModuleConfig{}, err
	}
	m := &c.mods[i]
	m.id, m.key, m.ep = id, key, c.net.Endpoint(AgentAddr(i))
	m.board = tracedBoard{c: c, i: i, b: spec.Board}
	m.ep.Handle(func(b []byte, _ netip.AddrPort) modules.Reject {
		m.wake = c.net.Now() // Run steps after every datagram
		return m.agent.Handle(b)
	})
	c.net.SetLink(HubAddr(), m.ep.addr, cfg.ToAgents)
	c.net.SetLink(m.ep.addr, HubAddr(), cfg.ToHub)
	return modules.ModuleConfig{ID: id, Key: key, Addr: m.ep.addr, Relay: tracedRelay{c: c, i: i, s: spec.Relay}}, nil
}

// Now returns the virtual clock.
func (c *Channel) Now() units.Time { return c.net.Now() }

// Net returns the network, for links, partitions and injections.
func (c *Channel) Net() *Net { return c.net }

// Hub returns the controller's end.
func (c *Channel) Hub() *modules.Hub { return c.hub }

// Len returns the number of modules.
func (c *Channel) Len() int { return len(c.mods) }

// Power returns the hub's hal.ModulePower for the i-th module. A level set
// between two Steps is sent at the start of the next, at the time the clock
// stood at when it was set.
func (c *Channel) Power(i int) *modules.Power { return c.hub.Power(i) }

// Agent returns the i-th module's running agent, nil while it is stopped.
func (c *Channel) Agent(i int) *modules.Agent { return c.mods[i].agent }

// Session returns the session of the i-th agent's latest run (0: none yet).
func (c *Channel) Session(i int) uint64 { return c.mods[i].session }

// Running reports whether the i-th agent runs.
func (c *Channel) Running(i int) bool { return c.mods[i].agent != nil }

// TraceHash returns the hash of every event so far.
func (c *Channel) TraceHash() uint64 { return c.net.TraceHash() }

// Trace returns the most recent events as text (ChannelConfig.KeepTrace).
func (c *Channel) Trace() []string { return c.net.Trace() }
