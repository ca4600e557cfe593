package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"hearth/hal/board"
	"hearth/hal/board/boardtest"
	"hearth/hal/drivers/ds18b20"
	"periph.io/x/conn/v3/gpio"
)

// driveRig runs `hearth drive` on the reference board's emulated chips.
func driveRig(t *testing.T, prep func(*board.File, *boardtest.Rig), args ...string) (int, driveResult, *boardtest.Rig, *board.File) {
	t.Helper()
	f, err := board.Load(exampleBoard)
	if err != nil {
		t.Fatal(err)
	}
	rig := boardtest.NewRig(f)
	if prep != nil {
		prep(f, rig)
	}
	defer func(r func() board.Registry) { driveRegistry = r }(driveRegistry)
	driveRegistry = func() board.Registry { return rig.Registry(f) }
	lock := filepath.Join(t.TempDir(), "board.lock")
	var out, errb bytes.Buffer
	code := dispatch(append([]string{"drive", "--board", exampleBoard, "--lock", lock, "--json", "--every", "200ms"}, args...), &out, &errb)
	var res driveResult
	if code != 2 {
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("exit %d, %v: %s %s", code, err, out.String(), errb.String())
		}
	}
	return code, res, rig, f
}

// TestDrivePump: the oil pump at 30 % answers on its feedback line and its
// flow meter; then it is put back to full speed and the board let go: the
// hold line low, the PWM chip's outputs low (0 %: profile A's full speed).
func TestDrivePump(t *testing.T) {
	code, res, rig, f := driveRig(t, nil, "--for", "1s", "pump.oil", "0.3")
	if code != 0 || !res.OK || res.Stopped != "time" || !strings.Contains(res.Verdict, "feedback normal") {
		t.Fatalf("exit %d: %+v", code, res)
	}
	if len(res.Samples) < 4 || !strings.Contains(res.Samples[1].Readings["flow.oil"], "L/min (ok)") {
		t.Errorf("samples %+v", res.Samples)
	}
	if d := rig.PWM.Duty(f.Pump["oil"].PWM); d != 0 || rig.Enable.Level != gpio.Low {
		t.Errorf("after the drive the pump's duty is %v, the hold line %v: want 0, low", d, rig.Enable.Level)
	}
}

// TestDriveValveNotThere: a valve whose position signal does not follow
// the command fails its verdict (exit 1), and is put back to the dump.
func TestDriveValveNotThere(t *testing.T) {
	code, res, rig, f := driveRig(t, nil, "--for", "600ms", "valve.dump", "0")
	if code != 1 || res.OK || !strings.Contains(res.Verdict, "FAIL: position 0.50, commanded 0.00") {
		t.Fatalf("exit %d: %+v", code, res)
	}
	if d := rig.PWM.Duty(f.Valve["dump"].PWM); d != 0 { // inverted: all to the dump is the chip low
		t.Errorf("after the drive the dump valve's duty is %v, want 0 (all to the dump)", d)
	}
}

// TestDriveModuleKill: a module's contactor closes, its feed rises, it is
// opened at the end and its feed falls: the kill is seen.
func TestDriveModuleKill(t *testing.T) {
	code, res, rig, f := driveRig(t, nil, "--for", "600ms", "module.3", "on")
	if code != 0 || !res.OK || !strings.Contains(res.Verdict, "ok: the feed reads 96.0 W") || !strings.Contains(res.Verdict, "kill ok") {
		t.Fatalf("exit %d: %+v", code, res)
	}
	if rig.Relays.Out(f.Module[2].Relay) {
		t.Error("the contactor is still closed after the drive")
	}
}

// TestDriveModuleInterlock: with an oil-in probe at 60 C the contactor is
// never closed.
func TestDriveModuleInterlock(t *testing.T) {
	hot := func(f *board.File, rig *boardtest.Rig) {
		rom, _ := ds18b20.ParseROM(f.Temp["oil_in_a"].ROM)
		rig.OW.Set(rom, 60)
	}
	code, res, rig, f := driveRig(t, hot, "--for", "600ms", "module.3", "on")
	if code != 1 || res.Stopped != "refused" || !strings.Contains(res.Verdict, "temp.oil_in_a reads 60.0 C") {
		t.Fatalf("exit %d: %+v", code, res)
	}
	if rig.Relays.Out(f.Module[2].Relay) {
		t.Error("the contactor closed")
	}
}

// TestDriveRefusals: a bad value, an unknown output, a drive too long.
func TestDriveRefusals(t *testing.T) {
	for _, args := range [][]string{{"pump.oil", "1.5"}, {"temp.oil_in_a", "1"}, {"--for", "3m", "heater", "on"}, {"module.9", "on"}} {
		if code, _, _, _ := driveRig(t, nil, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
