package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hearth/hal"
	"hearth/modules"
	"hearth/units"
)

// The fake controller is this test binary run again with helperEnv set: a
// real modules.Hub granting one module 100 % leases until it is killed.
const helperEnv = "HEARTH_AGENT_TEST_CONTROLLER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		os.Exit(fakeController())
	}
	os.Exit(m.Run())
}

type noRelay struct{}

func (noRelay) Set(bool) error { return nil }

func fakeController() int {
	secret, err := hex.DecodeString(os.Getenv("HELPER_SECRET"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	key, err := modules.ModuleKey(secret, 7)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	agent, err := netip.ParseAddrPort(os.Getenv("HELPER_AGENT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	conn, err := modules.ListenUDP(os.Getenv("HELPER_LISTEN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	start := time.Now()
	hub, err := modules.NewHub(modules.HubConfig{TTL: helperTTL, Renew: helperRenew},
		[]modules.ModuleConfig{{ID: 7, Key: key, Addr: agent, Relay: noRelay{}}},
		conn, func() units.Time { return units.Time(time.Since(start)) }, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	hub.Power(0).SetLevel(hal.Level100)
	fmt.Println("controller ready")
	hub.Run(context.Background()) // until SIGKILL
	return 0
}

const (
	helperTTL   = 1500 * units.Millisecond
	helperRenew = 500 * units.Millisecond
	testGrace   = 2 * time.Second
)

func buildAgent(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "hearth-agent")
	out, err := exec.Command(goBin, "build", "-o", bin, "hearth/cmd/hearth-agent").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// lineLog collects a process's stderr and lets the test wait for a line.
type lineLog struct {
	mu    sync.Mutex
	lines []string
	cond  chan struct{} // closed and replaced on every line
}

func newLineLog(r io.Reader) *lineLog {
	l := &lineLog{cond: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l.mu.Lock()
			l.lines = append(l.lines, sc.Text())
			close(l.cond)
			l.cond = make(chan struct{})
			l.mu.Unlock()
		}
	}()
	return l
}

// wait returns the first line matching re, or fails at the deadline.
func (l *lineLog) wait(t *testing.T, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		for _, s := range l.lines {
			if m := re.FindStringSubmatch(s); m != nil {
				l.mu.Unlock()
				return m
			}
		}
		c := l.cond
		l.mu.Unlock()
		select {
		case <-c:
		case <-deadline:
			t.Fatalf("no log line matching %q within %v; log:\n%s", re, timeout, l.String())
		}
	}
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// poll calls cond every 10 ms until it holds, and fails at the deadline.
func poll(t *testing.T, what string, timeout time.Duration, cond func() bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Now()
}

func freeUDPPort(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().String()
}

// A hearth-agent whose controller dies (SIGKILL: no goodbye) drops to idle
// when its lease expires and runs its shutdown command after the grace
// period. Real processes, real sockets, a temp sysfs tree.
func TestAgentProcessDeadMansSwitch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs processes")
	}
	bin := buildAgent(t)
	dir := t.TempDir()
	sys := filepath.Join(dir, "sys")
	if err := modules.FakeSysfs(sys, 4, 600000, 2400000, 52); err != nil {
		t.Fatal(err)
	}
	secret := modules.NewHubSecret()
	key, _ := modules.ModuleKey(secret, 7)
	keyFile := filepath.Join(dir, "module.key")
	if err := os.WriteFile(keyFile, []byte(key.Hex()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	shutdownMark := filepath.Join(dir, "shutdown-ran")
	freq := func() string {
		b, _ := os.ReadFile(filepath.Join(sys, "devices/system/cpu/cpu2/cpufreq/scaling_max_freq"))
		return strings.TrimSpace(string(b))
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	ctrlAddr := freeUDPPort(t)

	agent := exec.Command(bin, "--module", "7", "--key-file", keyFile, "--listen", "127.0.0.1:0",
		"--controller", ctrlAddr, "--sysfs-root", sys, "--grace", testGrace.String(),
		"--shutdown-cmd", "touch "+shutdownMark, "--session-file", filepath.Join(dir, "session"), "--log-level", "debug",
		"--level-hook", "echo level=$HEARTH_LEVEL >> "+filepath.Join(dir, "hook.log"))
	agentErr, _ := agent.StderrPipe()
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	alog := newLineLog(agentErr)
	agentDone := make(chan error, 1)
	go func() { agentDone <- agent.Wait() }()
	defer func() {
		agent.Process.Kill()
		if t.Failed() {
			t.Logf("agent log:\n%s", alog)
		}
	}()
	agentAddr := alog.wait(t, regexp.MustCompile(`msg="agent listening" .*addr=(127\.0\.0\.1:\d+)`), 5*time.Second)[1]

	ctrl := exec.Command(os.Args[0])
	ctrl.Env = append(os.Environ(), helperEnv+"=1", "HELPER_SECRET="+hex.EncodeToString(secret),
		"HELPER_AGENT="+agentAddr, "HELPER_LISTEN="+ctrlAddr)
	var ctrlOut bytes.Buffer
	ctrl.Stdout, ctrl.Stderr = &ctrlOut, &ctrlOut
	if err := ctrl.Start(); err != nil {
		t.Fatal(err)
	}
	defer ctrl.Process.Kill()

	poll(t, "agent at 100 % under the controller's lease", 5*time.Second, func() bool { return freq() == "2400000" })
	if exists(shutdownMark) {
		t.Fatal("shutdown ran while leased")
	}
	// Renewed, not just granted once: two renewals outlast the first lease's TTL.
	poll(t, "two renewals", 5*time.Second, func() bool { return strings.Count(alog.String(), `msg="lease renewed"`) >= 2 })
	if freq() != "2400000" || exists(shutdownMark) {
		t.Fatal("agent left 100 % while its lease was renewed")
	}

	if err := ctrl.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	ctrl.Wait()

	idle := poll(t, "idle after the lease expired", 5*time.Second, func() bool { return freq() == "600000" })
	// The last lease was sent at most a renewal period before the kill.
	if d := idle.Sub(killed); d < time.Duration(helperTTL-helperRenew)-200*time.Millisecond || d > time.Duration(helperTTL)+time.Second {
		t.Errorf("idle %v after the controller died; the lease was %v, renewed every %v", d, helperTTL, helperRenew)
	}
	if exists(shutdownMark) {
		t.Fatal("shutdown ran at lease expiry, before the grace period")
	}
	done := poll(t, "shutdown command after the grace period", testGrace+5*time.Second, func() bool { return exists(shutdownMark) })
	if d := done.Sub(idle); d < testGrace-300*time.Millisecond {
		t.Errorf("shutdown ran %v after idling, want the %v grace period", d, testGrace)
	}
	alog.wait(t, regexp.MustCompile(`lease expired: idling now`), time.Second)
	alog.wait(t, regexp.MustCompile(`shutdown started.*no lease for the whole grace period`), time.Second)
	alog.wait(t, regexp.MustCompile(`shutdown command finished`), 2*time.Second)
	hook, _ := os.ReadFile(filepath.Join(dir, "hook.log"))
	if !bytes.Contains(hook, []byte("level=100%")) || !bytes.Contains(hook, []byte("level=idle")) {
		t.Errorf("level hook saw:\n%s", hook)
	}

	// Still running, and it says why when it stops.
	select {
	case err := <-agentDone:
		t.Fatalf("agent exited by itself: %v", err)
	default:
	}
	agent.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-agentDone:
		if err != nil {
			t.Errorf("agent exit on SIGTERM: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("agent did not stop on SIGTERM")
	}
	alog.wait(t, regexp.MustCompile(`agent exiting`), time.Second)
}

func TestFlagErrors(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "k")
	os.WriteFile(keyFile, []byte(strings.Repeat("ab", 32)), 0o600)
	garbled := filepath.Join(dir, "garbled")
	os.WriteFile(garbled, []byte("twelve\n"), 0o600)
	base := []string{"--module", "7", "--key-file", keyFile, "--controller", "127.0.0.1:9",
		"--session-file", filepath.Join(dir, "session")}
	for _, c := range []struct {
		args []string
		code int
	}{
		{nil, 2},
		{[]string{"--module", "7", "--controller", "127.0.0.1:9"}, 2},
		{[]string{"--module", "0", "--key-file", keyFile, "--controller", "127.0.0.1:9"}, 2},
		{append(base[:4:4], "--grace", "0s", "--controller", "x:1"), 2},
		{append(append([]string{}, base...), "--shutdown-cmd", " "), 2},
		{append(append([]string{}, base...), "--log-format", "xml"), 2},
		{append(append([]string{}, base...), "extra"), 2},
		{append(append([]string{}, base...), "--session-file", ""), 2},
		{append(append([]string{}, base...), "--session-file", garbled, "--listen", "127.0.0.1:0"), 1},
		{append(append([]string{}, base...), "--session-file", filepath.Join(dir, "none", "session"), "--listen", "127.0.0.1:0"), 1},
		{append(append([]string{}, base...), "--sysfs-root", filepath.Join(dir, "none"), "--listen", "127.0.0.1:0"), 1},
	} {
		var errb bytes.Buffer
		if got := run(c.args, &errb); got != c.code {
			t.Errorf("hearth-agent %v: exit %d, want %d (%s)", c.args, got, c.code, errb.String())
		}
		if errb.Len() == 0 {
			t.Errorf("hearth-agent %v: exited silently", c.args)
		}
	}
}

func TestSessionFileMovesForward(t *testing.T) {
	path := filepath.Join(t.TempDir(), "session")
	log := discard()
	for want := uint64(1); want <= 2; want++ { // a first run, then a restart in the same second
		if s, err := nextSession(path, log); err != nil || s != want {
			t.Fatalf("session %d, %v; want %d", s, err, want)
		}
	}
	os.WriteFile(path, []byte("1700000000\n"), 0o600) // left by an agent whose sessions were unix times
	if s, err := nextSession(path, log); err != nil || s != 1700000001 {
		t.Fatalf("session %d, %v after an old file", s, err)
	}
	os.WriteFile(path, []byte("17000000\x00\n"), 0o600)
	if s, err := nextSession(path, log); err == nil || !strings.Contains(err.Error(), "--session-file") {
		t.Fatalf("garbled file: session %d, %v", s, err)
	}
}

// An agent that refuses its session file caps the board at idle first: the
// last run may have left it at 100 %.
func TestGarbledSessionFileIdlesTheBoard(t *testing.T) {
	dir := t.TempDir()
	sys := filepath.Join(dir, "sys")
	if err := modules.FakeSysfs(sys, 2, 600000, 2400000, 50); err != nil {
		t.Fatal(err)
	}
	keyFile, session := filepath.Join(dir, "k"), filepath.Join(dir, "session")
	os.WriteFile(keyFile, []byte(strings.Repeat("ab", 32)), 0o600)
	os.WriteFile(session, []byte("12\x0034\n"), 0o600)
	var errb bytes.Buffer
	code := run([]string{"--module", "7", "--key-file", keyFile, "--controller", "127.0.0.1:9",
		"--sysfs-root", sys, "--session-file", session, "--listen", "127.0.0.1:0"}, &errb)
	if code != 1 || !strings.Contains(errb.String(), "session") {
		t.Fatalf("exit %d:\n%s", code, errb.String())
	}
	if f := readFreq(t, sys); f != "600000" {
		t.Fatalf("board left at %s kHz, want the idle cap 600000", f)
	}
}

func readFreq(t *testing.T, sys string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sys, "devices/system/cpu/cpu1/cpufreq/scaling_max_freq"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestSessionFileIsRequired(t *testing.T) {
	var errb bytes.Buffer
	o, err := parse([]string{"--module", "7", "--key-file", "k", "--controller", "127.0.0.1:9"}, &errb)
	if err != nil || o.sessionFile != defaultSessionFile {
		t.Fatalf("default session file %q, %v", o.sessionFile, err)
	}
	errb.Reset()
	if code := run([]string{"--help"}, &errb); code != 2 || !strings.Contains(errb.String(), defaultSessionFile) {
		t.Fatalf("--help exit %d, and the usage does not name %s:\n%s", code, defaultSessionFile, errb.String())
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
