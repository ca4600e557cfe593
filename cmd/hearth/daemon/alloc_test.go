package daemon

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"hearth/core"
	"hearth/core/edge"
	"hearth/hal/sampler"
	"hearth/safety/tripstore"
)

type nopSink struct{}

func (nopSink) Append(string, string, string, time.Time) error { return nil }
func (nopSink) Sync() error                                    { return nil }
func (nopSink) Close() error                                   { return nil }

// The daemon's tick, with its real devices (samplers over the simulated
// plant, modules.Hub's module power), its events and its stats, allocates
// nothing once the plant runs: everything it touches was allocated at start.
func TestTickAllocatesNothing(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Watchdog.Kind = "none"
	cfg.Sim.Modules = 4
	clk := newClock()
	sp, err := newSimPlant(&cfg, clk.now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	set, dev := sampler.New(sp.devices(), sampler.DefaultPeriods)
	set.Sample()
	set.Run(ctx, &wg)
	sp.run(ctx, &wg)
	c, err := core.New(cfg.Control)
	if err != nil {
		t.Fatal(err)
	}
	loop := &edge.Loop{Core: c, Dev: &dev, Store: &tripstore.Memory{}}
	if _, err := loop.Boot(clk.now()); err != nil {
		t.Fatal(err)
	}
	ev := newEvents(nopSink{}, zerolog.Nop())
	go ev.run(ctx)
	tk := &ticker{loop: loop, dev: &dev, clock: clk, period: 100e6, late: 50e6, ev: ev, stamp: stamper{watchdog: true}}
	tick := func() {
		r := tk.loop.Tick(tk.clock.now(), &tk.stamp, true)
		tk.observe(&r)
		tk.jitter.add(1000)
	}
	for range 50 { // past the first ticks' state changes
		tick()
		time.Sleep(10 * time.Millisecond)
	}
	if a := testing.AllocsPerRun(200, tick); a != 0 {
		t.Errorf("a daemon tick allocates %.2f times", a)
	}
}
