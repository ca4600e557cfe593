package daemon

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"hearth/cmd/hearth/console"
	"hearth/hal"
	"hearth/safety"
	"hearth/safety/eventlog"
	"hearth/units"
)

// The tick takes the console's requests at its start: an override lasts
// its time and ends by itself, a trip ends every override, a calibration
// and the maintenance hold reach the stamper; what safety does not let
// through as asked is marked held.
func TestTickTakesConsoleRequests(t *testing.T) {
	ev := newEvents(nopSink{}, zerolog.Nop())
	tk := &ticker{ev: ev}
	tk.con.reqs = make(chan console.Request, requestQueue)
	now := units.Time(100 * units.Second)
	tk.con.reqs <- console.Request{Kind: console.ReqOverride, Out: hal.OutFan, Value: 0.7, For: 60 * units.Second}
	tk.con.reqs <- console.Request{Kind: console.ReqOverride, Out: hal.OutPumpOil, Value: 0.9, For: 120 * units.Second}
	tk.con.reqs <- console.Request{Kind: console.ReqCalibrate, Sensor: hal.TempOilOut, Offset: -0.5}
	tk.con.reqs <- console.Request{Kind: console.ReqMaintenance, On: true}
	tk.take(now)
	if m := tk.stamp.override.Mask; m != hal.OutFan.Bit()|hal.OutPumpOil.Bit() || tk.stamp.override.Set.Fan != 0.7 {
		t.Fatalf("override mask %b fan %v", m, tk.stamp.override.Set.Fan)
	}
	if tk.stamp.calib[hal.TempOilOut] != -0.5 || !tk.stamp.held {
		t.Fatalf("calibration %v, maintenance %v", tk.stamp.calib, tk.stamp.held)
	}
	var in hal.Inputs
	in.Temp[hal.TempOilOut] = hal.Sample[units.Celsius]{Value: 40, Status: hal.StatusOK}
	tk.stamp.Stamp(&in)
	// The raw reading stays as the probe gave it, for safety to judge; the
	// offset rides beside it.
	if in.Temp[hal.TempOilOut].Value != 40 || in.Calibrated(hal.TempOilOut) != 39.5 || !in.Maintenance || in.Override.Mask == 0 {
		t.Errorf("stamped: oil out %v raw, %v calibrated; maintenance %v, override %b", in.Temp[hal.TempOilOut].Value,
			in.Calibrated(hal.TempOilOut), in.Maintenance, in.Override.Mask)
	}
	// Safety held the fan at 1 (cooling at its maximum): marked held.
	out := hal.Outputs{Fan: 1, Pump: [hal.NumPumps]units.Ratio{0.9, 0.5}}
	tk.publish(&out, &safety.Status{}, false)
	if tk.con.h.Held != hal.OutFan.Bit() {
		t.Errorf("held %b, want the fan's", tk.con.h.Held)
	}
	tk.take(now.Add(59 * units.Second))
	if tk.stamp.override.Mask&hal.OutFan.Bit() == 0 {
		t.Fatal("the fan's override ended before its minute")
	}
	tk.take(now.Add(60 * units.Second))
	if m := tk.stamp.override.Mask; m != hal.OutPumpOil.Bit() {
		t.Fatalf("after the fan's minute: mask %b, want the oil pump's only", m)
	}
	if e := <-ev.q; e.kind != evOverrideEnd || hal.Output(e.a) != hal.OutFan || e.b != endExpired {
		t.Errorf("event %+v, want the fan's override expired", e)
	}
	tk.publish(&out, &safety.Status{Latched: true}, true)
	if tk.con.h.Override.Mask != 0 {
		t.Errorf("a trip left overrides %b", tk.con.h.Override.Mask)
	}
	if e := <-ev.q; e.kind != evOverrideEnd || e.b != endTrip {
		t.Errorf("event %+v, want every override ended by the trip", e)
	}
}

// set stages a change checked as the file is, keeping the file's other
// lines and comments; commit writes it whole, and the file loads.
func TestConfigEditorSetAndCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hearth.toml")
	orig := "# the hub in the garden\n[watchdog]\nkind = \"none\"  # no watchdog on the bench\n\n[control]\ntank_target_c = 50\n"
	if err := os.WriteFile(path, []byte(orig), 0o640); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	e := newConfigEditor(path, &cfg)
	for _, bad := range []struct{ key, value, want string }{
		{"control.tank_target_c", "99", "control.tank_target_c"},
		{"daemon.tick", "fast", "daemon.tick"},
		{"calibration.oil_out", "3", "calibration.oil_out"},
		{"console.passphrase_hash", "secret", "console.passphrase_hash"},
	} {
		if _, err := e.Set(bad.key, bad.value); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("set %s %s: %v", bad.key, bad.value, err)
		}
	}
	if len(e.Pending()) != 0 {
		t.Fatalf("refused changes staged: %v", e.Pending())
	}
	steps := []struct{ key, value, was string }{
		{"control.tank_target_c", "52", "50.0"},                            // a line the file has
		{"daemon.tick", "200ms", `"100ms"`},                                // a table the file lacks
		{"control.tank_hyst_k", "4", valueOf(&cfg, "control.tank_hyst_k")}, // a key its table lacks
		{"calibration.oil_in_a", "-0.25", "0.0"},                           // a new table
		{"control.tank_target_c", "53", "52.0"},                            // again: the staged value is the old one
	}
	for _, s := range steps {
		was, err := e.Set(s.key, s.value)
		if err != nil || was != s.was {
			t.Errorf("set %s %s: was %q, %v; want was %q", s.key, s.value, was, err, s.was)
		}
	}
	if data, _ := os.ReadFile(path); string(data) != orig {
		t.Fatal("set wrote the file before commit")
	}
	if _, err := e.Commit(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for _, w := range []string{"# the hub in the garden", "tank_target_c = 53", "tick = \"200ms\"", "tank_hyst_k = 4", "oil_in_a = -0.25"} {
		if !strings.Contains(string(data), w) {
			t.Errorf("the committed file lacks %q:\n%s", w, data)
		}
	}
	got, err := Load(path)
	if err != nil {
		t.Fatalf("the committed file does not load: %v\n%s", err, data)
	}
	if got.Control.Control.TankTargetC != 53 || got.Daemon.Tick != 200*units.Millisecond || got.Calibration.OilInA != -0.25 {
		t.Errorf("loaded: tank %v tick %v calibration %v", got.Control.Control.TankTargetC, got.Daemon.Tick, got.Calibration.OilInA)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the file's 0640 kept", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".hearth.toml.*")); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
}

// The console's log and faults read the last n records, oldest first, in
// one pass over a log longer than n.
func TestBackendEventsKeepsTheLast(t *testing.T) {
	state := t.TempDir()
	el, err := eventlog.Open(filepath.Join(state, "events"), eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := el.Append(eventlog.Event{Kind: eventlog.KindInfo, Msg: "event " + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := el.Close(); err != nil {
		t.Fatal(err)
	}
	d := &daemon{}
	d.cfg.Daemon.StateDir = state
	b := &backend{d: d}
	for _, n := range []int{3, 10, 20} {
		evs, err := b.Events(n)
		if err != nil {
			t.Fatal(err)
		}
		first := max(10-n, 0)
		if len(evs) != min(n, 10) || evs[0].Msg != "event "+strconv.Itoa(first) || evs[len(evs)-1].Msg != "event 9" {
			t.Errorf("Events(%d): %d records, first %q, last %q", n, len(evs), evs[0].Msg, evs[len(evs)-1].Msg)
		}
	}
}
