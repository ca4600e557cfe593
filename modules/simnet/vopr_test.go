package simnet

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"hearth/modules"
	"hearth/units"
)

// VOPR: for many seeds, a Channel of 2 to 5 modules whose links draw their
// loss (up to 30 % each way), delay, jitter, duplication and reordering from
// the seed, and whose lease TTL and grace period are drawn too, runs three
// simulated minutes of random commands (cut to 100 %, held for seconds or
// past every deadline), escalation resets, partitions (some past the lease
// and the grace period), agent crashes and hangs, power cycles through the
// relays with boots past the boot grace, cpufreq refusing writes, and an
// attacker replaying and forging what the agents and the hub received
// (right after a restart too: cross-session). After every 50 ms step the
// invariants of oracle_test.go must hold:
//
//	(a) a board never runs above the lease its agent holds, idles the
//	    instant it ends, and is shut down once the grace period has passed
//	    without one (the dead man's switch);
//	(b) every duplicate, replay and forgery delivered is rejected, and every
//	    rejection is in the receiver's counters, reason by reason;
//	(c) a cut module's relay is open; an off module's relay opens by its
//	    deadline; a board above its command on a closed relay is cut by the
//	    deadline of what the hub knows; no escalation before its deadline;
//	(d) every seed runs twice and gives the same trace hash.
//
// 200 seeds take about 3 s; 20 with -short, and 50 under the race detector,
// which slows them about thirteenfold. A failure prints its seed, a command
// that runs it alone, and the last events of its trace.

var (
	seedFlag  = flag.Uint64("seed", 0, "TestVOPR: run this seed only")
	seedsFlag = flag.Int("seeds", 0, "TestVOPR: how many seeds (default 200; 20 with -short, 50 with -race)")
)

const (
	voprStep = 50 * units.Millisecond
	voprFor  = 3 * units.Minute
)

type figures struct {
	seeds, steps                 int
	simulated                    units.Duration
	commands, resets, partitions int
	runs, crashes, injections    int
	stuck                        int
	delivered                    [NumInjections]uint64
	injectedRejected             uint64
	agentRejects, hubRejects     [modules.NumRejects]uint64
	sent, lost, duplicated       uint64
	escalations                  uint64
}

func (f *figures) add(g figures) {
	f.seeds += g.seeds
	f.steps += g.steps
	f.simulated += g.simulated
	f.commands, f.resets, f.partitions = f.commands+g.commands, f.resets+g.resets, f.partitions+g.partitions
	f.runs, f.crashes, f.injections = f.runs+g.runs, f.crashes+g.crashes, f.injections+g.injections
	f.stuck += g.stuck
	for k := range f.delivered {
		f.delivered[k] += g.delivered[k]
	}
	f.injectedRejected += g.injectedRejected
	for r := range f.agentRejects {
		f.agentRejects[r] += g.agentRejects[r]
		f.hubRejects[r] += g.hubRejects[r]
	}
	f.sent, f.lost, f.duplicated = f.sent+g.sent, f.lost+g.lost, f.duplicated+g.duplicated
	f.escalations += g.escalations
}

// randomLink draws one direction's link.
func randomLink(r *rand.Rand) Link {
	return Link{
		Loss:      0.3 * r.Float64(),
		Delay:     units.Duration(r.Int64N(int64(20 * ms))),
		Jitter:    units.Duration(1 + r.Int64N(int64(30*ms))),
		Duplicate: 0.1 * r.Float64(),
		Reorder:   0.2 * r.Float64(),
		ReorderBy: units.Duration(1 + r.Int64N(int64(200*ms))),
	}
}

func newWorld(seed uint64, keep int) (*world, error) {
	w := &world{seed: seed, rng: rand.New(rand.NewPCG(seed, 0x5eed)), dt: voprStep,
		hcfg: modules.DefaultHubConfig, acfg: modules.DefaultAgentConfig, start: units.Time(units.Hour)}
	if w.rng.IntN(3) == 0 { // leases longer than the deadlines, sometimes than the agent honours
		w.hcfg.TTL = w.draw(2*units.Second, 14*units.Second)
	}
	w.acfg.Grace = w.draw(5*units.Second, 40*units.Second)
	n := 2 + w.rng.IntN(4)
	cfg := ChannelConfig{Seed: seed, Start: w.start, Hub: w.hcfg, Agent: w.acfg, KeepTrace: keep,
		ToAgents: randomLink(w.rng), ToHub: randomLink(w.rng), OnDeliver: w.observe}
	for i := range n {
		m := &vmod{}
		m.relay = vrelay{w: w, i: i}
		w.mods = append(w.mods, m)
		cfg.Modules = append(cfg.Modules, ModuleSpec{Board: &m.board, Relay: &m.relay, Stopped: true})
	}
	c, err := NewChannel(cfg)
	w.c = c
	return w, err
}

// run drives the world for d in steps of dt: the schedule acts, the channel
// steps, the world reacts, and every invariant is checked.
func (w *world) run(d units.Duration) error {
	for now := w.start; now < w.start.Add(d); {
		w.act(now)
		now = now.Add(w.dt)
		w.c.Step(now)
		if err := w.react(now); err != nil {
			return err
		}
		w.figs.steps++
		if err := w.check(now); err != nil {
			return fmt.Errorf("at %v: %w", now.Sub(w.start), err)
		}
	}
	return w.checkCounts()
}

// runSeed runs one seed for d and returns its figures and trace hash.
func runSeed(seed uint64, d units.Duration) (figures, uint64, error) {
	w, err := newWorld(seed, 0)
	if err == nil {
		err = w.run(d)
	}
	if err != nil {
		return w.figs, 0, err
	}
	s := w.c.Stats()
	w.figs.seeds, w.figs.simulated = 1, d
	w.figs.sent, w.figs.lost, w.figs.duplicated = s.Net.Sent, s.Net.Lost, s.Net.Duplicated
	w.figs.escalations = s.Hub.Escalations
	return w.figs, w.c.TraceHash(), nil
}

func TestVOPR(t *testing.T) {
	seeds := 200
	switch {
	case testing.Short():
		seeds = 20
	case raceEnabled:
		seeds = 50
	}
	if *seedsFlag > 0 {
		seeds = *seedsFlag
	}
	first := uint64(1)
	if *seedFlag != 0 {
		first, seeds = *seedFlag, 1
	}
	var all figures
	began := time.Now()
	for seed := first; seed < first+uint64(seeds); seed++ {
		f, h1, err := runSeed(seed, voprFor)
		if err == nil {
			var h2 uint64
			if _, h2, err = runSeed(seed, voprFor); err == nil && h1 != h2 {
				err = fmt.Errorf("not deterministic: trace hashes %x and %x", h1, h2)
			}
		}
		if err != nil {
			t.Fatalf("seed %d: %v\nreplay: go test ./modules/simnet -run TestVOPR -seed %d -v%s", seed, err, seed, tail(seed))
		}
		all.add(f)
	}
	report(t, all, time.Since(began))
}

// tail runs a failed seed again keeping its trace, and returns the trace's
// last events.
func tail(seed uint64) string {
	w, err := newWorld(seed, 40)
	if err != nil {
		return ""
	}
	_ = w.run(voprFor)
	return "\nlast events:\n" + strings.Join(w.c.Trace(), "\n")
}

func report(t *testing.T, f figures, wall time.Duration) {
	var ag, hub uint64
	for r := range f.agentRejects {
		ag, hub = ag+f.agentRejects[r], hub+f.hubRejects[r]
	}
	t.Logf("%d seeds, each run twice, %v simulated each (%d steps of %v in all), %.1f s of wall time",
		f.seeds, voprFor, f.steps, voprStep, wall.Seconds())
	t.Logf("datagrams sent %d, lost %d, duplicated %d; commands %d, escalation resets %d, partitions %d, agent runs %d (crashes %d), cpufreq faults %d",
		f.sent, f.lost, f.duplicated, f.commands, f.resets, f.partitions, f.runs, f.crashes, f.stuck)
	t.Logf("delivered again: %d duplicates, %d replays, %d forgeries (%d injected); all %d rejected",
		f.delivered[Duplicate], f.delivered[Replay], f.delivered[Forgery], f.injections, f.injectedRejected)
	t.Logf("rejections counted: agents %d %v, hub %d %v; escalations %d", ag, f.agentRejects, hub, f.hubRejects, f.escalations)
}
