package daemon_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"hearth/cmd/hearth/daemon"
	"hearth/hal/board"
	"hearth/hal/board/boardtest"
)

// rigEnv makes the child daemon run without --sim on the emulated chips of
// package boardtest, wired as the board file says (the child's hardware).
const rigEnv = "HEARTH_DAEMON_RIG"

// rigSpec is what the child is told of its rig.
type rigSpec struct {
	Board  string `json:"board"`
	Faults string `json:"faults"` // "ds2482": the 1-wire master does not answer
	Out    string `json:"out"`    // where the child writes the contactors' state at exit
}

// runOnRig is the child: the daemon on a rig; when it exits, every
// contactor's state as the expander drives it is written to spec.Out.
func runOnRig(o daemon.Options, specJSON string) int {
	var spec rigSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	f, err := board.Load(spec.Board)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	rig := boardtest.NewRig(f)
	if spec.Faults == "ds2482" {
		rig.Bus.Fail(uint16(f.OneWire.Address), boardtest.ErrNack)
	}
	reg := rig.Registry(f)
	o.Registry = &reg
	code := daemon.Run(o)
	var states []string
	for _, m := range f.Module {
		states = append(states, fmt.Sprintf("module.%d=%v", m.ID, rig.Relays.Out(m.Relay)))
	}
	_ = os.WriteFile(spec.Out, []byte(strings.Join(states, "\n")), 0o644)
	return code
}

// startOnRig starts the daemon on the reference board's emulated chips.
func startOnRig(t *testing.T, faults string) (b *bench, lock, out string) {
	t.Helper()
	b = &bench{t: t, dir: t.TempDir()}
	b.stats, lock, out = filepath.Join(b.dir, "stats.json"), filepath.Join(b.dir, "board.lock"), filepath.Join(b.dir, "contactors")
	boardFile, _ := filepath.Abs("../../../docs/examples/board.toml")
	var mods strings.Builder
	for id := 1; id <= 8; id++ {
		fmt.Fprintf(&mods, "[[modules.module]]\nid = %d\naddr = \"127.0.0.1:%d\"\n", id, 47700+id)
	}
	cfg := fmt.Sprintf(`
[daemon]
state_dir = %q
stats_every = "500ms"
realtime_priority = 0
board = %q
board_lock = %q
[watchdog]
kind = "none"
[modules]
listen = "127.0.0.1:0"
secret = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
%s`, filepath.Join(b.dir, "state"), boardFile, lock, mods.String())
	path := filepath.Join(b.dir, "hearth.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal(rigSpec{Board: boardFile, Faults: faults, Out: out})
	b.launch(daemon.Options{Config: path, Stats: b.stats}, rigEnv+"="+string(spec))
	return b, lock, out
}

// TestRunsOnTheBoard: without --sim the daemon opens the board through its
// registry, ticks, holds the board's lock (a probe is refused), finds no
// channel missing on the healthy rig, and on SIGTERM shuts down in order:
// exit 0, every contactor open on the expander.
func TestRunsOnTheBoard(t *testing.T) {
	t.Parallel()
	b, lock, out := startOnRig(t, "")
	b.waitFor("50 ticks", 30*time.Second, func() bool { st, ok := b.readStats(); return ok && st.Ticks >= 50 })
	if _, err := board.Lock(lock); err == nil || !strings.Contains(err.Error(), "held by another process") {
		t.Errorf("the board's lock while the daemon runs: %v", err)
	}
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := b.exitCode(60 * time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
	evs := b.events()
	for _, e := range evs {
		if strings.Contains(e.Msg, "board:") {
			t.Errorf("event on a healthy board: %s %s", e.Kind, e.Msg)
		}
	}
	if !has(evs, "stop", "", "controlled shutdown done") {
		t.Error("no controlled shutdown in the event log")
	}
	raw, err := os.ReadFile(out)
	if err != nil || strings.Count(string(raw), "=false") != 8 {
		t.Errorf("contactors at exit: %q (%v), want all 8 open", raw, err)
	}
	st, _ := b.readStats()
	t.Logf("%d ticks on the emulated board, %d overruns; contactors at exit: %s", st.Ticks, st.Overruns,
		strings.ReplaceAll(string(raw), "\n", " "))
}

// TestMissingChannelsAreFaultEvents: a 1-wire master that does not answer
// leaves its probes missing; the daemon runs on (safety holds the plant
// safe on the lost channels) and names each in the event log.
func TestMissingChannelsAreFaultEvents(t *testing.T) {
	t.Parallel()
	b, _, _ := startOnRig(t, "ds2482")
	b.waitFor("20 ticks", 30*time.Second, func() bool { st, ok := b.readStats(); return ok && st.Ticks >= 20 })
	evs := b.events()
	n := 0
	for _, e := range evs {
		if e.Kind.String() == "fault" && strings.Contains(e.Msg, "board: temp.") && strings.Contains(e.Msg, "missing") {
			n++
		}
	}
	if n != 7 {
		t.Errorf("%d missing-probe fault events, want the 7 DS18B20s", n)
	}
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	if code := b.exitCode(60 * time.Second); code != 0 {
		t.Errorf("exit %d after SIGTERM", code)
	}
}
