package daemon

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"hearth/cmd/hearth/daemon/telemetry"
	"hearth/modules"
)

// The daemon's side of telemetry (docs/telemetry.md): the tick leaves a
// snapshot in telemetry's Slot at most once a second (ticker.run calls
// Offer, which only tries a lock), and telemetry's goroutines publish it
// over MQTT and /metrics. Nothing comes back: no command topic.

// TelemetryConfig is the [telemetry] table.
type TelemetryConfig struct {
	// HubID names the hub in topics and metric labels; empty: the host
	// name (--hub-id overrides).
	HubID string `toml:"hub_id"`
	// MQTT is the broker's URL, mqtt://host:port or mqtts://host:port;
	// empty: no MQTT (--mqtt overrides).
	MQTT         string `toml:"mqtt"`
	MQTTUsername string `toml:"mqtt_username"`
	MQTTPassword string `toml:"mqtt_password"`
	// The TLS trust and the client certificate (PEM files) for mqtts://.
	MQTTCAFile   string `toml:"mqtt_ca_file"`
	MQTTCertFile string `toml:"mqtt_cert_file"`
	MQTTKeyFile  string `toml:"mqtt_key_file"`
	// Metrics is the /metrics listen address, e.g. ":9477"; empty: none
	// (--metrics overrides).
	Metrics string `toml:"metrics"`
}

// hostHubID is the host name, as a hub id: characters a topic or a label
// cannot take become _.
func hostHubID() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "hearth"
	}
	h, _, _ = strings.Cut(h, ".")
	b := []byte(h)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b[:min(len(b), 64)])
}

// telemetryConfig is what the flags and the [telemetry] table ask.
func (d *daemon) telemetryConfig() telemetry.Config {
	tc := d.cfg.Telemetry
	c := telemetry.Config{HubID: tc.HubID, MQTT: tc.MQTT, Username: tc.MQTTUsername, Password: tc.MQTTPassword,
		CAFile: tc.MQTTCAFile, CertFile: tc.MQTTCertFile, KeyFile: tc.MQTTKeyFile, Metrics: tc.Metrics, Version: version()}
	if d.opts.HubID != "" {
		c.HubID = d.opts.HubID
	}
	if c.HubID == "" {
		c.HubID = hostHubID()
	}
	if d.opts.MQTT != "" {
		c.MQTT = d.opts.MQTT
	}
	if d.opts.Metrics != "" {
		c.Metrics = d.opts.Metrics
	}
	return c
}

// openTelemetry makes telemetry when MQTT or /metrics is asked for, and
// gives the tick its slot. Telemetry never stops the controller: one
// that cannot be made (a certificate that does not load) is logged, and
// the daemon runs without it.
func (d *daemon) openTelemetry() {
	c := d.telemetryConfig()
	if c.MQTT == "" && c.Metrics == "" {
		return
	}
	c.Figures = d.figures
	c.Log = func(msg string) { d.log.Info().Msg(msg) }
	_, err := telemetry.CheckTLS(c.CAFile, c.CertFile, c.KeyFile)
	var t *telemetry.Telemetry
	if err == nil {
		t, err = telemetry.New(c)
	}
	if err != nil {
		d.log.Error().Err(err).Msg("telemetry off: MQTT and /metrics not started")
		d.ev.send(event{kind: evInfo, wall: time.Now(), text: "telemetry off: " + err.Error()})
		return
	}
	d.tel = t
	d.tick.tele = &t.Slot
	d.ev.send(event{kind: evInfo, wall: time.Now(), text: fmt.Sprintf("telemetry: hub %s, mqtt %q, metrics %q; no command topic",
		c.HubID, c.MQTT, c.Metrics)})
}

// runTelemetry serves telemetry until ctx ends (after the tick has
// stopped: its last word is the last tick's state, then offline).
func (d *daemon) runTelemetry(ctx context.Context, wg *sync.WaitGroup) {
	if d.tel == nil {
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := d.tel.Run(ctx); err != nil {
			d.log.Error().Err(err).Msg("telemetry stopped")
		}
	}()
}

// figures are the daemon's figures for /metrics: telemetry calls it once
// a second from its own goroutine.
func (d *daemon) figures() telemetry.Figures {
	t := d.tick
	t.mu.Lock()
	sn := t.snap
	t.mu.Unlock()
	f := telemetry.Figures{Ticks: t.ticks.Load(), Overruns: t.over.Load(), Late: t.lateN.Load(),
		Jitter: t.jitter.cumulative(telemetry.TickBuckets), Work: t.work.cumulative(telemetry.TickBuckets),
		EventsLogged: t.ev.logged.Load(), EventsDropped: t.ev.dropped.Load(),
		KickErrors: sn.loop.KickErrors, WriteErrors: sn.loop.WriteErrors}
	if h := d.moduleHub(); h != nil {
		hs := h.Stats()
		f.LeasesSent, f.LeaseRetransmits, f.LeaseSendErrors = hs.LeasesSent, hs.Retransmits, hs.SendErrors
		f.Reports, f.Escalations, f.RelayErrors = hs.Reports, hs.Escalations, hs.RelayErrors
		for _, n := range hs.Rejected {
			f.ReportsRejected += n
		}
	}
	return f
}

// moduleHub is the module channel's Hub, sim or hardware.
func (d *daemon) moduleHub() *modules.Hub {
	switch p := d.plant.(type) {
	case *simPlant:
		return p.hub
	case *hwPlant:
		return p.hub
	}
	return nil
}

// cumulative returns h as a Prometheus histogram over bounds (seconds):
// the counts at or below each bound, and the sum taken at the buckets'
// centres (within 5 µs a tick). Read off the tick, without a lock.
func (h *histogram) cumulative(bounds []float64) telemetry.Histogram {
	out := telemetry.Histogram{Buckets: make(map[float64]uint64, len(bounds))}
	var seen uint64
	var sumNs float64
	bi := 0
	for i := range h.buckets {
		n := uint64(h.buckets[i].Load())
		upper := float64((int64(i) + 1) * histWidthNs)
		for bi < len(bounds) && upper > bounds[bi]*1e9 {
			out.Buckets[bounds[bi]] = seen
			bi++
		}
		seen += n
		sumNs += float64(n) * (upper - histWidthNs/2)
	}
	for ; bi < len(bounds); bi++ {
		out.Buckets[bounds[bi]] = seen
	}
	out.Count, out.Sum = seen, sumNs/1e9
	return out
}

// telemetryStats is telemetry's figures for the stats file.
func (d *daemon) telemetryStats() *telemetry.Counters {
	if d.tel == nil {
		return nil
	}
	c := d.tel.Counters()
	return &c
}
