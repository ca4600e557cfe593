package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"hearth/hal/board"
	"hearth/hal/board/boardtest"
)

const exampleBoard = "../../docs/examples/board.toml"

// TestProbeNoHardware is `hearth probe --board docs/examples/board.toml` on
// a machine without the hub's buses: exit 1, every channel listed missing
// with its reason, every trip channel named.
func TestProbeNoHardware(t *testing.T) {
	var out, errb bytes.Buffer
	lock := filepath.Join(t.TempDir(), "board.lock")
	code := dispatch([]string{"probe", "--board", exampleBoard, "--lock", lock}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, errb.String())
	}
	s := out.String()
	for _, want := range []string{"30 channels: 30 missing (25 a trip hangs on)",
		"missing, a trip hangs on: enable, temp.oil_in_a, temp.oil_in_b", "module.8", "NOT OK",
		"no /dev/i2c-1 on this machine"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

// TestProbeEmulatedBoard is the same command on the emulated hub: every
// channel listed with a value, exit 0; --only picks channels.
func TestProbeEmulatedBoard(t *testing.T) {
	f, err := board.Load(exampleBoard)
	if err != nil {
		t.Fatal(err)
	}
	rig := boardtest.NewRig(f)
	defer func(r func() board.Registry) { probeRegistry = r }(probeRegistry)
	probeRegistry = func() board.Registry { return rig.Registry(f) }
	lock := filepath.Join(t.TempDir(), "board.lock")
	var out, errb bytes.Buffer
	code := dispatch([]string{"probe", "--board", exampleBoard, "--lock", lock, "--json", "--wait", "1200ms"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d; stderr %s; %s", code, errb.String(), out.String())
	}
	var rep board.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Channels) != 30 || !rep.OK {
		t.Fatalf("%d channels, ok %v", len(rep.Channels), rep.OK)
	}
	for _, c := range rep.Channels {
		if c.Value == nil || c.Verdict != "ok" || c.Status != "ok" || c.Text == "" {
			t.Errorf("%s: %+v", c.Name, c)
		}
	}
	rig.ADC.Set(f.Press.Channel, 0.1) // a broken pressure wire
	out.Reset()
	code = dispatch([]string{"probe", "--board", exampleBoard, "--lock", lock, "--only", "pressure,temp.", "--wait", "900ms"}, &out, &errb)
	s := out.String()
	if code != 1 || !strings.Contains(s, "10 channels: 0 missing (0 a trip hangs on), 1 implausible") ||
		!strings.Contains(s, "the driver reports open") {
		t.Errorf("--only: exit %d\n%s", code, s)
	}
}

// TestProbeRefusedUnderTheDaemon: while the board's lock is held (by the
// daemon), probe opens nothing: opening the chips would reset the outputs
// under it.
func TestProbeRefusedUnderTheDaemon(t *testing.T) {
	lock := filepath.Join(t.TempDir(), "board.lock")
	release, err := board.Lock(lock)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	opened := false
	defer func(r func() board.Registry) { probeRegistry = r }(probeRegistry)
	probeRegistry = func() board.Registry { opened = true; return board.Registry{} }
	var out, errb bytes.Buffer
	code := dispatch([]string{"probe", "--board", exampleBoard, "--lock", lock}, &out, &errb)
	if code != 2 || opened || !strings.Contains(errb.String(), "held by another process") {
		t.Errorf("exit %d, opened %v, stderr %q", code, opened, errb.String())
	}
}

// TestProbeScan: --scan lists every DS18B20 on the bus with its channel.
func TestProbeScan(t *testing.T) {
	f, err := board.Load(exampleBoard)
	if err != nil {
		t.Fatal(err)
	}
	rig := boardtest.NewRig(f)
	defer func(r func() board.Registry) { probeRegistry = r }(probeRegistry)
	probeRegistry = func() board.Registry { return rig.Registry(f) }
	var out, errb bytes.Buffer
	code := dispatch([]string{"probe", "--board", exampleBoard, "--lock", filepath.Join(t.TempDir(), "l"), "--scan"}, &out, &errb)
	if code != 0 || strings.Count(out.String(), "\n") != 7 || !strings.Contains(out.String(), "28-0000071a2b01  temp.oil_in_a") {
		t.Errorf("exit %d:\n%s%s", code, out.String(), errb.String())
	}
}
