package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/diode"

	"hearth/cmd/hearth/console"
	"hearth/cmd/hearth/daemon/telemetry"
	"hearth/core"
	"hearth/core/edge"
	"hearth/hal"
	"hearth/hal/board"
	"hearth/hal/sampler"
	"hearth/hal/watchdog"
	"hearth/hil"
	"hearth/safety/eventlog"
	"hearth/safety/tripstore"
)

// Options are `hearth run`'s flags.
type Options struct {
	Config string // the configuration file
	Sim    bool   // run against the simulated plant on the real clock
	Stats  string // the stats file (overrides daemon.stats_file)
	// Console is the serial console's line (overrides console.device).
	Console string
	// Registry opens the board's buses without --sim: periph.io's host
	// drivers when nil (board.Host); a test puts emulated chips here.
	Registry *board.Registry `json:"-"`
	// MQTT is the broker's URL (overrides telemetry.mqtt), Metrics the
	// /metrics address (overrides telemetry.metrics), HubID the hub's id
	// in both (overrides telemetry.hub_id). docs/telemetry.md.
	MQTT    string
	Metrics string
	HubID   string
	// Stdout receives the JSON log (systemd puts it in the journal).
	Stdout io.Writer
}

// daemon is one run of `hearth run`: everything it opened, to close.
type daemon struct {
	cfg   Config
	opts  Options
	log   zerolog.Logger
	diode diode.Writer
	clock clock
	plant hardware  // the simulated plant or the hub's hardware
	sim   *simPlant // --sim's plant, for its emulated watchdog
	dev   hal.Devices
	set   *sampler.Set
	dog   watchdog.Watchdog
	emu   io.Closer // --sim's emulated hardware watchdog, if any
	ev    *events
	tick  *ticker
	trips *tripstore.Store
	tel   *telemetry.Telemetry // nil: no MQTT, no /metrics
	// conStats counts the console line's traffic and losses.
	conStats console.Stats
	// restart is the console's restart: a controlled shutdown, after which
	// the service manager (Restart=always) starts the daemon again.
	restart chan struct{}
}

// Run runs the daemon until a signal stops it, and returns its exit code:
// 0 after a controlled shutdown, 1 after a cut or a fault, 2 when it could
// not start.
func Run(opts Options) int {
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	d := &daemon{opts: opts, clock: newClock(), restart: make(chan struct{}, 1)}
	d.diode = diode.NewWriter(opts.Stdout, 4096, 10*time.Millisecond, func(missed int) {
		fmt.Fprintf(os.Stderr, "hearth: log: %d lines dropped, the journal is not keeping up\n", missed)
	})
	defer d.diode.Close()
	d.log = zerolog.New(d.diode).With().Timestamp().Str("unit", "hearth").Logger()
	if err := d.start(); err != nil {
		d.log.Error().Err(err).Msg("hearth run: not started")
		d.closeDog(true) // nothing was driven: the hardware is as it was
		d.closeAll()
		return 2
	}
	return d.serve()
}

// start loads the configuration and opens everything, in the order a
// failure leaves the plant safest: nothing is driven before it all opened.
func (d *daemon) start() error {
	cfg, err := Load(d.opts.Config)
	if err != nil {
		return err
	}
	d.cfg = cfg
	if d.opts.Sim && cfg.Sim.Speed > 1 {
		d.clock.speed = cfg.Sim.Speed // before anything takes the clock
	}
	if os.Getenv("GOMAXPROCS") == "" {
		// Spare Ps: the tick's thread, back from its sleep, takes an idle P
		// at once instead of queueing behind goroutines whose threads the
		// kernel has preempted (another process busy on every core).
		runtime.GOMAXPROCS(max(8, 2*runtime.NumCPU()))
	}
	if cfg.Daemon.LockMemory {
		if err := lockMemory(); err != nil {
			d.log.Warn().Err(err).Msg("memory not locked (needs CAP_IPC_LOCK or LimitMEMLOCK=infinity)")
		}
	}
	if err := os.MkdirAll(cfg.Daemon.StateDir, 0o700); err != nil {
		return err
	}
	if d.trips, err = tripstore.Open(filepath.Join(cfg.Daemon.StateDir, "trip")); err != nil {
		return err
	}
	el, err := eventlog.Open(filepath.Join(cfg.Daemon.StateDir, "events"), eventlog.Options{})
	if err != nil {
		return err
	}
	d.ev = newEvents(eventSink{el}, d.log)
	d.noteConfig(filepath.Join(cfg.Daemon.StateDir, "events"))
	if st := el.Stats(); st.TornBytes > 0 || st.GarbledBytes > 0 {
		d.ev.send(event{kind: evInfo, wall: time.Now(), text: fmt.Sprintf(
			"event log opened: %d torn bytes cut at its tail, %d garbled bytes passed over", st.TornBytes, st.GarbledBytes)})
	}
	slogger := slog.New(slog.NewJSONHandler(d.diode, &slog.HandlerOptions{Level: slog.LevelWarn, ReplaceAttr: moduleLevel}))
	if err := d.openPlant(slogger); err != nil {
		return err
	}
	if err := d.openWatchdog(); err != nil {
		return err
	}
	if err := d.build(); err != nil {
		return err
	}
	d.openTelemetry()
	return nil
}

// openPlant opens the simulated plant (--sim) or the board.
func (d *daemon) openPlant(slogger *slog.Logger) error {
	if d.opts.Sim {
		sp, err := newSimPlant(&d.cfg, d.clock.now, slogger, func(msg string) {
			d.ev.send(event{kind: evInfo, wall: time.Now(), text: msg})
		})
		if err != nil {
			return err
		}
		d.plant, d.sim = sp, sp
		return nil
	}
	reg := board.Host()
	if d.opts.Registry != nil {
		reg = *d.opts.Registry
	}
	hp, err := newHWPlant(&d.cfg, reg, d.clock.now, slogger, d.ev)
	if err != nil {
		return err
	}
	d.plant = hp
	return nil
}

// build assembles the edge loop and boots the core from the trip store.
func (d *daemon) build() error {
	c, err := core.New(d.cfg.Control)
	if err != nil {
		return err
	}
	d.set, d.dev = sampler.New(d.plant.devices(), sampler.DefaultPeriods)
	d.set.Sample() // the first tick finds every slot filled
	loop := &edge.Loop{Core: c, Dev: &d.dev, Store: d.trips, Dog: d.dog,
		Wall: func() int64 { return time.Now().UnixNano() }}
	latched, serr := loop.Boot(d.clock.now())
	if serr != nil {
		d.log.Error().Err(serr).Msg("trip store unreadable: starting latched (fail safe)")
	}
	demand, _ := hil.ParseLevel(d.cfg.Daemon.Demand, hal.Level100)
	period := int64(d.cfg.Daemon.Tick)
	if d.clock.speed > 1 {
		period = int64(float64(period) / d.clock.speed)
	}
	d.tick = &ticker{loop: loop, dev: &d.dev, clock: d.clock, period: period,
		late: int64(d.cfg.Daemon.Late), ev: d.ev, timeout: d.cfg.Daemon.ShutdownTimeout,
		prio:  d.cfg.Daemon.RealtimePriority,
		stamp: stamper{demand: demand, watchdog: d.dog.Kind() != watchdog.KindNone}}
	d.tick.con.reqs = make(chan console.Request, requestQueue)
	d.tick.tune = newTuner(loop)
	d.tick.con.h.Calibration = d.cfg.Calibration.Offsets()
	if d.consoleDevice() != "" {
		d.tick.con.view = &console.Snapshot{}
	}
	d.ev.send(event{kind: evBoot, wall: time.Now(), a: b2u(serr != nil), b: b2u(latched),
		text: fmt.Sprintf("; config %q, sim %v, tick %v, watchdog %s", d.opts.Config, d.opts.Sim,
			d.cfg.Daemon.Tick, d.dog)})
	return nil
}

// serve runs every goroutine and the tick until the shutdown ends.
func (d *daemon) serve() int {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	evCtx, evCancel := context.WithCancel(context.Background())
	go d.ev.run(evCtx)
	d.set.Run(ctx, &wg)
	d.plant.run(ctx, &wg)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	statsDone := d.runStats(ctx, &wg)
	d.runConsole(ctx, &wg)
	d.runTelemetry(ctx, &wg)
	how := make(chan int32, 1)
	go func() { how <- d.runTick() }()
	code := d.waitStop(sigs, how)
	cancel()
	wg.Wait()
	<-statsDone
	evCancel()
	d.ev.flush()
	d.closeAll()
	return code
}

// runTick runs the tick on its own locked thread; a panic cuts.
func (d *daemon) runTick() (how int32) {
	defer func() {
		if r := recover(); r != nil {
			d.tick.stop.Store(stopCut)
			d.cut()
			d.ev.send(event{kind: evCut, wall: time.Now(), a: cutPanic, text: fmt.Sprint(r)})
			how = -1
		}
	}()
	_ = watchdog.Ready()
	d.log.Info().Str("watchdog", d.dog.String()).Msg("hearth run: ticking")
	return d.tick.run()
}

// waitStop waits for the tick to end, running the shutdown the signals ask.
func (d *daemon) waitStop(sigs <-chan os.Signal, how <-chan int32) int {
	for {
		select {
		case <-d.restart:
			if d.tick.stop.Load() == running {
				d.tick.stop.Store(stopControlled)
				_ = watchdog.Stopping()
				d.log.Warn().Msg("controlled shutdown for a restart asked at the console: modules down gracefully, then outputs de-energised")
			}
		case s := <-sigs:
			if d.tick.stop.Load() == running {
				d.tick.stopSig.Store(int32(s.(syscall.Signal)))
				d.tick.stop.Store(stopControlled)
				_ = watchdog.Stopping()
				d.log.Warn().Str("signal", s.String()).Msg("controlled shutdown: modules down gracefully, then outputs de-energised; a second signal cuts at once")
				continue
			}
			d.tick.stop.Store(stopCut)
			d.cut()
			d.ev.send(event{kind: evCut, wall: time.Now(), a: cutSignal})
			d.closeDog(true) // outputs are de-energised: letting go changes nothing
			return 1
		case h := <-how:
			switch h {
			case stopControlled:
				d.closeDog(true)
				return 0
			case stopCut:
				continue // the signal's case cuts and returns
			}
			d.closeDog(false) // a panic: let the watchdog fire
			return 1
		}
	}
}

// cut de-energises every output from the caller's goroutine: modules first.
// The tick has stopped writing (stop is stopCut).
func (d *daemon) cut() {
	out := hal.Deenergised()
	_ = d.dev.WriteModules(&out)
	_ = d.dev.WriteRest(&out)
	d.log.Warn().Msg("outputs cut: modules unpowered, outputs de-energised")
}

func (d *daemon) closeDog(graceful bool) {
	if d.dog == nil {
		return
	}
	if err := d.dog.Close(graceful); err != nil && !errors.Is(err, watchdog.ErrClosed) {
		d.log.Error().Err(err).Bool("graceful", graceful).Msg("watchdog close failed")
	}
}

func (d *daemon) closeAll() {
	if d.plant != nil {
		d.plant.close()
	}
	if d.emu != nil {
		_ = d.emu.Close()
	}
	if d.tick == nil && d.ev != nil {
		_ = d.ev.sink.Close()
	}
}

// moduleLevel renames the module channel's "level" attribute (a module's
// power level) so that it does not collide with the log line's own level.
func moduleLevel(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.LevelKey && len(groups) == 0 {
		if _, isLogLevel := a.Value.Any().(slog.Level); !isLogLevel {
			a.Key = "module_level"
		}
	}
	return a
}

// noteConfig logs a configuration event when the file's contents differ
// from those of the last start (or none is on record): a changed limit or
// loop is in the event log, with its digest.
func (d *daemon) noteConfig(events string) {
	raw, err := os.ReadFile(d.opts.Config)
	if err != nil {
		return // Load read it a moment ago; nothing to add
	}
	sum := sha256.Sum256(raw)
	digest := hex.EncodeToString(sum[:8])
	last := ""
	_ = eventlog.ReadDir(events, time.Time{}, func(e eventlog.Event) error {
		if _, after, ok := strings.Cut(e.Msg, " digest "); e.Kind == eventlog.KindConfig && ok {
			last, _, _ = strings.Cut(after, " ")
		}
		return nil
	})
	if last == digest {
		return
	}
	msg := "configuration " + d.opts.Config + " digest " + digest + " (first on record)"
	if last != "" {
		msg = "configuration " + d.opts.Config + " digest " + digest + " (changed; was digest " + last + ")"
	}
	d.ev.send(event{kind: evConfig, wall: time.Now(), text: msg})
}
