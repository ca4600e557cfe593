package daemon_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"hearth/cmd/hearth/daemon"
)

func scrape(addr string) ([]byte, error) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// `hearth run --sim --metrics`: /metrics passes promlint, carries the hub
// label on every hearth metric, and passes promtool check metrics where
// promtool is installed.
func TestMetricsScrapeLintClean(t *testing.T) {
	t.Parallel()
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	b := newTelemetryBench(t, benchTiming, "", "m1", addr)
	var body []byte
	b.waitFor("/metrics with the plant's state", 15*time.Second, func() bool {
		var err error
		body, err = scrape(addr)
		return err == nil && bytes.Contains(body, []byte(`hearth_temperature_celsius{hub="m1",sensor="oil_in_a"}`)) &&
			bytes.Contains(body, []byte("hearth_tick_jitter_seconds_bucket"))
	})
	probs, err := promlint.New(bytes.NewReader(body)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	series := 0
	for _, l := range strings.Split(string(body), "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		series++
		if !strings.Contains(l, `hub="m1"`) {
			t.Errorf("no hub label: %s", l)
		}
	}
	for _, want := range []string{"hearth_ticks_total{", "hearth_tick_overruns_total{", "hearth_safety_state{",
		"hearth_trips_total{", "hearth_compute_energy_joules_total{", "hearth_lease_sends_total{",
		"hearth_telemetry_dropped_messages_total{", "hearth_tick_duration_seconds_count{", "go_goroutines{"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics has no %s...}", want)
		}
	}
	t.Logf("/metrics: %d series, %d bytes, promlint: %d problems", series, len(body), len(probs))
	if path, err := exec.LookPath("promtool"); err == nil {
		cmd := exec.Command(path, "check", "metrics")
		cmd.Stdin = bytes.NewReader(body)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	} else {
		t.Log("promtool not installed: promtool check metrics skipped (CI installs it)")
	}
}

// jitterEnv runs TestTelemetryCostsTheTickNothing: it compares timing
// figures between runs, so .ci/run runs it alone.
const jitterEnv = "HEARTH_TELEMETRY_JITTER"

// telemetryRun runs `hearth run --sim` for d, with MQTT publishing to a
// real broker and /metrics scraped at 1 Hz when on, and returns the
// daemon's figures at its controlled exit.
func telemetryRun(t *testing.T, d time.Duration, on bool) daemon.Stats {
	tm := benchTiming
	tm.prio = 50 // as shipped (where the kernel refuses it, the stats say so)
	var b *bench
	stop := make(chan struct{})
	done := make(chan struct{})
	if !on {
		b = newBenchOpts(t, tm, nil, "", "", nil)
		close(done)
	} else {
		br := startBroker(t)
		addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
		b = newTelemetryBench(t, tm, br.url(), "j"+strconv.Itoa(br.port), addr)
		go func() {
			defer close(done)
			tk := time.NewTicker(time.Second)
			defer tk.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tk.C:
					_, _ = scrape(addr)
				}
			}
		}()
	}
	time.Sleep(d)
	close(stop)
	<-done
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	if code := b.exitCode(40 * time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	st, ok := b.readStats()
	if !ok {
		t.Fatal("no stats")
	}
	return st
}

// Telemetry on (MQTT at 1 Hz to a real broker, /metrics scraped at 1 Hz)
// costs the tick nothing: jitter p99 within 0.2 ms of a run without it,
// no overrun. As with the console flood test, each condition runs twice,
// interleaved, and the better run of each is compared (this VM's host
// moves one run's p99 by more than the bound in either condition); every
// run's figures are logged.
func TestTelemetryCostsTheTickNothing(t *testing.T) {
	if os.Getenv(jitterEnv) == "" {
		t.Skip(jitterEnv + " unset: .ci/run runs this alone (it compares timing figures)")
	}
	mosquittoPath(t)
	const d = 30 * time.Second
	var best [2]daemon.Stats
	for round := range 4 {
		on := round%2 == 1
		st := telemetryRun(t, d, on)
		t.Logf("%-4s %d ticks, %d overruns, jitter p50 %.3f p99 %.3f max %.3f ms, work p99 %.3f ms, %s",
			map[bool]string{false: "off:", true: "on:"}[on], st.Ticks, st.Overruns, st.JitterP50Ms,
			st.JitterP99Ms, st.JitterMaxMs, st.WorkP99Ms, st.Scheduler)
		if on {
			tm := st.Telemetry
			if tm == nil || tm.Published < uint64(d.Seconds())-5 || tm.Scrapes < uint64(d.Seconds())-5 {
				t.Errorf("telemetry %+v: want a publish and a scrape a second", tm)
			} else {
				t.Logf("on:  telemetry %d published, %d scrapes, %d dropped, %d snapshots skipped",
					tm.Published, tm.Scrapes, tm.Dropped, tm.SnapshotsSkipped)
			}
			if st.Overruns != 0 {
				t.Errorf("%d overruns with telemetry on", st.Overruns)
			}
		}
		k := round % 2
		if round < 2 || st.JitterP99Ms < best[k].JitterP99Ms {
			best[k] = st
		}
	}
	off, on := best[0], best[1]
	t.Logf("better runs: off p99 %.3f ms, on p99 %.3f ms", off.JitterP99Ms, on.JitterP99Ms)
	if on.JitterP99Ms > off.JitterP99Ms+0.2 {
		t.Errorf("jitter p99 %.3f ms with telemetry, %.3f ms without: more than 0.2 ms worse", on.JitterP99Ms, off.JitterP99Ms)
	}
}
