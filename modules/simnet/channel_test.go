package simnet

import (
	"testing"

	"hearth/hal"
	"hearth/modules"
	"hearth/units"
)

const ms = units.Millisecond

// newTestChannel makes a channel of n modules on fresh boards and relays.
func newTestChannel(t *testing.T, n int, cfg ChannelConfig) (*Channel, []*board, []*relay) {
	t.Helper()
	boards, relays := make([]*board, n), make([]*relay, n)
	cfg.Modules = make([]ModuleSpec, n)
	for i := range n {
		boards[i], relays[i] = &board{level: hal.Level100}, &relay{}
		cfg.Modules[i] = ModuleSpec{Board: boards[i], Relay: relays[i]}
	}
	if cfg.Start == 0 {
		cfg.Start = units.Time(units.Hour)
	}
	c, err := NewChannel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, boards, relays
}

// run steps the channel every dt for d.
func run(c *Channel, d, dt units.Duration) {
	for end := c.Now().Add(d); c.Now() < end; {
		c.Step(min(c.Now().Add(dt), end))
	}
}

func TestChannelLeasesThrottlesAndCuts(t *testing.T) {
	link := Link{Delay: 2 * ms, Jitter: 3 * ms}
	c, boards, relays := newTestChannel(t, 3, ChannelConfig{Seed: 1, ToAgents: link, ToHub: link})
	for i, b := range boards {
		if b.level != hal.LevelIdle {
			t.Fatalf("agent %d started at %v, want idle", i, b.level)
		}
	}
	for i := range 3 {
		c.Power(i).SetLevel(hal.Level100)
	}
	run(c, 500*ms, 10*ms)
	for i, b := range boards {
		if l, _, ok := c.Power(i).Confirmed(); b.level != hal.Level100 || !ok || l != hal.Level100 || !relays[i].closed {
			t.Fatalf("module %d at %v, confirmed %v, relay closed %v", i, b.level, ok, relays[i].closed)
		}
	}
	c.Power(1).SetLevel(hal.Level25)
	c.Step(c.Now().Add(20 * ms))
	if boards[1].level != hal.Level25 {
		t.Fatalf("throttle not applied within 20 ms: %v", boards[1].level)
	}
	c.Power(2).SetLevel(hal.LevelCut)
	if relays[2].closed {
		t.Fatal("cut did not open the relay at once")
	}
	run(c, 10*units.Second, 100*ms)
	s := c.Stats()
	if s.Hub.Escalations != 0 || boards[0].level != hal.Level100 || boards[2].level != hal.LevelCut || boards[2].shutdowns != 1 {
		t.Fatalf("after 10 s: %+v, boards %v %v %v", s.Hub, boards[0].level, boards[1].level, boards[2].level)
	}
	if s.Net.Sent == 0 || s.Net.Delivered[Original]+uint64(c.Net().InFlight()) != s.Net.Sent {
		t.Fatalf("lossless network lost datagrams: %+v", s.Net)
	}
}

// The lease runs out on the virtual clock at exactly the instant the agent
// computed from the lease's receipt and TTL: the board idles at that
// nanosecond, not one before, and runs its shutdown exactly Grace later.
func TestLeaseExpiryIsExactOnTheVirtualClock(t *testing.T) {
	var lastLease units.Time
	cfg := ChannelConfig{Seed: 7, ToAgents: Link{Delay: 3 * ms}, ToHub: Link{Delay: 3 * ms},
		Agent: modules.AgentConfig{Grace: 20 * units.Second}}
	cfg.OnDeliver = func(d Delivery) {
		if d.To == AgentAddr(0) && d.Result == modules.Accepted {
			lastLease = d.At
		}
	}
	c, boards, _ := newTestChannel(t, 1, cfg)
	c.Power(0).SetLevel(hal.Level75)
	run(c, 10*units.Second, 100*ms)
	c.Net().Partition(AgentAddr(0), HubAddr(), c.Now().Add(units.Hour))
	cut := c.Now()
	expiry := lastLease.Add(modules.DefaultHubConfig.TTL)
	if expiry <= cut || expiry > cut.Add(modules.DefaultHubConfig.TTL) {
		t.Fatalf("last lease at %v, partition at %v", lastLease, cut)
	}
	c.Step(expiry - 1)
	if boards[0].level != hal.Level75 || !c.Agent(0).Stats().Leased {
		t.Fatalf("1 ns before the lease ends: %v", boards[0].level)
	}
	c.Step(expiry)
	if s := c.Agent(0).Stats(); boards[0].level != hal.LevelIdle || s.Leased || !s.Expired {
		t.Fatalf("at the lease's end: board %v, %+v", boards[0].level, s)
	}
	grace := expiry.Add(cfg.Agent.Grace)
	c.Step(grace - 1)
	if boards[0].shutdowns != 0 {
		t.Fatal("shutdown before the grace period ended")
	}
	c.Step(grace)
	if boards[0].shutdowns != 1 || boards[0].level != hal.LevelOff {
		t.Fatalf("at the end of the grace period: %d shutdowns, board %v", boards[0].shutdowns, boards[0].level)
	}
	if st := c.Power(0).Status(); st.Status != hal.StatusMissing {
		t.Fatalf("hub still hears a partitioned module: %+v", st)
	}
}

// An agent restarted mid-run takes the next session from the channel's
// counter, starts idle, refuses what its previous run was sent, and the hub
// follows it; a stopped agent is deaf until it runs again.
func TestChannelRestartAndStop(t *testing.T) {
	var replays []modules.Reject
	cfg := ChannelConfig{Seed: 3, ToAgents: Link{Delay: ms}, ToHub: Link{Delay: ms}}
	cfg.OnDeliver = func(d Delivery) {
		if d.How == Replay {
			replays = append(replays, d.Result)
		}
	}
	c, boards, _ := newTestChannel(t, 2, cfg)
	var _ hal.ModulePower = c.Power(0)
	c.Power(0).SetLevel(hal.Level100)
	c.Power(1).SetLevel(hal.Level50)
	run(c, units.Second, 10*ms)
	if err := c.Restart(0); err != nil {
		t.Fatal(err)
	}
	if c.Session(0) != 2 || boards[0].level != hal.LevelIdle {
		t.Fatalf("restarted agent: session %d, board at %v", c.Session(0), boards[0].level)
	}
	if !c.Net().Replay(AgentAddr(0), 0) {
		t.Fatal("nothing to replay")
	}
	run(c, units.Second, 10*ms)
	if len(replays) != 1 || replays[0] != modules.WrongSession || boards[0].level != hal.Level100 {
		t.Fatalf("replays %v, board at %v", replays, boards[0].level)
	}
	c.Stop(1)
	run(c, 5*units.Second, 100*ms)
	if c.Running(1) || c.Agent(1) != nil || c.Power(1).Status().Status != hal.StatusMissing || c.Net().Stats().Unheard == 0 {
		t.Fatalf("stopped agent: running %v, status %v", c.Running(1), c.Power(1).Status())
	}
	if err := c.Restart(1); err != nil {
		t.Fatal(err)
	}
	run(c, units.Second, 10*ms)
	s := c.Stats()
	if boards[1].level != hal.Level50 || s.Agents[0].Runs != 2 || s.Agents[1].Runs != 2 || s.Agents[0].Rejected[modules.WrongSession] == 0 {
		t.Fatalf("after the restarts: board %v, %+v", boards[1].level, s.Agents)
	}
}

// One seed gives one trace; another seed another.
func TestChannelIsDeterministic(t *testing.T) {
	hash := func(seed uint64) uint64 {
		link := Link{Loss: 0.2, Delay: ms, Jitter: 20 * ms, Duplicate: 0.05, Reorder: 0.1, ReorderBy: 50 * ms}
		c, _, _ := newTestChannel(t, 3, ChannelConfig{Seed: seed, ToAgents: link, ToHub: link})
		for i := range 3 {
			c.Power(i).SetLevel(hal.Level100)
		}
		run(c, 10*units.Second, 50*ms)
		c.Power(1).SetLevel(hal.Level25)
		run(c, 10*units.Second, 50*ms)
		return c.TraceHash()
	}
	if a, b := hash(5), hash(5); a != b {
		t.Fatalf("seed 5 gave traces %x and %x", a, b)
	}
	if hash(5) == hash(6) {
		t.Fatal("seeds 5 and 6 gave one trace")
	}
}
