package daemon_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"hearth/cmd/hearth/console"
	"hearth/cmd/hearth/daemon"
	"hearth/control"
	"hearth/core"
	"hearth/safety"
)

// linkedTTY is a null-modem cable between two ptys: the daemon opens one
// tty as its console, a client the other by its path, as `hearth tune
// --console` opens a USB serial adapter.
func linkedTTY(t *testing.T) (daemonTTY, clientTTY string) {
	t.Helper()
	m1, s1, err := pty.Open()
	if err != nil {
		t.Skipf("no pty here: %v", err)
	}
	m2, s2, err := pty.Open()
	if err != nil {
		t.Skipf("no pty here: %v", err)
	}
	for _, m := range []*os.File{m1, m2} {
		if err := makeRaw(m); err != nil {
			t.Fatal(err)
		}
	}
	go func() { _, _ = io.Copy(m1, m2) }()
	go func() { _, _ = io.Copy(m2, m1) }()
	t.Cleanup(func() {
		for _, f := range []*os.File{m1, s1, m2, s2} {
			_ = f.Close()
		}
	})
	return s1.Name(), s2.Name()
}

// fanOf reads the fan's written speed from status.
func fanOf(text string) float64 {
	_, after, ok := strings.Cut(text, " fan ")
	if !ok {
		return -1
	}
	f, err := strconv.ParseFloat(strings.Fields(after)[0], 64)
	if err != nil {
		return -1
	}
	return f
}

// liveTune is hearth run --sim with eight modules in summer, the oil and
// the tank started near the dump loop's operating point, 30 times faster
// than the wall clock, and a console.Client logged in on its console line.
type liveTune struct {
	t  *testing.T
	b  *bench
	cl *console.Client
}

func newLiveTune(t *testing.T, faults string) *liveTune {
	daemonTTY, clientTTY := linkedTTY(t)
	tmg := benchTiming
	tmg.modules = 8
	tmg.sim = "speed = 30\nseason = \"summer\"\noil_c = 46.5\ntank_c = 48.5\n"
	b := newBenchConsole(t, tmg, nil, consoleConfig+faults, daemonTTY)
	cl, err := console.Dial(console.Serial(clientTTY, console.DefaultBaud))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	lt := &liveTune{t: t, b: b, cl: cl}
	if err := cl.Ready(); err != nil {
		t.Fatal(err)
	}
	if err := cl.Login(testPassphrase); err != nil {
		t.Fatal(err)
	}
	lt.until("running", 30*time.Second, func(s string) bool { return strings.Contains(s, "running") })
	return lt
}

func (lt *liveTune) run(line string) string {
	lt.t.Helper()
	out, err := lt.cl.Run(line)
	if err != nil {
		lt.t.Fatalf("%s: %v", line, err)
	}
	return out
}

// until polls status until cond holds on its text.
func (lt *liveTune) until(what string, within time.Duration, cond func(string) bool) {
	lt.t.Helper()
	end := time.Now().Add(within)
	for time.Now().Before(end) {
		if cond(lt.run("status")) {
			return
		}
		time.Sleep(time.Second)
	}
	lt.t.Fatalf("not %s within %v:\n%s", what, within, lt.run("status"))
}

// settled waits for every module to run and the dump's fan to hold the
// oil in the middle of its range, steady: the operating point a relay
// oscillates around.
func (lt *liveTune) settled(within time.Duration) {
	lt.t.Helper()
	last := -1.0
	lt.until("settled", within, func(st string) bool {
		f := fanOf(st)
		ok := strings.Contains(st, "8 of 8 powered") && f > 0.15 && f < 0.85 && last >= 0 && f-last < 0.05 && last-f < 0.05
		last = f
		if !ok {
			time.Sleep(2 * time.Second)
		}
		return ok
	})
}

// loadGains reads a written snippet through the configuration's loader
// and returns the dump loop's gains.
func loadGains(t *testing.T, path string) control.Config {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s:\n%s", path, data)
	cfg := core.DefaultConfig()
	f := struct {
		Control control.Config `toml:"control"`
		Safety  safety.Config  `toml:"safety"`
	}{cfg.Control, cfg.Safety}
	if issues := daemon.CheckText(path, data, &f, func() error {
		cfg = core.Config{Control: f.Control, Safety: f.Safety}
		return cfg.Validate()
	}); len(issues) > 0 {
		t.Fatalf("the written file does not load: %v\n%s", issues, data)
	}
	return cfg.Control
}

// Issue 18: a tuning session inside hearth run --sim, driven over the
// console line by console.Client as `hearth tune oil --console DEVICE`
// drives it, completes; its gains are in the running controller, and the
// files tune apply and the client write load through the configuration's
// loader with those gains.
func TestLiveTuneCompletesAndLoads(t *testing.T) {
	t.Parallel()
	lt := newLiveTune(t, "")
	expect(t, "help tune", lt.run("help tune"), "usage: tune start|status|abort|apply", "tune start oil|water|tank", "Aborts, saying why")
	expect(t, "tune before", lt.run("tune status"), "no session")
	lt.settled(60 * time.Second)
	start, polls := time.Now(), 0
	v, err := lt.cl.Tune(context.Background(), "oil", console.TuneOptions{Every: 500 * time.Millisecond, Within: 300 * time.Second,
		Progress: func(v console.TuneView) {
			if polls++; polls == 1 {
				expect(t, "second start", lt.run("tune start water"), "a tuning session is running")
			}
		}})
	t.Logf("wall %v, %d polls: %+v", time.Since(start).Round(time.Second), polls, v)
	if err != nil {
		t.Fatalf("tune: %v\n%s", err, lt.run("tune status"))
	}
	if v.Phase != "done" || v.Rule != "zn-pi" || !v.Applied || v.Cycles < 4 || !strings.Contains(v.Reason, "on oil") {
		t.Fatalf("tune: %+v\n%s", v, lt.run("tune status"))
	}
	if v.Ku == nil || !(*v.Ku > 0) || v.TuS == nil || !(*v.TuS > 0) || !(v.Kp > 0 && v.Ki > 0) {
		t.Fatalf("tune: no figures: %+v", v)
	}
	t.Logf("Ku %.4g /K, Tu %.1f s", *v.Ku, *v.TuS)
	if v.InForce.Kp != v.Kp || v.InForce.Ki != v.Ki || v.InForce.Kd != v.Kd {
		t.Fatalf("the running controller has %+v, the session chose kp %v ki %v kd %v", v.InForce, v.Kp, v.Ki, v.Kd)
	}
	applied, written := filepath.Join(lt.b.dir, "applied.toml"), filepath.Join(lt.b.dir, "written.toml")
	expect(t, "tune apply", lt.run("tune apply "+applied), "in the running dump loop", "section [control.dump]")
	if _, err := console.WriteTuneFile(written, &v, "hearth tune oil --console"); err != nil {
		t.Fatal(err)
	}
	def := core.DefaultConfig().Control.DumpGains
	near := func(a, b float64) bool { return a == b || (a-b)/b < 1e-5 && (b-a)/b < 1e-5 }
	for _, path := range []string{applied, written} {
		g := loadGains(t, path).DumpGains
		if !near(g.Kp, v.Kp) || !near(g.Ki, v.Ki) || g.Kd != v.Kd || g.Reverse != def.Reverse || g.OutMax != def.OutMax ||
			g.SetpointWeight != def.SetpointWeight || g.DerivativeFilter != def.DerivativeFilter {
			t.Errorf("%s: loaded %+v, want kp %v ki %v kd %v, the rest the default's %+v", path, g, v.Kp, v.Ki, v.Kd, def)
		}
	}
	expect(t, "events", lt.run("log 20"), "tune oil: done after")
}

// Issue 18: a fault injected during the relay aborts it with its cause,
// the client says so, and the loop goes back to its PID with its gains
// untouched.
func TestLiveTuneAbortsOnFault(t *testing.T) {
	t.Parallel()
	lt := newLiveTune(t, "[[sim.fault]]\nkind = \"sensor_open\"\ntarget = \"oil_in_b\"\nat = \"50m\"\n")
	lt.settled(60 * time.Second)
	v, err := lt.cl.Tune(context.Background(), "oil", console.TuneOptions{Every: 500 * time.Millisecond, Within: 300 * time.Second})
	t.Logf("%v: %+v", err, v)
	// The probe's status is seen on the tick it opens; safety's alarm on
	// the lost channel comes after its debounce.
	if err == nil || v.Phase != "aborted" || !strings.HasPrefix(v.Cause, "aborted: sensor fault oil_in_b (open)") ||
		err.Error() != v.Cause {
		t.Fatalf("tune after the fault: %v, %+v\n%s", err, v, lt.run("tune status"))
	}
	def := control.DefaultConfig().DumpGains
	if v.InForce.Kp != def.Kp || v.InForce.Ki != def.Ki || v.Applied {
		t.Errorf("an aborted session changed the gains: %+v", v.InForce)
	}
	if _, err := console.WriteTuneFile(filepath.Join(lt.b.dir, "x.toml"), &v, "test"); err == nil {
		t.Error("an aborted session's gains written")
	}
	expect(t, "tune apply", lt.run("tune apply"), "no tuning result to apply")
	expect(t, "events", lt.run("log 20"), "tune oil: aborted: ")
}

// The client's own bound: a session not done within it is aborted, and
// the loop handed back.
func TestLiveTuneClientAbortsAtItsBound(t *testing.T) {
	t.Parallel()
	lt := newLiveTune(t, "")
	lt.settled(60 * time.Second)
	v, err := lt.cl.Tune(context.Background(), "oil", console.TuneOptions{Every: 500 * time.Millisecond, Within: 3 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "not done within 3s: tune abort sent") || v.Phase != "aborted" ||
		v.Cause != "aborted: by the operator" {
		t.Fatalf("tune with a 3 s bound: %v, %+v", err, v)
	}
}
