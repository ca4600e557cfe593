package daemon

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"hearth/cmd/hearth/console"
	"hearth/cmd/hearth/daemon/telemetry"
	"hearth/control"
	"hearth/core"
	"hearth/core/edge"
	"hearth/hal"
	"hearth/hal/sampler"
	"hearth/safety/tripstore"
	"hearth/units"
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
	sp, err := newSimPlant(&cfg, clk.now, slog.New(slog.DiscardHandler), func(string) {})
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
	// With a console: its requests taken, its view published, an
	// override and a calibration in force.
	tk.con.reqs = make(chan console.Request, requestQueue)
	tk.con.view = &console.Snapshot{}
	tk.con.reqs <- console.Request{Kind: console.ReqOverride, Out: hal.OutFan, Value: 0.7, For: units.Hour}
	tk.con.reqs <- console.Request{Kind: console.ReqCalibrate, Sensor: hal.TempOilOut, Offset: 0.3}
	// With telemetry: a snapshot copied on every tick here (the fake
	// clock moves a second a tick), the most it ever costs.
	tk.tele = &telemetry.Slot{}
	// With a tuning session: asked from the console (refused while safety
	// is still starting, or running and judged after every step).
	tk.tune = newTuner(loop)
	tk.con.reqs <- console.Request{Kind: console.ReqTune, Tune: console.TuneStart, Loop: control.LoopDump}
	var teleNs int64
	tick := func() {
		now := tk.clock.now()
		tk.take(now)
		r := tk.loop.Tick(now, &tk.stamp, true)
		tk.tuneStep()
		tk.observe(&r)
		tk.publish(r.Out, r.Status, false)
		teleNs += int64(time.Second)
		tk.tele.Offer(teleNs, tk.ticks.Load(), tk.loop.Inputs(), r.Out, r.Status)
		tk.jitter.add(1000)
	}
	for range 50 { // past the first ticks' state changes
		tick()
		time.Sleep(10 * time.Millisecond)
	}
	if a := testing.AllocsPerRun(200, tick); a != 0 {
		t.Errorf("a daemon tick allocates %.2f times", a)
	}
	if n, _ := tk.tele.Take(&telemetry.Raw{}, 0); n < 200 {
		t.Errorf("%d telemetry snapshots copied in 250 ticks a second apart", n)
	}
}
