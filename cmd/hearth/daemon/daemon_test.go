package daemon_test

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"hearth/cmd/hearth/daemon"
	"hearth/hal/sim"
	"hearth/hal/watchdog/wdtest"
	"hearth/safety"
	"hearth/safety/eventlog"
	"hearth/safety/tripstore"
)

// The tests run the daemon as a child process (this test binary, re-executed)
// so that they can send it real signals, SIGKILL included.
const childEnv = "HEARTH_DAEMON_CHILD"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		var o daemon.Options
		if err := json.Unmarshal([]byte(args), &o); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		if rig := os.Getenv(rigEnv); rig != "" {
			os.Exit(runOnRig(o, rig))
		}
		os.Exit(daemon.Run(o))
	}
	os.Exit(m.Run())
}

// bench is one daemon under test with the hardware it sees: the emulated
// watchdog on a FIFO and the module relays as files. When the watchdog
// fires, the test does what the Pi's reset does to its GPIOs: every relay
// drops out.
type bench struct {
	t      *testing.T
	dir    string
	stats  string
	relays string
	dog    *wdtest.Emulator
	cmd    *exec.Cmd
	out    *os.File
	exited chan error
	config string
}

const modules = 4

// timing is what a test may change of the bench's configuration.
type timing struct {
	shutdownTimeout, offDeadline, moduleShutdown string
	// prio is the tick's SCHED_FIFO priority (daemon.realtime_priority);
	// 0 leaves it under the normal scheduler, as most tests do.
	prio int
	// modules is the plant's module count (0: modules); sim is more of
	// [sim]'s keys, as TOML lines.
	modules int
	sim     string
}

// benchTiming: a graceful shutdown of 2 s, the hub's deadline 6 s, the
// daemon's 20 s.
var benchTiming = timing{shutdownTimeout: "20s", offDeadline: "6s", moduleShutdown: "2s"}

func newBench(t *testing.T) *bench { return newBenchWith(t, benchTiming, nil) }

// newBenchWith runs prep on the state directory before the daemon starts.
func newBenchWith(t *testing.T, tm timing, prep func(state string)) *bench {
	t.Helper()
	return newBenchConsole(t, tm, prep, "", "")
}

// newBenchConsole is newBenchWith with more configuration (extra, TOML
// appended to the file) and a serial console on the line tty.
func newBenchConsole(t *testing.T, tm timing, prep func(state string), extra, tty string) *bench {
	t.Helper()
	return newBenchOpts(t, tm, prep, extra, tty, nil)
}

// newBenchOpts is newBenchConsole with opt changing the daemon's options
// (its flags) before the launch.
func newBenchOpts(t *testing.T, tm timing, prep func(state string), extra, tty string, opt func(*daemon.Options)) *bench {
	t.Helper()
	b := &bench{t: t, dir: t.TempDir()}
	if prep != nil {
		prep(filepath.Join(b.dir, "state"))
	}
	b.stats, b.relays = filepath.Join(b.dir, "stats.json"), filepath.Join(b.dir, "relays")
	if err := os.Mkdir(b.relays, 0o755); err != nil {
		t.Fatal(err)
	}
	var err error
	b.dog, err = wdtest.NewEmulator(filepath.Join(b.dir, "watchdog"), 2*time.Second, b.dropRelays)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.dog.Stop)
	cfg := fmt.Sprintf(`
[daemon]
state_dir = %q
stats_every = "500ms"
realtime_priority = %d
shutdown_timeout = %q
[watchdog]
kind = "device"
device = %q
timeout = "2s"
[modules]
relay_dir = %q
off_deadline = %q
[sim]
modules = %d
module_boot = "1s"
module_shutdown = %q
%s
`, filepath.Join(b.dir, "state"), tm.prio, tm.shutdownTimeout, b.dog.Path(), b.relays, tm.offDeadline, cmp.Or(tm.modules, modules), tm.moduleShutdown, tm.sim)
	path := filepath.Join(b.dir, "hearth.toml")
	if err := os.WriteFile(path, []byte(cfg+extra), 0o644); err != nil {
		t.Fatal(err)
	}
	b.config = path
	o := daemon.Options{Config: path, Sim: true, Stats: b.stats, Console: tty}
	if opt != nil {
		opt(&o)
	}
	b.launch(o)
	return b
}

// launch runs the daemon as a child with opts, and env added to its
// environment; the cleanup kills it and, on failure, logs its output.
func (b *bench) launch(o daemon.Options, env ...string) {
	opts, _ := json.Marshal(o)
	b.cmd = exec.Command(os.Args[0], "-test.run=^$")
	b.cmd.Env = append(append(os.Environ(), childEnv+"="+string(opts)), env...)
	var err error
	if b.out, err = os.Create(filepath.Join(b.dir, "daemon.log")); err != nil {
		b.t.Fatal(err)
	}
	b.cmd.Stdout, b.cmd.Stderr = b.out, b.out
	if err := b.cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	b.exited = make(chan error, 1)
	go func() { b.exited <- b.cmd.Wait() }()
	b.t.Cleanup(func() {
		_ = b.cmd.Process.Kill()
		<-b.exited
		if b.t.Failed() {
			log, _ := os.ReadFile(b.out.Name())
			b.t.Logf("daemon log (last 4 KiB):\n%s", tail(log, 4096))
		}
	})
}

// dropRelays is the Pi's reset as the relays see it: GPIOs revert to inputs
// and every energise-to-run relay opens.
func (b *bench) dropRelays() {
	for i := 1; i <= modules; i++ {
		_ = sim.WriteSwitchFile(filepath.Join(b.relays, fmt.Sprintf("module-%d", i)), false)
	}
}

func (b *bench) relayStates() (closed int) {
	for i := 1; i <= modules; i++ {
		on, err := sim.ReadSwitchFile(filepath.Join(b.relays, fmt.Sprintf("module-%d", i)))
		if err == nil && on {
			closed++
		}
	}
	return closed
}

// waitFor polls cond every 50 ms for at most d.
func (b *bench) waitFor(what string, d time.Duration, cond func() bool) {
	b.t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		select {
		case err := <-b.exited:
			b.t.Fatalf("waiting for %s: the daemon exited: %v", what, err)
		default:
		}
		if time.Now().After(end) {
			b.t.Fatalf("no %s within %v", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *bench) readStats() (daemon.Stats, bool) {
	raw, err := os.ReadFile(b.stats)
	if err != nil {
		return daemon.Stats{}, false
	}
	var s daemon.Stats
	return s, json.Unmarshal(raw, &s) == nil
}

func (b *bench) exitCode(within time.Duration) int {
	b.t.Helper()
	select {
	case err := <-b.exited:
		b.exited <- err // for the cleanup
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			b.t.Fatal(err)
		}
		return 0
	case <-time.After(within):
		b.t.Fatalf("the daemon did not exit within %v", within)
	}
	return -1
}

func (b *bench) events() []eventlog.Event {
	var evs []eventlog.Event
	err := eventlog.ReadDir(filepath.Join(b.dir, "state", "events"), time.Time{}, func(e eventlog.Event) error {
		evs = append(evs, e)
		return nil
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return evs
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func has(evs []eventlog.Event, kind, cause, msg string) bool {
	for _, e := range evs {
		if e.Kind.String() == kind && (cause == "" || e.Cause == cause) && strings.Contains(e.Msg, msg) {
			return true
		}
	}
	return false
}

// SIGKILL: the daemon cannot tidy up, the watchdog stops being fed, and one
// timeout later it fires: every module unpowered.
func TestSIGKILLLeavesModulesUnpoweredOnceTheWatchdogFires(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	b.waitFor("two module relays closed", 60*time.Second, func() bool { return b.relayStates() >= 2 })
	b.waitFor("the watchdog fed", 5*time.Second, func() bool { return b.dog.Kicks() > 10 })
	before := b.relayStates()
	if err := b.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	b.exitCode(5 * time.Second)
	time.Sleep(time.Second) // a second after the kill, still before the timeout
	// A daemon starved of CPU before the kill stopped kicking earlier: the
	// watchdog may then already have fired, one timeout after its last
	// kick; a relay dropped by anything else is the test's hardware.
	if got := b.relayStates(); got != before && !b.dog.Fired() {
		t.Fatalf("relays closed went %d -> %d at the kill itself: the test's hardware is wrong", before, got)
	}
	if !b.dog.Wait(b.dog.Timeout() + 2*time.Second) {
		t.Fatalf("the watchdog did not fire within %v of the SIGKILL", b.dog.Timeout()+2*time.Second)
	}
	after := b.dog.FiredAt().Sub(killed)
	if quiet := b.dog.FiredAt().Sub(b.dog.LastKickAt()); quiet < b.dog.Timeout()-200*time.Millisecond {
		t.Errorf("the watchdog fired %v after its last kick (%v after the kill), before its %v timeout", quiet, after, b.dog.Timeout())
	}
	if after > b.dog.Timeout()+time.Second {
		t.Errorf("the watchdog fired %v after the kill, more than its %v timeout and a second", after, b.dog.Timeout())
	}
	if b.dog.Disarmed() {
		t.Errorf("a SIGKILLed daemon disarmed the watchdog (magic close)")
	}
	for end := time.Now().Add(time.Second); b.relayStates() != 0 && time.Now().Before(end); {
		time.Sleep(20 * time.Millisecond) // the callback runs just after the firing is seen
	}
	if got := b.relayStates(); got != 0 {
		t.Errorf("%d of %d relays still closed after the watchdog fired", got, modules)
	}
	t.Logf("%d of %d relays closed at the kill; watchdog fired %v after it (timeout %v); %d closed after",
		before, modules, after.Round(time.Millisecond), b.dog.Timeout(), b.relayStates())
}

// SIGTERM: the controlled shutdown, in the event log, then exit 0 with every
// relay open and the watchdog disarmed by its magic close.
func TestSIGTERMShutsDownInOrder(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	b.waitFor("a module relay closed", 60*time.Second, func() bool { return b.relayStates() > 0 })
	closed := b.relayStates()
	t0 := time.Now()
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := b.exitCode(30 * time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}
	took := time.Since(t0)
	if got := b.relayStates(); got != 0 {
		t.Errorf("%d relays closed after the controlled shutdown", got)
	}
	time.Sleep(b.dog.Timeout() + 500*time.Millisecond)
	if b.dog.Fired() || !b.dog.Disarmed() {
		t.Errorf("watchdog fired %v, disarmed %v: want disarmed by the magic close, never fired", b.dog.Fired(), b.dog.Disarmed())
	}
	evs := b.events()
	for _, want := range []struct{ kind, msg string }{
		{"start", "hearth run started"},
		{"stop", "controlled shutdown begun"},
		{"stop", "controlled shutdown done: modules down, outputs de-energised"},
		{"config", "(first on record)"},
	} {
		if !has(evs, want.kind, "", want.msg) {
			t.Errorf("no %s event %q in the event log", want.kind, want.msg)
		}
	}
	st, ok := b.readStats()
	if !ok || st.Stopping != "controlled" || st.Ticks == 0 {
		t.Errorf("stats at exit: %+v, want a controlled stop", st)
	}
	t.Logf("%d relays closed at SIGTERM; exit 0 after %v; %d events logged", closed, took.Round(time.Millisecond), len(evs))
}

// Modules that take longer to shut down than the daemon's shutdown_timeout
// (and than the hub's own deadline) are cut when it runs out: the
// controlled shutdown is bounded, says so, and still exits 0.
func TestShutdownTimeoutCutsSlowModules(t *testing.T) {
	t.Parallel()
	b := newBenchWith(t, timing{shutdownTimeout: "2s", offDeadline: "60s", moduleShutdown: "30s"}, nil)
	b.waitFor("a module relay closed", 60*time.Second, func() bool { return b.relayStates() > 0 })
	t0 := time.Now()
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	if code := b.exitCode(20 * time.Second); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	took := time.Since(t0)
	// At least the 2 s bound (controller time, from the shutdown's first
	// tick); well under the boards' 30 s, whatever the machine's load.
	if took < 2*time.Second || took > 15*time.Second {
		t.Errorf("the shutdown took %v with a 2 s shutdown_timeout and boards needing 30 s", took)
	}
	if got := b.relayStates(); got != 0 {
		t.Errorf("%d relays closed after the shutdown's time ran out", got)
	}
	if !has(b.events(), "stop", "", "the modules' time ran out, modules cut") {
		t.Errorf("no timed-out shutdown in the event log")
	}
	t.Logf("exit 0 after %v, every relay open", took.Round(time.Millisecond))
}

// A second signal cuts at once: every relay open, exit 1.
func TestSecondSignalCuts(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	b.waitFor("a module relay closed", 60*time.Second, func() bool { return b.relayStates() > 0 })
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(300 * time.Millisecond)
	_ = b.cmd.Process.Signal(syscall.SIGINT)
	if code := b.exitCode(5 * time.Second); code != 1 {
		t.Fatalf("exit code %d after two signals, want 1 (cut)", code)
	}
	if got := b.relayStates(); got != 0 {
		t.Errorf("%d relays closed after the cut", got)
	}
	if !has(b.events(), "stop", "cut", "second signal") {
		t.Errorf("no cut in the event log")
	}
}

// The stats file is rewritten while the daemon runs and holds the figures
// the issue names; the tick count follows the wall clock at 10 Hz.
func TestStatsFile(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	b.waitFor("stats", 10*time.Second, func() bool { _, ok := b.readStats(); return ok })
	time.Sleep(3 * time.Second)
	first, _ := b.readStats()
	time.Sleep(2 * time.Second)
	st, ok := b.readStats()
	if !ok || st.Ticks <= first.Ticks {
		t.Fatalf("stats not rewritten: %d then %d ticks", first.Ticks, st.Ticks)
	}
	raw, _ := os.ReadFile(b.stats)
	for _, k := range []string{"ticks", "overruns", "jitter_p50_ms", "jitter_p99_ms", "jitter_max_ms"} {
		if !strings.Contains(string(raw), `"`+k+`"`) {
			t.Errorf("stats file has no %q", k)
		}
	}
	// Every period of the daemon's own uptime is a tick or an overrun (the
	// stats start with the tick; the first tick is one period in).
	if n := float64(st.Ticks + st.Overruns); n > st.UptimeS*10+1 || n < st.UptimeS*10-2 {
		t.Errorf("%d ticks + %d overruns in %.2f s of uptime at 10 Hz", st.Ticks, st.Overruns, st.UptimeS)
	}
	if st.JitterP50Ms > st.JitterP99Ms || st.JitterP99Ms > st.JitterMaxMs+0.01 || st.Kicks == 0 {
		t.Errorf("stats inconsistent: %+v", st)
	}
	if len(st.Samplers) != 4 || st.Samplers[3].Name != "feed" {
		t.Errorf("stats list %d samplers, want temp, analog, digital, feed (the modules' feed meters)", len(st.Samplers))
	}
	for _, g := range st.Samplers {
		if g.Rounds < 50 { // every 50 ms for 5 s and more
			t.Errorf("sampler %s ran %d rounds", g.Name, g.Rounds)
		}
	}
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	if code := b.exitCode(30 * time.Second); code != 0 {
		t.Errorf("exit %d", code)
	}
	t.Logf("ticks %d, overruns %d, jitter p50 %.2f p99 %.2f max %.2f ms", st.Ticks, st.Overruns, st.JitterP50Ms, st.JitterP99Ms, st.JitterMaxMs)
}

// A trip store the daemon cannot read starts it latched: no module is
// powered, the event log says why, and the latch is written again, whole.
func TestCorruptTripStoreStartsLatched(t *testing.T) {
	t.Parallel()
	tm := openTerm(t)
	b := newBenchConsole(t, benchTiming, func(state string) {
		trip := filepath.Join(state, "trip")
		if err := os.MkdirAll(trip, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(trip, "trip-a.rec"), []byte("HTRP\x01 garbled by a dying SD card"), 0o600); err != nil {
			t.Fatal(err)
		}
	}, consoleConfig, tm.tty)
	b.waitFor("stats", 10*time.Second, func() bool { st, ok := b.readStats(); return ok && st.Ticks > 50 })
	time.Sleep(10 * time.Second) // long past the self-test and a first module's start
	st, _ := b.readStats()
	if !st.Latched || st.SafetyState != "tripped" || st.Cause != "self_test" {
		t.Errorf("after a corrupt trip store: state %s, cause %s, latched %v; want tripped on self_test, latched",
			st.SafetyState, st.Cause, st.Latched)
	}
	if n := b.relayStates(); n != 0 {
		t.Errorf("%d module relays closed with the latch unknown", n)
	}
	if st.Persists != 1 {
		t.Errorf("%d trip records saved, want 1 (the latch written again)", st.Persists)
	}
	if rec, ok, err := readStore(t, b); err != nil || !ok || !rec.Latched || rec.Cause != safety.CauseSelfTest {
		t.Errorf("trip store while latched: %+v ok=%v err=%v; want a valid self-test latch", rec, ok, err)
	}
	if !has(b.events(), "start", "", "the trip store could not be read: starting latched") {
		t.Errorf("the event log does not say the daemon started latched on an unreadable store")
	}
	// An engineer looks, and resets at the console: the plant is healthy,
	// so the latch goes and the modules come on again.
	tm.login()
	if out := tm.run("reset"); !strings.Contains(out, "reset: self_test cleared") {
		t.Errorf("reset at the console: %q", out)
	}
	b.waitFor("the latch reset", 10*time.Second, func() bool { st, ok := b.readStats(); return ok && !st.Latched })
	b.waitFor("a module relay closed after the reset", 60*time.Second, func() bool { return b.relayStates() > 0 })
	if !has(b.events(), "reset", "", "latched trip reset") {
		t.Errorf("no reset in the event log")
	}
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	if code := b.exitCode(30 * time.Second); code != 0 {
		t.Errorf("exit %d", code)
	}
	rec, ok, err := readStore(t, b)
	if err != nil || !ok || rec.Latched {
		t.Errorf("trip store after the reset: %+v ok=%v err=%v; want a valid record of the reset", rec, ok, err)
	}
}

// readStore reads the daemon's trip store beside it. Open removes a save's
// stale temp file: called only while the daemon saves nothing (latched and
// saved, or stopped).
func readStore(t *testing.T, b *bench) (safety.TripRecord, bool, error) {
	t.Helper()
	store, err := tripstore.Open(filepath.Join(b.dir, "state", "trip"))
	if err != nil {
		t.Fatal(err)
	}
	return store.Load()
}
