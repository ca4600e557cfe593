package hil

import (
	"fmt"
	"net/netip"

	"hearth/hal"
	"hearth/hil/plant"
	"hearth/modules"
	"hearth/modules/simnet"
	"hearth/units"
)

// ChannelFile is a scenario's [channel] table: the run's modules are driven
// through the real module channel (modules.Hub and an agent per module) over
// a simulated network on the run's virtual clock (modules/simnet), instead
// of straight from the controller. Lease expiry, loss, delay and partitions
// are then the real code's, deterministically for the seed.
type ChannelFile struct {
	Loss   float64        `toml:"loss"`   // share of datagrams lost, each way (0..0.5)
	Delay  units.Duration `toml:"delay"`  // one way
	Jitter units.Duration `toml:"jitter"` // added to the delay, uniform
	// Partitions cut one module's agent off the controller for a while.
	Partitions []PartitionFile `toml:"partition"`
}

// PartitionFile is one partition: module (0-based) unreachable from at for
// a while.
type PartitionFile struct {
	Module int            `toml:"module"`
	At     units.Duration `toml:"at"`
	For    units.Duration `toml:"for"`
}

func (c *ChannelFile) validate(modules int) error {
	if c.Loss < 0 || c.Loss > 0.5 {
		return fmt.Errorf("channel.loss %v: want 0..0.5", c.Loss)
	}
	for _, p := range c.Partitions {
		if p.Module < 0 || p.Module >= modules || p.For <= 0 {
			return fmt.Errorf("channel.partition: module %d for %v: want a module 0..%d and a positive for", p.Module, p.For, modules-1)
		}
	}
	return nil
}

// channel is a run's module channel: the simnet Channel and the plant's
// modules as its boards and relays.
type channel struct {
	ch    *simnet.Channel
	pl    *plant.Plant
	parts []PartitionFile
	next  int
}

// newChannel wires the plant's modules through a Channel. The plant's
// modules keep no lease of their own (the agents do), and the hub, not the
// module, opens a relay when a graceful shutdown has had its time.
func newChannel(cf *ChannelFile, pl *plant.Plant, seed uint64) (*channel, error) {
	if err := cf.validate(pl.P.Modules); err != nil {
		return nil, err
	}
	c := &channel{pl: pl, parts: cf.Partitions}
	specs := make([]simnet.ModuleSpec, pl.P.Modules)
	for i := range specs {
		m := &pl.Modules[i]
		m.Lease, m.OffDeadline = 0, 1<<62
		specs[i] = simnet.ModuleSpec{Board: plantBoard{pl, i}, Relay: plantRelay{pl, i}, Stopped: !m.Answering()}
	}
	link := simnet.Link{Loss: cf.Loss, Delay: cf.Delay, Jitter: cf.Jitter}
	hub := modules.HubConfig{OffDeadline: units.DurationOf(pl.P.OffDeadlineS)}
	ch, err := simnet.NewChannel(simnet.ChannelConfig{Seed: seed ^ 0x6368616e6e656c, Start: pl.Now, Hub: hub,
		Modules: specs, ToAgents: link, ToHub: link})
	if err != nil {
		return nil, err
	}
	c.ch = ch
	return c, nil
}

// devices puts the hub's module power, with each module's feed meter, in
// place of the plant's modules.
func (c *channel) devices(d *hal.Devices) {
	for i := range d.Modules {
		d.Modules[i] = hal.MeteredModule{ModulePower: c.ch.Power(i), Meter: plantFeed{c.pl, i}}
	}
}

// step runs the channel to now: partitions that begin, agents that start
// with their boards (a new session each boot) or stop with their power,
// then every datagram, hub tick and agent step due. While the controller is
// down its hub is cut off from every agent (its state is not lost with it:
// the bench does not model a restarted hub).
func (c *channel) step(now units.Time, ctlDown bool) {
	if ctlDown {
		c.ch.Net().Partition(simnet.HubAddr(), netip.AddrPort{}, now.Add(Tick))
	}
	for c.next < len(c.parts) && c.parts[c.next].At <= units.Duration(now) {
		p := c.parts[c.next]
		c.ch.Net().Partition(simnet.AgentAddr(p.Module), simnet.HubAddr(), now.Add(p.For))
		c.next++
	}
	for i := 0; i < c.pl.P.Modules; i++ {
		m := &c.pl.Modules[i]
		switch {
		case m.Answering() && !c.ch.Running(i):
			_ = c.ch.Restart(i) // sessions count up from 1: cannot run out in a run
		case !m.Powered() && c.ch.Running(i):
			c.ch.Stop(i)
		}
	}
	c.ch.Step(now)
}

// plantBoard is a plant module's boards, as its agent drives them.
type plantBoard struct {
	pl *plant.Plant
	i  int
}

func (b plantBoard) Apply(l hal.Level) error {
	if m := &b.pl.Modules[b.i]; m.Status().Relay {
		_ = m.SetLevel(max(l, hal.LevelIdle))
	}
	return nil
}

func (b plantBoard) Shutdown() error {
	if m := &b.pl.Modules[b.i]; m.Status().Relay {
		_ = m.SetLevel(hal.LevelOff)
	}
	return nil
}

func (b plantBoard) Measure() (units.Watt, units.Celsius) {
	m := &b.pl.Modules[b.i]
	return m.Power(), m.SoCC
}

// plantRelay is a plant module's power relay, as the hub drives it.
type plantRelay struct {
	pl *plant.Plant
	i  int
}

func (r plantRelay) Set(on bool) error {
	m := &r.pl.Modules[r.i]
	switch {
	case !on:
		return m.SetLevel(hal.LevelCut)
	case !m.Status().Relay:
		return m.SetLevel(hal.LevelIdle)
	}
	return nil
}

// plantFeed is a plant module's feed meter.
type plantFeed struct {
	pl *plant.Plant
	i  int
}

func (f plantFeed) Feed() hal.Sample[units.Watt] { return f.pl.Modules[f.i].Status().Feed }

// ChannelResult is a run's module channel in figures. Field names are a
// contract, like Result's.
type ChannelResult struct {
	Sent        uint64 `json:"datagrams_sent"`
	Lost        uint64 `json:"datagrams_lost"`
	Partitioned uint64 `json:"datagrams_partitioned"`
	Retransmits uint64 `json:"retransmits"`
	Reports     uint64 `json:"reports_accepted"`
	HubRejected uint64 `json:"hub_rejected"`
	AgentRuns   int    `json:"agent_runs"`
	Accepted    uint64 `json:"leases_accepted"`
	Rejected    uint64 `json:"agent_rejected"`
	Escalations uint64 `json:"escalations"`
	TraceHash   string `json:"trace_hash"`
}

func (c *channel) result() *ChannelResult {
	st := c.ch.Stats()
	r := &ChannelResult{Sent: st.Net.Sent, Lost: st.Net.Lost, Partitioned: st.Net.Partitioned,
		Retransmits: st.Hub.Retransmits, Reports: st.Hub.Reports, Escalations: st.Hub.Escalations,
		TraceHash: fmt.Sprintf("%016x", c.ch.TraceHash())}
	for _, n := range st.Hub.Rejected {
		r.HubRejected += n
	}
	for _, a := range st.Agents {
		r.AgentRuns += a.Runs
		r.Accepted += a.Accepted
		r.Rejected += a.RejectedTotal()
	}
	return r
}
