package daemon

import (
	"context"
	"math/bits"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"hearth/cmd/hearth/console"
	"hearth/hal"
	"hearth/safety"
	"hearth/safety/eventlog"
	"hearth/units"
)

// The console's side of the daemon: the requests the tick takes, the view
// it publishes, and the console.Backend the console reads it through.

// requestQueue bounds the console's requests waiting for the tick.
const requestQueue = 16

// hand is the tick's copy of what the console asked: it applies the
// queued requests at the start of a tick, and expires overrides.
type hand struct {
	reqs chan console.Request
	h    console.Hand
	// view is the last tick's snapshot for the console; nil: no console.
	// The tick only tries its lock: a stalled console cannot hold it up.
	mu      sync.Mutex
	view    *console.Snapshot
	skipped uint64 // views not published because the console held the lock (the tick's own count)
}

// take applies the queued requests, without waiting, and expires the
// overrides whose time is up. It allocates nothing.
func (t *ticker) take(now units.Time) {
	c := &t.con
	for {
		select {
		case r := <-c.reqs:
			t.apply(&r, now)
			continue
		default:
		}
		break
	}
	for m := c.h.Override.Mask; m != 0; m &= m - 1 {
		o := hal.Output(bits.TrailingZeros32(m))
		if now >= c.h.Until[o] {
			c.h.Override.Mask &^= o.Bit()
			t.ev.send(event{kind: evOverrideEnd, wall: time.Now(), a: uint32(o), b: endExpired})
		}
	}
	t.stamp.override = c.h.Override
	t.stamp.calib = c.h.Calibration
	t.stamp.held = c.h.Maintenance
}

// Why an override ended.
const (
	endExpired = iota + 1
	endTrip
)

func (t *ticker) apply(r *console.Request, now units.Time) {
	h := &t.con.h
	switch r.Kind {
	case console.ReqReset:
		t.reset.Store(true)
	case console.ReqMaintenance:
		h.Maintenance = r.On
	case console.ReqOverride:
		if r.Out < hal.NumOutputs {
			h.Override.Mask |= r.Out.Bit()
			h.Override.Set.SetValue(r.Out, r.Value)
			h.Until[r.Out] = now.Add(r.For)
		}
	case console.ReqClearOverride:
		if r.All {
			h.Override.Mask = 0
		} else if r.Out < hal.NumOutputs {
			h.Override.Mask &^= r.Out.Bit()
		}
	case console.ReqCalibrate:
		if r.Sensor < hal.NumTemps {
			h.Calibration[r.Sensor] = r.Offset
		}
	case console.ReqTune:
		t.tuneRequest(r, now)
	}
}

// publish ends a tick for the console: overrides a trip ends, those
// safety held, and the snapshot.
func (t *ticker) publish(out *hal.Outputs, st *safety.Status, tripped bool) {
	h := &t.con.h
	if tripped && h.Override.Mask != 0 {
		h.Override.Mask = 0
		t.ev.send(event{kind: evOverrideEnd, wall: time.Now(), b: endTrip})
	}
	h.Held = 0
	for m := h.Override.Mask; m != 0; m &= m - 1 {
		o := hal.Output(bits.TrailingZeros32(m))
		if out.Value(o) != h.Override.Set.Value(o) {
			h.Held |= o.Bit()
		}
	}
	if t.con.view == nil {
		return
	}
	// Never wait for the console: if it is copying the view (or its
	// thread was preempted while it held the lock), this tick's view is
	// skipped and the console reads the last one.
	if !t.con.mu.TryLock() {
		t.con.skipped++
		return
	}
	v := t.con.view
	v.Ticks = t.ticks.Load() + 1
	v.In = *t.loop.Inputs()
	v.Wish = *t.loop.Core.ControlWish()
	v.Out = *out
	v.St = *st
	v.Console = *h
	if t.tune.s != nil {
		v.Tune = *t.tune.s.Status()
	}
	t.con.mu.Unlock()
}

// backend is the daemon as the console sees it.
type backend struct {
	d    *daemon
	cfg  *configEditor
	ids  []uint32
	vers string
}

func (b *backend) Snapshot(s *console.Snapshot) {
	t := b.d.tick
	t.con.mu.Lock()
	*s = *t.con.view
	t.con.mu.Unlock()
	s.Wall = time.Now()
	st := t.stats()
	s.Tick = console.TickFigures{Overruns: st.Overruns, Late: st.Late, JitterP99Ms: st.JitterP99Ms,
		EventsLost: st.EventsLost}
}

func (b *backend) Submit(r console.Request) error {
	select {
	case b.d.tick.con.reqs <- r:
		return nil
	default:
		return console.ErrQueueFull
	}
}

func (b *backend) Note(kind, msg string) {
	b.d.ev.send(event{kind: evConsole, wall: time.Now(), text: msg, tag: kind})
}

// Events keeps the last n records in a ring while the log is read: one
// pass, n records held, whatever the log's length.
func (b *backend) Events(n int) ([]console.Event, error) {
	ring := make([]console.Event, 0, n)
	next := 0 // the oldest record once the ring is full
	err := eventlog.ReadDir(filepath.Join(b.d.cfg.Daemon.StateDir, "events"), time.Time{}, func(e eventlog.Event) error {
		ev := console.Event{Wall: e.Wall, Kind: e.Kind.String(), Cause: e.Cause, Msg: e.Msg}
		if len(ring) < n {
			ring = append(ring, ev)
			return nil
		}
		ring[next] = ev
		next = (next + 1) % n
		return nil
	})
	return append(ring[next:], ring[:next]...), err
}

func (b *backend) Restart() error {
	select {
	case b.d.restart <- struct{}{}:
	default: // asked already
	}
	return nil
}

func (b *backend) SafetyConfig() *safety.Config { return &b.d.cfg.Control.Safety }
func (b *backend) ModuleIDs() []uint32          { return b.ids }
func (b *backend) Config() console.ConfigEditor { return b.cfg }
func (b *backend) Version() string              { return b.vers }

// version says what is running: the module's version, its commit, Go.
func version() string {
	v := "hearth"
	if bi, ok := debug.ReadBuildInfo(); ok {
		v += " " + bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v += " commit " + s.Value[:min(12, len(s.Value))]
			case "vcs.modified":
				if s.Value == "true" {
					v += " (modified)"
				}
			}
		}
	}
	return v + ", " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}

// moduleIDs are the modules' ids in slot order: the configured ones on a
// hub, 1..n with --sim.
func (d *daemon) moduleIDs() []uint32 {
	var ids []uint32
	for _, m := range d.cfg.Modules.Module {
		ids = append(ids, m.ID)
	}
	if d.opts.Sim || len(ids) == 0 {
		ids = ids[:0]
		for i := range d.dev.Modules {
			ids = append(ids, uint32(i+1))
		}
	}
	return ids
}

// runConsole serves the console on its line until ctx ends.
func (d *daemon) runConsole(ctx context.Context, wg *sync.WaitGroup) {
	dev := d.consoleDevice()
	if dev == "" {
		return
	}
	shown := d.cfg // the configuration in force, as config show shows it: with --console's line
	shown.Console.Device = dev
	b := &backend{d: d, cfg: newConfigEditor(d.opts.Config, &shown), ids: d.moduleIDs(), vers: version()}
	c := &console.Console{B: b, Auth: console.NewAuth(d.cfg.Console.PassphraseHash, time.Duration(d.cfg.Console.IdleLogout), time.Now)}
	note := func(msg string) { d.ev.send(event{kind: evInfo, wall: time.Now(), text: msg}) }
	note("console on " + dev + " at " + strconv.Itoa(d.cfg.Console.Baud) + " baud")
	wg.Add(1)
	go func() {
		defer wg.Done()
		// The first answers wait for the first tick's view (a second at
		// most: a console is most wanted when the tick is in trouble).
		for end := time.Now().Add(time.Second); d.tick.ticks.Load() == 0 && time.Now().Before(end); {
			time.Sleep(20 * time.Millisecond)
		}
		console.Run(ctx, console.Serial(dev, d.cfg.Console.Baud), c, &d.conStats, note)
	}()
}

// consoleDevice is the console's line: --console, else console.device.
func (d *daemon) consoleDevice() string {
	if d.opts.Console != "" {
		return d.opts.Console
	}
	return d.cfg.Console.Device
}
