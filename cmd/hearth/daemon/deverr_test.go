package daemon

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"hearth/core"
	"hearth/core/edge"
	"hearth/hal"
	"hearth/hil"
	"hearth/hil/plant"
	"hearth/safety/tripstore"
	"hearth/units"
)

type recSink struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recSink) Append(kind, cause, msg string, _ time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, kind+": "+msg)
	return nil
}
func (r *recSink) Sync() error  { return nil }
func (r *recSink) Close() error { return nil }

type brokenPump struct{ hal.Pump }

var errBus = errors.New("i2c: bus stuck low")

func (brokenPump) SetSpeed(units.Ratio) error { return errBus }

// A pump whose every write fails is in the event log with its error, once,
// not on every tick.
func TestWriteErrorsAreLoggedWithoutAFlood(t *testing.T) {
	cfg, err := hil.DefaultConfig(plant.Winter, 1)
	if err != nil {
		t.Fatal(err)
	}
	pl := plant.NewPlant(cfg.Params, cfg.Weather, cfg.Init, 1)
	dev := pl.Devices()
	dev.Pump[hal.PumpWater] = brokenPump{dev.Pump[hal.PumpWater]}
	c, err := core.New(cfg.Core)
	if err != nil {
		t.Fatal(err)
	}
	loop := &edge.Loop{Core: c, Dev: &dev, Store: &tripstore.Memory{}}
	if _, err := loop.Boot(0); err != nil {
		t.Fatal(err)
	}
	sink := &recSink{}
	ev := newEvents(sink, zerolog.Nop())
	ctx, cancel := context.WithCancel(context.Background())
	go ev.run(ctx)
	tk := &ticker{loop: loop, dev: &dev, ev: ev, stamp: stamper{watchdog: true}}
	for i := range 50 { // 5 s of plant, in well under a second of wall clock
		r := loop.Tick(units.Time(units.Duration(i)*hil.Tick), &tk.stamp, true)
		tk.observe(&r)
		pl.Step(hil.Tick)
	}
	cancel()
	ev.flush()
	n := 0
	for _, m := range sink.msgs {
		if strings.Contains(m, "an output write failed") {
			n++
			if !strings.Contains(m, errBus.Error()) {
				t.Errorf("write failure logged without its error: %q", m)
			}
		}
	}
	if n != 1 || loop.Stats().WriteErrors != 50 {
		t.Errorf("%d write-failure events for %d failed ticks, want 1 for 50", n, loop.Stats().WriteErrors)
	}
}
