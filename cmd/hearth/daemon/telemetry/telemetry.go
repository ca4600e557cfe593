package telemetry

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"time"
)

// Config is what the daemon's configuration and flags give telemetry.
type Config struct {
	HubID   string
	Version string
	// MQTT is the broker's URL (mqtt://host:port, mqtts://host:port);
	// empty: no MQTT.
	MQTT     string
	Username string
	Password string
	// CAFile, CertFile and KeyFile are the TLS trust and client
	// certificate (PEM) for mqtts://.
	CAFile, CertFile, KeyFile string
	// Metrics is the /metrics listen address; empty: none.
	Metrics string
	// Figures returns the daemon's own figures: called from telemetry's
	// goroutine once per Every, never from a scrape.
	Figures func() Figures
	// Log receives telemetry's own notes (connected, lost, ...).
	Log func(msg string)
}

var hubID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// CheckHubID says whether id can name a hub in topics and labels.
func CheckHubID(id string) error {
	if !hubID.MatchString(id) {
		return fmt.Errorf("hub id %q: want 1..64 of A-Z a-z 0-9 _ -", id)
	}
	return nil
}

// Histogram is a cumulative histogram in seconds.
type Histogram struct {
	Count   uint64
	Sum     float64
	Buckets map[float64]uint64 // upper bound (s) -> count at or below
}

// Figures are the daemon's figures as /metrics shows them.
type Figures struct {
	Ticks, Overruns, Late        uint64
	Jitter, Work                 Histogram
	EventsLogged, EventsDropped  uint64
	KickErrors, WriteErrors      uint64
	LeasesSent, LeaseRetransmits uint64
	LeaseSendErrors, Reports     uint64
	ReportsRejected, Escalations uint64
	RelayErrors                  uint64
}

// Counters are telemetry's own figures (the daemon's --stats shows them).
type Counters struct {
	// SnapshotsSkipped: ticks that found the slot held by telemetry's
	// reader (the next tick copied instead).
	SnapshotsSkipped uint64 `json:"snapshots_skipped"`
	// Dropped: states not handed to the MQTT publisher because it was
	// still busy with the last one (a slow or dead broker).
	Dropped uint64 `json:"dropped_messages"`
	// PublishErrors: publishes that failed or timed out (the broker down).
	PublishErrors uint64 `json:"publish_errors"`
	Published     uint64 `json:"published"`
	Connects      uint64 `json:"connects"`
	Connected     bool   `json:"connected"`
	// Ignored: messages received on a topic the daemon did not act on.
	Ignored    uint64 `json:"ignored_messages"`
	Discovery  uint64 `json:"discovery_sent"`
	Scrapes    uint64 `json:"scrapes"`
	MetricsErr string `json:"metrics_error,omitempty"`
}

// Telemetry is one daemon's telemetry.
type Telemetry struct {
	cfg   Config
	Slot  Slot
	state atomic.Pointer[State]
	figs  atomic.Pointer[Figures]
	// toMQTT hands the latest state to the MQTT publisher: one slot, a
	// send that never waits.
	toMQTT chan *State

	dropped, pubErrs, published, connects, ignored, discovery, scrapes atomic.Uint64
	connected                                                          atomic.Bool
	mu                                                                 sync.Mutex
	metricsErr                                                         string
	addr                                                               string
}

// New checks cfg and returns the telemetry it asks for.
func New(cfg Config) (*Telemetry, error) {
	if err := CheckHubID(cfg.HubID); err != nil {
		return nil, err
	}
	if cfg.MQTT != "" {
		if _, err := brokerURL(cfg.MQTT); err != nil {
			return nil, err
		}
	}
	if cfg.Figures == nil {
		cfg.Figures = func() Figures { return Figures{} }
	}
	if cfg.Log == nil {
		cfg.Log = func(string) {}
	}
	return &Telemetry{cfg: cfg, toMQTT: make(chan *State, 1)}, nil
}

// Counters returns telemetry's own figures.
func (t *Telemetry) Counters() Counters {
	t.mu.Lock()
	me := t.metricsErr
	t.mu.Unlock()
	return Counters{SnapshotsSkipped: t.Slot.Skipped.Load(), Dropped: t.dropped.Load(), PublishErrors: t.pubErrs.Load(),
		Published: t.published.Load(), Connects: t.connects.Load(), Connected: t.connected.Load(),
		Ignored: t.ignored.Load(), Discovery: t.discovery.Load(), Scrapes: t.scrapes.Load(), MetricsErr: me}
}

// Run serves telemetry until ctx ends: the builder, MQTT and /metrics,
// each on its own goroutine. It returns once all have ended (MQTT's last
// word, `offline`, published or timed out).
func (t *Telemetry) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	var errs []error
	var emu sync.Mutex
	fail := func(err error) {
		emu.Lock()
		errs = append(errs, err)
		emu.Unlock()
	}
	if t.cfg.Metrics != "" {
		if ln, err := t.listen(); err != nil { // MQTT goes on without it
			t.mu.Lock()
			t.metricsErr = err.Error()
			t.mu.Unlock()
			t.cfg.Log("telemetry: /metrics not served: " + err.Error())
			fail(err)
		} else {
			wg.Add(1)
			go func() { defer wg.Done(); t.serveMetrics(ctx, ln) }()
		}
	}
	if t.cfg.MQTT != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := t.runMQTT(ctx); err != nil {
				fail(err)
			}
		}()
	}
	t.build(ctx)
	wg.Wait()
	return errors.Join(errs...)
}

// build takes each new snapshot (polling the slot four times a second)
// and the daemon's figures, and hands the State on.
func (t *Telemetry) build(ctx context.Context) {
	b := &builder{hub: t.cfg.HubID}
	var raw Raw
	var seen uint64
	tk := time.NewTicker(Every / 4)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		var ok bool
		if seen, ok = t.Slot.Take(&raw, seen); !ok {
			continue
		}
		f := t.cfg.Figures()
		t.figs.Store(&f)
		s := b.build(&raw, time.Now())
		t.state.Store(s)
		if t.cfg.MQTT != "" {
			t.hand(s)
		}
	}
}

// hand leaves s for the MQTT publisher without waiting: a state it has
// not taken yet (a slow or dead broker) is replaced, and counted dropped.
func (t *Telemetry) hand(s *State) {
	select {
	case t.toMQTT <- s:
		return
	default:
	}
	select {
	case <-t.toMQTT:
		t.dropped.Add(1)
	default:
	}
	select {
	case t.toMQTT <- s:
	default:
		t.dropped.Add(1)
	}
}
