package daemon_test

import (
	"os"
	"path/filepath"

	"hearth/cmd/hearth/daemon"
	"hearth/control"
	"hearth/core"
	"hearth/safety"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tuneStatus is the part of tune status --json the tests read.
type tuneStatus struct {
	Loop     string   `json:"loop"`
	Phase    string   `json:"phase"`
	Cycles   int      `json:"cycles"`
	ElapsedS float64  `json:"elapsed_s"`
	Ku       *float64 `json:"ku"`
	TuS      *float64 `json:"tu_s"`
	Rule     string   `json:"rule"`
	Kp       float64  `json:"kp"`
	Ki       float64  `json:"ki"`
	Kd       float64  `json:"kd"`
	Applied  bool     `json:"applied"`
	InForce  struct {
		Kp, Ki, Kd float64
	} `json:"in_force"`
	Cause string `json:"cause"`
}

func (tm *term) tuneUntil(within time.Duration, cond func(tuneStatus) bool) tuneStatus {
	tm.t.Helper()
	end := time.Now().Add(within)
	var st tuneStatus
	for time.Now().Before(end) {
		st = tuneStatus{}
		tm.json("tune status", &st)
		if cond(st) {
			return st
		}
		time.Sleep(500 * time.Millisecond)
	}
	tm.t.Fatalf("tune: not within %v; last %+v\n%s\n%s", within, st, tm.run("tune status"), tm.run("status"))
	return st
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

// settled waits for every module to run and the dump's fan to hold the
// oil in the middle of its range, steady: the operating point a relay
// oscillates around.
func (tm *term) settled(within time.Duration) {
	tm.t.Helper()
	end, last := time.Now().Add(within), -1.0
	for time.Now().Before(end) {
		st := tm.run("status")
		f := fanOf(st)
		if strings.Contains(st, "8 of 8 powered") && f > 0.15 && f < 0.85 && last >= 0 && f-last < 0.05 && last-f < 0.05 {
			return
		}
		last = f
		time.Sleep(3 * time.Second)
	}
	tm.t.Fatalf("the dump's loop did not settle within %v:\n%s", within, tm.run("status"))
}

// liveTuneBench is hearth run --sim with eight modules in summer, the oil
// and the tank started near the dump loop's operating point, 30 times
// faster than the wall clock, an engineer logged in at the console.
func liveTuneBench(t *testing.T, faults string) (*bench, *term) {
	tm := openTerm(t)
	tmg := benchTiming
	tmg.modules = 8
	tmg.sim = "speed = 30\nseason = \"summer\"\noil_c = 46.5\ntank_c = 48.5\n"
	b := newBenchConsole(t, tmg, nil, consoleConfig+faults, tm.tty)
	tm.login()
	tm.until("running", 30*time.Second, func(s status) bool { return s.State == "running" })
	return b, tm
}

// Issue 18: a tuning session inside hearth run --sim, started from the
// console, completes; its gains are in the running controller, and the
// file tune apply writes loads through the configuration's loader.
func TestLiveTuneCompletesAndLoads(t *testing.T) {
	t.Parallel()
	b, tm := liveTuneBench(t, "")
	expect(t, "help tune", tm.run("help tune"), "usage: tune start|status|abort|apply", "tune start oil|water|tank", "Aborts, saying why")
	expect(t, "tune before", tm.run("tune status"), "no session")
	tm.settled(60 * time.Second)
	start := time.Now()
	expect(t, "tune start", tm.run("tune start oil"), "tune oil (dump loop): relay")
	expect(t, "second start", tm.run("tune start water"), "a tuning session is running")
	st := tm.tuneUntil(150*time.Second, func(s tuneStatus) bool { return s.Phase != "relay" })
	t.Logf("wall %v: %+v (Ku %v, Tu %v)", time.Since(start).Round(time.Second), st, *st.Ku, *st.TuS)
	if st.Phase != "done" || st.Rule != "zn-pi" || !st.Applied || st.Cycles < 4 {
		t.Fatalf("tune: %+v\n%s", st, tm.run("tune status"))
	}
	if st.Ku == nil || !(*st.Ku > 0) || st.TuS == nil || !(*st.TuS > 0) || !(st.Kp > 0 && st.Ki > 0) {
		t.Fatalf("tune: no figures: %+v", st)
	}
	if st.InForce.Kp != st.Kp || st.InForce.Ki != st.Ki || st.InForce.Kd != st.Kd {
		t.Fatalf("the running controller has %+v, the session chose kp %v ki %v kd %v", st.InForce, st.Kp, st.Ki, st.Kd)
	}
	path := filepath.Join(b.dir, "gains.toml")
	expect(t, "tune apply", tm.run("tune apply "+path), "in the running dump loop", "section [control.dump]")
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
	g, def := cfg.Control.DumpGains, core.DefaultConfig().Control.DumpGains
	near := func(a, b float64) bool { return a == b || (a-b)/b < 1e-5 && (b-a)/b < 1e-5 }
	if !near(g.Kp, st.Kp) || !near(g.Ki, st.Ki) || g.Kd != st.Kd || g.Reverse != def.Reverse || g.OutMax != def.OutMax {
		t.Errorf("loaded %+v, want kp %v ki %v kd %v, the rest the default's %+v", g, st.Kp, st.Ki, st.Kd, def)
	}
	expect(t, "events", tm.run("log 20"), "tune oil: done after")
}

// Issue 18: a fault injected during the relay aborts it with its cause,
// and the loop goes back to its PID with its gains untouched.
func TestLiveTuneAbortsOnFault(t *testing.T) {
	t.Parallel()
	_, tm := liveTuneBench(t, "[[sim.fault]]\nkind = \"sensor_open\"\ntarget = \"oil_in_b\"\nat = \"50m\"\n")
	tm.settled(60 * time.Second)
	expect(t, "tune start", tm.run("tune start oil"), "tune oil (dump loop): relay")
	st := tm.tuneUntil(150*time.Second, func(s tuneStatus) bool { return s.Phase != "relay" })
	t.Logf("%+v", st)
	// The probe's status is seen on the tick it opens; safety's alarm on
	// the lost channel comes after its debounce.
	if st.Phase != "aborted" || !strings.HasPrefix(st.Cause, "aborted: sensor fault oil_in_b (open)") {
		t.Fatalf("tune after the fault: %+v\n%s", st, tm.run("tune status"))
	}
	def := control.DefaultConfig().DumpGains
	if st.InForce.Kp != def.Kp || st.InForce.Ki != def.Ki || st.Applied {
		t.Errorf("an aborted session changed the gains: %+v", st.InForce)
	}
	expect(t, "tune apply", tm.run("tune apply"), "no tuning result to apply")
	expect(t, "events", tm.run("log 20"), "tune oil: aborted: ")
}
