package daemon_test

import (
	"os"
	"strings"
	"testing"
	"time"
)

// has reports whether out holds every one of want; the test fails on the
// first missing, naming the command.
func expect(t *testing.T, cmd, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s: answer lacks %q:\n%s", cmd, w, out)
			return
		}
	}
}

// A field engineer at the serial console of `hearth run --sim`: every
// command, the line editor, the login, a reset refused while a leak holds
// and accepted once it has cleared, overrides refused past safety's
// bounds and one accepted, a calibration, a configuration change
// committed to the file.
func TestConsoleDrivesEveryCommand(t *testing.T) {
	t.Parallel()
	tm := openTerm(t)
	leak := "[[sim.fault]]\nkind = \"oil_leak\"\nat = \"3s\"\nfor = \"12s\"\n"
	b := newBenchConsole(t, benchTiming, nil, consoleConfig+leak, tm.tty)
	tm.ready()
	expect(t, "banner", tm.text(), "Hearth console", "hearth> ")

	// The read-only commands, before any login.
	expect(t, "help", tm.run("help"), "status", "engineer commands (login first)", "override OUTPUT VALUE [MINUTES]")
	expect(t, "help reset", tm.run("help reset"), "usage: reset (engineer: login first)", "cause still holds")
	expect(t, "status", tm.run("status"), "state", "oil_in_a", "pressure", "pump.oil", "modules", "faults", "loop")
	expect(t, "sensors", tm.run("sensors"), "oil_in_a", "tank_top", "flow_oil", "leak", "trip 0.5/2.9", "believed")
	expect(t, "outputs", tm.run("outputs"), "pump.oil", "valve.dump", "heater", " power, ")
	expect(t, "modules", tm.run("modules"), "slot", "   1 1", "   4 4")
	expect(t, "selftest", tm.run("selftest"), "self-test:", "dump valve")
	expect(t, "config show", tm.run("config show safety.oil_in"), "[safety.oil_in]", "trip_c = ")
	expect(t, "version", tm.run("version"), "hearth", "go1.")
	expect(t, "unknown", tm.run("stauts"), `unknown command "stauts": did you mean status?`)
	expect(t, "engineer before login", tm.run("reset"), "reset: an engineer command: login first")
	expect(t, "bad flag", tm.run("status --all"), `unknown flag "--all"`)

	// The line editor: DEL and backspace erase, Ctrl-C abandons, CRLF and
	// LF end a line once, an over-long line is dropped whole.
	expect(t, "DEL", tm.run("versiox\x7fn"), "go1.")
	expect(t, "BS", tm.run("versiox\bn"), "go1.")
	if out := tm.send("status\x03"); !strings.Contains(out, "^C") || strings.Contains(out, "state ") {
		t.Errorf("Ctrl-C: %q", out)
	}
	expect(t, "CRLF", tm.send("version\r\n"), "go1.")
	expect(t, "LF", tm.send("version\n"), "go1.")
	expect(t, "long line", tm.run(strings.Repeat("x", 300)), "line too long (over 256 bytes): dropped")
	expect(t, "NUL and noise", tm.run("vers\x00ion\xff\x1b[A"), "go1.")
	// Tab lists what "sta" may become, then the line goes on. The mark is
	// taken before the Tab: its answer may come before "tus" is typed.
	tabMark := len(tm.text())
	if _, err := tm.m.WriteString("sta\t"); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.m.WriteString("tus\r"); err != nil {
		t.Fatal(err)
	}
	out := tm.waitPrompt(tabMark, 15*time.Second)
	for end := time.Now().Add(15 * time.Second); !strings.Contains(out, "loop ") && time.Now().Before(end); {
		time.Sleep(20 * time.Millisecond) // the completion's own prompt came first: the status follows
		out = tm.waitPrompt(tabMark, 15*time.Second)
	}
	expect(t, "completion", out, "\r\nstatus\r\nhearth> status", "state")
	expect(t, "Ctrl-U", tm.run("junk\x15version"), "go1.")

	// The login: a wrong passphrase is counted, the right one lets in.
	tm.run("login")
	expect(t, "wrong passphrase", tm.run("not it"), "wrong passphrase (4 tries before the login locks)")
	tm.login()

	// The leak trips the plant; a reset is refused while it holds.
	st := tm.until("the leak trip", 30*time.Second, func(s status) bool { return s.Latched && s.Cause == "leak" })
	if len(st.Holding) == 0 || st.Holding[0] != "leak" {
		t.Errorf("holding %v, want leak", st.Holding)
	}
	expect(t, "status tripped", tm.run("status"), "tripped, LATCHED", "waits for leak", "the leak loop reads")
	expect(t, "refused reset", tm.run("reset"), "reset refused: leak still holds", "the leak loop reads WET")
	expect(t, "override past the cap", tm.run("override module.1 100%"), "override refused: module.1 100%: safety caps it at cut")
	expect(t, "override out of range", tm.run("override pump.water 1.5"), "override refused: pump.water 1.5: a speed or position is 0..1")
	expect(t, "override in the trip", tm.run("override fan 0.2"), "override refused: fan: safety holds the hydraulics in their trip safe state")
	expect(t, "override no output", tm.run("override pump.air 1"), `no such output`)
	expect(t, "faults", tm.run("faults"), "active", "TRIP leak", "history (event log)", "trip leak")

	// The leak is repaired (the fault clears): the reset is accepted.
	tm.until("the leak cleared", 40*time.Second, func(s status) bool { return s.Latched && len(s.Holding) == 0 })
	expect(t, "accepted reset", tm.run("reset"), "reset: leak cleared; now self_test")
	tm.until("standby or running", 60*time.Second, func(s status) bool { return s.State == "running" || s.State == "standby" })

	// Overrides within safety's bounds, then outside them.
	expect(t, "override fan", tm.run("override fan 0.8 1"), "override: fan 0.80 for 1m (safety still bounds it")
	expect(t, "outputs override", tm.run("outputs"), "\r\nfan        0.80    ")
	expect(t, "override list", tm.run("override"), "fan         0.80 for")
	expect(t, "override oil pump", tm.run("override pump.oil 0.1"), "override refused: pump.oil 0.10: below 0.26 while a module is powered or may")
	expect(t, "override clear", tm.run("override clear fan"), "override cleared: fan")

	// A calibration, applied at once and staged.
	expect(t, "calibrate", tm.run("calibrate oil_out +0.5"), "calibrate: oil_out +0.5 K from now")
	expect(t, "calibrate bound", tm.run("calibrate oil_out 3"), "calibrate refused")
	var sens struct {
		Temps []struct {
			Name    string  `json:"name"`
			OffsetK float64 `json:"offset_k"`
		} `json:"temps"`
	}
	tm.json("sensors", &sens)
	if sens.Temps[2].Name != "oil_out" || sens.Temps[2].OffsetK != 0.5 {
		t.Errorf("sensors after calibrate: %+v", sens.Temps[2])
	}

	// A configuration change: refused past its bound, staged within it,
	// committed to the file.
	expect(t, "set bound", tm.run("set control.tank_target_c 99"), "set refused", "control.tank_target_c")
	expect(t, "set unknown", tm.run("set control.tank_target 55"), "did you mean control.tank_target_c")
	expect(t, "set", tm.run("set control.tank_target_c 52"), "staged: control.tank_target_c = 52")
	expect(t, "set list", tm.run("set"), "control.tank_target_c = 52", "calibration.oil_out = 0.5")
	expect(t, "commit", tm.run("commit"), "committed 2 change(s) to", "restart puts")
	data, err := os.ReadFile(b.config)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "the committed file", string(data), "tank_target_c = 52", "oil_out = 0.5", "[console]")

	// Maintenance on and off.
	expect(t, "maintenance on", tm.run("maintenance on"), "maintenance on: modules shut down gracefully")
	tm.until("maintenance", 30*time.Second, func(s status) bool { return s.State == "maintenance" && s.Maintenance })
	expect(t, "maintenance off", tm.run("maintenance off"), "maintenance off")
	tm.until("out of maintenance", 30*time.Second, func(s status) bool { return s.State != "maintenance" })

	// watch refreshes until a key; log shows every privileged action.
	mark := len(tm.text())
	tm.m.WriteString("watch\r")
	time.Sleep(2500 * time.Millisecond)
	tm.send("q")
	expect(t, "watch", tm.text()[mark:], "watch: any key stops", "state")
	if n := strings.Count(tm.text()[mark:], "watch: any key stops"); n < 2 {
		t.Errorf("watch drew %d screens in 2.5 s, want at least 2", n)
	}
	expect(t, "log", tm.run("log 200"), "console: engineer logged in", "console: reset refused", "console: reset pressed",
		"console: override fan 0.80", "console: override refused", "console: calibrate oil_out", "console: committed", "console: maintenance on")
	expect(t, "config show committed", tm.run("config show control.tank_target_c"), "# committed, effective at the next start",
		"control.tank_target_c = 52")
	expect(t, "logout", tm.run("logout"), "logged out")
	expect(t, "after logout", tm.run("maintenance on"), "login first")

	// restart: a controlled shutdown the service manager would follow
	// with a start; here the daemon exits 0.
	tm.login()
	expect(t, "restart", tm.run("restart"), "To go ahead: restart confirm")
	expect(t, "restart confirm", tm.run("restart confirm"), "restart: controlled shutdown begun")
	if code := b.exitCode(30 * time.Second); code != 0 {
		t.Errorf("exit %d after restart confirm", code)
	}
	if !has(b.events(), "stop", "", "restart asked at the console") || !has(b.events(), "stop", "", "controlled shutdown done") {
		t.Errorf("the event log lacks the console's restart and its controlled shutdown")
	}
}

// A calibration in the file, as commit leaves it, starts clean: safety
// judges the raw readings (a DS18B20's first 85.0 C among them) before it
// calibrates them. Added to the readings ahead of safety, an offset once
// made the first power-on 85.0 C believable and tripped the hub on its
// first tick.
func TestCalibratedStartIsClean(t *testing.T) {
	t.Parallel()
	b := newBenchConsole(t, benchTiming, nil, "[calibration]\noil_in_a = 0.3\noil_in_b = -0.3\noil_out = 0.5\n", "")
	b.waitFor("running", 40*time.Second, func() bool { st, ok := b.readStats(); return ok && st.SafetyState == "running" })
	if st, _ := b.readStats(); st.Latched {
		t.Fatalf("latched on %s with a calibration in the file", st.Cause)
	}
}
