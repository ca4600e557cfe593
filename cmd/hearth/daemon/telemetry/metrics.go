package telemetry

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hearth/hal"
	"hearth/safety"
)

// The /metrics side: a collector over the last State and Figures the
// builder stored. A scrape reads two atomic pointers and a few counters:
// however many scrapes come, the tick and its snapshot slot never see
// them.

type metric struct {
	d *prometheus.Desc
	t prometheus.ValueType
}

type collector struct {
	t *Telemetry
	m map[string]metric
}

// metricDefs: name -> help, type, variable labels.
var metricDefs = []struct {
	name, help string
	typ        prometheus.ValueType
	labels     []string
}{
	{"hearth_temperature_celsius", "A believed temperature probe's calibrated reading.", prometheus.GaugeValue, []string{"sensor"}},
	{"hearth_flow_litres_per_minute", "A believed flow meter's reading.", prometheus.GaugeValue, []string{"meter"}},
	{"hearth_pressure_bar", "The primary water circuit's believed pressure.", prometheus.GaugeValue, nil},
	{"hearth_compute_power_watts", "The modules' draw (feed meters; agents where a meter is not believed).", prometheus.GaugeValue, nil},
	{"hearth_heat_watts", "Heat carried by the primary water, by sink.", prometheus.GaugeValue, []string{"sink"}},
	{"hearth_module_power_watts", "A module's draw as its agent reports it.", prometheus.GaugeValue, []string{"module"}},
	{"hearth_module_feed_power_watts", "A module's draw on its feed meter.", prometheus.GaugeValue, []string{"module"}},
	{"hearth_module_relay_closed", "1 while a module's power relay is closed.", prometheus.GaugeValue, []string{"module"}},
	{"hearth_module_isolated", "1 while safety has cut a module on its own.", prometheus.GaugeValue, []string{"module"}},
	{"hearth_compute_energy_joules_total", "Energy the modules drew since the daemon started.", prometheus.CounterValue, nil},
	{"hearth_heat_energy_joules_total", "Heat delivered since the daemon started, by sink.", prometheus.CounterValue, []string{"sink"}},
	{"hearth_energy_reuse_ratio", "ERF since the daemon started: heat to tank and radiators over compute energy.", prometheus.GaugeValue, nil},
	{"hearth_trips_total", "Latched trips, by first-out cause.", prometheus.CounterValue, []string{"cause"}},
	{"hearth_alarms_raised_total", "Alarms raised, by cause.", prometheus.CounterValue, []string{"cause"}},
	{"hearth_channel_faults_total", "Faults of a channel (a believed channel ceasing to be believed).", prometheus.CounterValue, []string{"channel"}},
	{"hearth_safety_state", "1 for the safety layer's current state, 0 for the others.", prometheus.GaugeValue, []string{"state"}},
	{"hearth_trip_latched", "1 while a trip is latched.", prometheus.GaugeValue, nil},
	{"hearth_cause_active", "1 while a cause is a trip cause, an alarm or a warning.", prometheus.GaugeValue, []string{"cause"}},
	{"hearth_channels_untrusted", "Channels safety does not believe now.", prometheus.GaugeValue, nil},
	{"hearth_snapshot_age_seconds", "Age of the last tick snapshot telemetry took (grows if the tick stops).", prometheus.GaugeValue, nil},
	{"hearth_ticks_total", "Ticks run.", prometheus.CounterValue, nil},
	{"hearth_tick_overruns_total", "Deadlines missed entirely: ticks that never ran.", prometheus.CounterValue, nil},
	{"hearth_tick_late_total", "Ticks that started later than daemon.late (no watchdog kick).", prometheus.CounterValue, nil},
	{"hearth_events_logged_total", "Events written to the event log.", prometheus.CounterValue, nil},
	{"hearth_events_dropped_total", "Events dropped at the event log's queue.", prometheus.CounterValue, nil},
	{"hearth_watchdog_kick_errors_total", "Failed watchdog kicks.", prometheus.CounterValue, nil},
	{"hearth_device_write_errors_total", "Ticks on which a device write failed.", prometheus.CounterValue, nil},
	{"hearth_lease_sends_total", "Lease datagrams sent to the modules, retransmissions included.", prometheus.CounterValue, nil},
	{"hearth_lease_retransmits_total", "Lease sends while an earlier one was unacknowledged.", prometheus.CounterValue, nil},
	{"hearth_lease_send_errors_total", "Lease sends that failed.", prometheus.CounterValue, nil},
	{"hearth_module_reports_total", "Module reports accepted.", prometheus.CounterValue, nil},
	{"hearth_module_reports_rejected_total", "Module reports refused.", prometheus.CounterValue, nil},
	{"hearth_module_escalations_total", "Relays cut because a lower level was not acknowledged.", prometheus.CounterValue, nil},
	{"hearth_module_relay_errors_total", "Relay commands that failed.", prometheus.CounterValue, nil},
	{"hearth_telemetry_dropped_messages_total", "States not handed to the MQTT publisher (it was busy: a slow or dead broker).", prometheus.CounterValue, nil},
	{"hearth_telemetry_snapshots_skipped_total", "Ticks that found telemetry's snapshot slot held (copied on the next tick).", prometheus.CounterValue, nil},
	{"hearth_telemetry_publish_errors_total", "MQTT publishes that failed or timed out.", prometheus.CounterValue, nil},
	{"hearth_telemetry_published_messages_total", "MQTT messages published.", prometheus.CounterValue, nil},
	{"hearth_telemetry_ignored_messages_total", "MQTT messages received and ignored.", prometheus.CounterValue, nil},
	{"hearth_telemetry_mqtt_connected", "1 while connected to the MQTT broker.", prometheus.GaugeValue, nil},
	{"hearth_build_info", "The running build.", prometheus.GaugeValue, []string{"version"}},
}

// Histograms.
const (
	jitterName = "hearth_tick_jitter_seconds"
	workName   = "hearth_tick_duration_seconds"
)

// TickBuckets are the tick histograms' upper bounds, in seconds.
var TickBuckets = []float64{0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1}

func newCollector(t *Telemetry) *collector {
	c := &collector{t: t, m: map[string]metric{}}
	cl := prometheus.Labels{"hub": t.cfg.HubID}
	for _, d := range metricDefs {
		c.m[d.name] = metric{prometheus.NewDesc(d.name, d.help, d.labels, cl), d.typ}
	}
	c.m[jitterName] = metric{prometheus.NewDesc(jitterName, "How late each tick started after its deadline.", nil, cl), 0}
	c.m[workName] = metric{prometheus.NewDesc(workName, "How long each tick took, start to kick.", nil, cl), 0}
	return c
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.m {
		ch <- m.d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	emit := func(name string, v float64, lv ...string) {
		m := c.m[name]
		ch <- prometheus.MustNewConstMetric(m.d, m.t, v, lv...)
	}
	c.own(emit)
	if f := c.t.figs.Load(); f != nil {
		c.figures(ch, emit, f)
	}
	if s := c.t.state.Load(); s != nil {
		c.plant(emit, s)
		c.safety(emit, s)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (c *collector) own(emit func(string, float64, ...string)) {
	k := c.t.Counters()
	emit("hearth_telemetry_dropped_messages_total", float64(k.Dropped))
	emit("hearth_telemetry_snapshots_skipped_total", float64(k.SnapshotsSkipped))
	emit("hearth_telemetry_publish_errors_total", float64(k.PublishErrors))
	emit("hearth_telemetry_published_messages_total", float64(k.Published))
	emit("hearth_telemetry_ignored_messages_total", float64(k.Ignored))
	if c.t.cfg.MQTT != "" { // absent without MQTT: an alert on 0 means a lost broker
		emit("hearth_telemetry_mqtt_connected", b2f(k.Connected))
	}
	emit("hearth_build_info", 1, c.t.cfg.Version)
}

func (c *collector) figures(ch chan<- prometheus.Metric, emit func(string, float64, ...string), f *Figures) {
	for _, h := range []struct {
		name string
		h    *Histogram
	}{{jitterName, &f.Jitter}, {workName, &f.Work}} {
		ch <- prometheus.MustNewConstHistogram(c.m[h.name].d, h.h.Count, h.h.Sum, h.h.Buckets)
	}
	for _, v := range []struct {
		name string
		n    uint64
	}{{"hearth_ticks_total", f.Ticks}, {"hearth_tick_overruns_total", f.Overruns}, {"hearth_tick_late_total", f.Late},
		{"hearth_events_logged_total", f.EventsLogged}, {"hearth_events_dropped_total", f.EventsDropped},
		{"hearth_watchdog_kick_errors_total", f.KickErrors}, {"hearth_device_write_errors_total", f.WriteErrors},
		{"hearth_lease_sends_total", f.LeasesSent}, {"hearth_lease_retransmits_total", f.LeaseRetransmits},
		{"hearth_lease_send_errors_total", f.LeaseSendErrors}, {"hearth_module_reports_total", f.Reports},
		{"hearth_module_reports_rejected_total", f.ReportsRejected}, {"hearth_module_escalations_total", f.Escalations},
		{"hearth_module_relay_errors_total", f.RelayErrors}} {
		emit(v.name, float64(v.n))
	}
}

func (c *collector) plant(emit func(string, float64, ...string), s *State) {
	for k, v := range s.Temps {
		if v != nil {
			emit("hearth_temperature_celsius", *v, k)
		}
	}
	for k, v := range s.Flows {
		if v != nil {
			emit("hearth_flow_litres_per_minute", *v, k)
		}
	}
	if s.PressureBar != nil {
		emit("hearth_pressure_bar", *s.PressureBar)
	}
	emit("hearth_compute_power_watts", s.ComputeW)
	emit("hearth_heat_watts", s.HeatW.Tank, "tank")
	emit("hearth_heat_watts", s.HeatW.Radiators, "radiators")
	emit("hearth_heat_watts", s.HeatW.Dump, "dump")
	for _, m := range s.Modules {
		id := strconv.Itoa(m.Slot)
		emit("hearth_module_power_watts", m.PowerW, id)
		emit("hearth_module_feed_power_watts", m.FeedW, id)
		emit("hearth_module_relay_closed", b2f(m.Relay), id)
		emit("hearth_module_isolated", b2f(m.Isolated), id)
	}
	n := s.counts
	emit("hearth_compute_energy_joules_total", n.ComputeJ)
	emit("hearth_heat_energy_joules_total", n.HeatJ.Tank, "tank")
	emit("hearth_heat_energy_joules_total", n.HeatJ.Radiators, "radiators")
	emit("hearth_heat_energy_joules_total", n.HeatJ.Dump, "dump")
	if s.ERF != nil {
		emit("hearth_energy_reuse_ratio", *s.ERF)
	}
	emit("hearth_snapshot_age_seconds", time.Since(s.Time).Seconds())
}

func (c *collector) safety(emit func(string, float64, ...string), s *State) {
	n := s.counts
	active := map[string]bool{}
	for _, a := range s.Faults.Active {
		active[a] = true
	}
	for cs := safety.Cause(1); cs < safety.NumCauses; cs++ {
		emit("hearth_trips_total", float64(n.Trips[cs]), cs.String())
		emit("hearth_alarms_raised_total", float64(n.Alarms[cs]), cs.String())
		emit("hearth_cause_active", b2f(active[cs.String()]), cs.String())
	}
	for ch := hal.Channel(0); ch < hal.NumChannels; ch++ {
		emit("hearth_channel_faults_total", float64(n.Faults[ch]), ch.String())
	}
	for st := safety.State(0); st < safety.NumStates; st++ {
		emit("hearth_safety_state", b2f(st == n.State), st.String())
	}
	emit("hearth_trip_latched", b2f(s.Latched))
	emit("hearth_channels_untrusted", float64(len(s.Faults.Untrusted)))
}

// Registry returns a registry holding the hub's metrics (its own: no Go
// runtime or process collectors unless asked; the daemon adds them).
func (t *Telemetry) Registry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(newCollector(t))
	return r
}

func (t *Telemetry) listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", t.cfg.Metrics)
	if err == nil {
		t.mu.Lock()
		t.addr = ln.Addr().String()
		t.mu.Unlock()
	}
	return ln, err
}

// serveMetrics serves /metrics on ln until ctx ends: two scrapes at a
// time at most (more are answered 503), each bounded.
func (t *Telemetry) serveMetrics(ctx context.Context, ln net.Listener) {
	reg := t.Registry()
	// The Go runtime's and the process's figures, with the hub's label too.
	prometheus.WrapRegistererWith(prometheus.Labels{"hub": t.cfg.HubID}, reg).MustRegister(
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{MaxRequestsInFlight: 2, Timeout: 5 * time.Second})
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		t.scrapes.Add(1)
		h.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	_ = srv.Serve(ln)
}

// Addr is the address /metrics listens on, once Run has opened it (for
// a test that asked for port 0); "" before.
func (t *Telemetry) Addr() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.addr
}
