package hil

import (
	"testing"

	"hearth/hal"
	"hearth/hil/plant"
	"hearth/units"
)

// A run through the module channel is a pure function of its seed: two runs
// give the same report and the same trace of every datagram; another seed
// another trace.
func TestChannelRunIsDeterministic(t *testing.T) {
	scs, err := Lookup("module-channel-partition")
	if err != nil {
		t.Fatal(err)
	}
	run := func(seed uint64) *ScenarioResult {
		r, err := RunScenario(scs[0], plant.DefaultParams(), seed, false)
		if err != nil {
			t.Fatal(err)
		}
		if r.Channel == nil || r.Channel.Sent == 0 {
			t.Fatalf("seed %d: no datagram through the channel: %+v", seed, r.Channel)
		}
		return r
	}
	a, b, c := run(5), run(5), run(6)
	if digest(a) != digest(b) {
		t.Errorf("the same seed gave two reports: %+v / %+v", a.Channel, b.Channel)
	}
	if a.Channel.TraceHash == c.Channel.TraceHash {
		t.Errorf("seeds 5 and 6 gave the same trace %s", a.Channel.TraceHash)
	}
}

// A partitioned module's agent drops to idle by itself when its lease runs
// out, long before the controller cuts it: layer 4 works on its own.
func TestPartitionedAgentIdlesByItself(t *testing.T) {
	scs, err := Lookup("module-channel-partition")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := scs[0].Config(plant.DefaultParams(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	at := cfg.Channel.Partitions[0].At
	m := &s.Plant.Modules[cfg.Channel.Partitions[0].Module]
	for units.Duration(s.Plant.Now) < at && !s.Done() { // to the partition
		s.Step()
	}
	if m.Level() != hal.Level100 {
		t.Fatalf("module at %v before the partition, want 100%%", m.Level())
	}
	var idleAt float64
	for range 100 { // 10 s: the lease is 3 s
		s.Step()
		if m.Level() <= hal.LevelIdle && idleAt == 0 {
			idleAt = s.Plant.Now.Seconds() - at.Seconds()
		}
	}
	// The agent caps the boards when its lease (3 s, renewed every second)
	// runs out; the boards take the plant's throttle delay to get there.
	if limit := 3 + cfg.Params.ThrottleDelayS + 0.2; idleAt == 0 || idleAt > limit {
		t.Errorf("partitioned module idled %.1f s after the partition, want within %.1f s (lease and throttle delay)", idleAt, limit)
	}
	t.Logf("idle %.1f s after the partition", idleAt)
}
