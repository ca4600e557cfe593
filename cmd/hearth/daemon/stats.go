package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"hearth/cmd/hearth/daemon/telemetry"
	"hearth/hal/sampler"
	"hearth/hal/watchdog"
)

// histogram counts durations in 10 µs buckets up to 250 ms, with the
// maximum kept exactly: the tick's jitter and its work. It is written by the
// tick's thread and read by the stats writer, without a lock; its buckets
// are allocated once.
type histogram struct {
	buckets [histBuckets]atomic.Uint32
	n       atomic.Uint64
	maxNs   atomic.Int64
}

const (
	histWidthNs = 10_000
	histBuckets = 25_000
)

func (h *histogram) add(ns int64) {
	ns = max(ns, 0)
	b := min(ns/histWidthNs, histBuckets-1)
	h.buckets[b].Add(1)
	h.n.Add(1)
	if ns > h.maxNs.Load() {
		h.maxNs.Store(ns) // one writer: no lost update
	}
}

// quantileMs returns the upper edge of the bucket holding the q-quantile, in
// ms: an over-estimate by less than one bucket (10 µs), never an under one.
func (h *histogram) quantileMs(q float64) float64 {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	var seen uint64
	for i := range h.buckets {
		seen += uint64(h.buckets[i].Load())
		if seen >= rank {
			return math.Min(float64((int64(i)+1)*histWidthNs), float64(h.maxNs.Load())) / 1e6
		}
	}
	return h.maxMs()
}

func (h *histogram) maxMs() float64 { return float64(h.maxNs.Load()) / 1e6 }

// Stats is the daemon's stats file. Field names are a contract (issue 12).
type Stats struct {
	Ticks    uint64  `json:"ticks"`
	Overruns uint64  `json:"overruns"` // deadlines missed entirely: ticks that never ran
	TickMs   float64 `json:"tick_ms"`
	// Jitter is how late each tick started after its deadline.
	JitterP50Ms float64 `json:"jitter_p50_ms"`
	JitterP99Ms float64 `json:"jitter_p99_ms"`
	JitterMaxMs float64 `json:"jitter_max_ms"`
	// Work is how long each tick took, start to kick.
	WorkP50Ms float64 `json:"work_p50_ms"`
	WorkP99Ms float64 `json:"work_p99_ms"`
	WorkMaxMs float64 `json:"work_max_ms"`
	Late      uint64  `json:"late"` // ticks that started later than daemon.late (no kick)

	UptimeS     float64 `json:"uptime_s"`
	Scheduler   string  `json:"scheduler"`
	SafetyState string  `json:"safety_state"`
	Cause       string  `json:"cause"`
	Latched     bool    `json:"latched"`
	Watchdog    string  `json:"watchdog"`
	Kicks       uint64  `json:"kicks"`
	Persists    uint64  `json:"persists"`
	PersistErrs uint64  `json:"persist_errors"`
	WriteErrs   uint64  `json:"write_errors"`
	Events      uint64  `json:"events_logged"`
	EventsLost  uint64  `json:"events_dropped"`
	Stopping    string  `json:"stopping,omitempty"` // "", "controlled", "cut"
	// Samplers are the input samplers' rounds: a slow or hung bus shows
	// here (and in its samples' ages), never in the tick.
	Samplers []sampler.GroupStats `json:"samplers"`
	// Console is the serial console's line, when one is configured.
	Console *ConsoleStats `json:"console,omitempty"`
	// Telemetry is MQTT's and /metrics' figures, when either is on:
	// dropped_messages counts states a slow or dead broker left behind.
	Telemetry *telemetry.Counters `json:"telemetry,omitempty"`
	WrittenAt string              `json:"written_at"`
}

// ConsoleStats is the console line's traffic: what came in, what was
// dropped at its bounded queues, how often it was opened.
type ConsoleStats struct {
	Device     string `json:"device"`
	Opens      uint64 `json:"opens"`
	OpenErrors uint64 `json:"open_errors"`
	BytesIn    uint64 `json:"bytes_in"`
	BytesOut   uint64 `json:"bytes_out"`
	InDropped  uint64 `json:"in_dropped_bytes"`
	OutDropped uint64 `json:"out_dropped_chunks"`
	LastError  string `json:"last_error,omitempty"`
}

func latchedNote(latched bool, cause string) string {
	if latched {
		return " (latched: " + cause + ")"
	}
	return ""
}

// writeStats replaces path with s, atomically (temp file, rename): a reader
// never sees half a file. It is not fsynced: stats are for people, and the
// SD card is spared.
func writeStats(path string, s *Stats) error {
	s.WrittenAt = time.Now().UTC().Format(time.RFC3339Nano)
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// runStats rewrites the stats file every daemon.stats_every, and once more
// when ctx ends. The returned channel closes after the last write.
func (d *daemon) runStats(ctx context.Context, wg *sync.WaitGroup) <-chan struct{} {
	done := make(chan struct{})
	path := d.opts.Stats
	if path == "" {
		path = d.cfg.Daemon.StatsFile
	}
	start := time.Now()
	write := func() {
		s := d.tick.stats()
		s.UptimeS = time.Since(start).Seconds()
		s.Watchdog = d.dog.String()
		for _, g := range d.set.Groups {
			s.Samplers = append(s.Samplers, g.Stats())
		}
		if dev := d.consoleDevice(); dev != "" {
			c := &d.conStats
			s.Console = &ConsoleStats{Device: dev, Opens: c.Opens.Load(), OpenErrors: c.OpenErrors.Load(),
				BytesIn: c.BytesIn.Load(), BytesOut: c.BytesOut.Load(), InDropped: c.InDropped.Load(),
				OutDropped: c.OutDropped.Load(), LastError: c.LastError()}
		}
		s.Telemetry = d.telemetryStats()
		// systemctl status shows it on its Status: line.
		_ = watchdog.Status(fmt.Sprintf("safety %s%s; %d ticks, %d overruns, jitter p99 %.2f ms",
			s.SafetyState, latchedNote(s.Latched, s.Cause), s.Ticks, s.Overruns, s.JitterP99Ms))
		if path == "" {
			return
		}
		if err := writeStats(path, &s); err != nil {
			d.log.Error().Err(err).Str("file", path).Msg("stats not written")
		}
	}
	go func() {
		defer close(done)
		t := time.NewTicker(time.Duration(d.cfg.Daemon.StatsEvery))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				write()
				return
			case <-t.C:
				write()
			}
		}
	}()
	return done
}
