package safety

import (
	"strings"
	"testing"

	"hearth/hal"
)

// A latched trip says which of its conditions still holds, and stops
// saying it once the condition has cleared.
func TestHoldingNamesWhatAResetWaitsFor(t *testing.T) {
	r := running(t)
	r.leak = true
	if r.until(r.inState(StateTripped), 100) < 0 {
		t.Fatal("no trip on a leak")
	}
	r.steps(2)
	if h := r.st().Holding; h != CauseLeak.Bit() {
		t.Fatalf("holding %b, want leak only (%b)", h, CauseLeak.Bit())
	}
	r.leak = false
	r.steps(ticks(DefaultConfig().DebounceS) + 2)
	if h := r.st().Holding; h != 0 {
		t.Fatalf("holding %b after the leak cleared, want 0", h)
	}
	r.reset = true
	if r.until(func() bool { return !r.st().Latched }, 5) < 0 {
		t.Fatal("reset refused with nothing holding")
	}
	if h := r.st().Holding; h != 0 {
		t.Fatalf("holding %b when not latched", h)
	}
}

// The override bounds name what they break, and each one agrees with
// arbitration: what the check lets through, arbitration applies as asked,
// and what it refuses, arbitration would not have applied.
func TestOverrideRefused(t *testing.T) {
	r := running(t)
	cfg := r.cfg
	st := r.st()
	cases := []struct {
		o      hal.Output
		v      float64
		refuse string // "" accepted; else a word the reason holds
	}{
		{hal.OutPumpOil, 0.6, ""},
		{hal.OutPumpOil, 1.5, "0..1"},
		{hal.OutPumpOil, -0.1, "0..1"},
		{hal.OutPumpOil, 0.1, "min_oil_flow_lpm"},
		{hal.OutPumpWater, 0.05, "heat could not leave"},
		{hal.OutPumpWater, 0.9, ""},
		{hal.OutValveDump, 0.4, ""},
		{hal.OutFan, 0.8, ""},
		{hal.OutHeater, 1, ""},
		{hal.OutAlarm, 1, ""},
		{hal.OutModule, float64(hal.LevelIdle), ""},
		{hal.OutModule + rigMods, float64(hal.LevelIdle), "no such module"},
	}
	for _, tc := range cases {
		var set hal.Outputs
		set.SetValue(tc.o, tc.v)
		why := OverrideRefused(&cfg, &st, &r.in, tc.o, &set)
		if (why == "") != (tc.refuse == "") || !strings.Contains(why, tc.refuse) {
			t.Errorf("%s %g: refused %q, want %q", tc.o, tc.v, why, tc.refuse)
		}
		if why != "" || tc.o >= hal.OutModule+rigMods {
			continue
		}
		ov := hal.Override{Mask: tc.o.Bit(), Set: set}
		wish := r.wish
		ov.Apply(&wish)
		var out hal.Outputs
		r.fill()
		r.l.Step(&r.in, &wish, &out)
		r.now = r.now.Add(tick)
		r.n++
		if got := out.Value(tc.o); got != tc.v {
			t.Errorf("%s %g accepted, but arbitration applied %g", tc.o, tc.v, got)
		}
	}

	// In maintenance, with every module off, the pumps are the engineer's.
	r.maintenance = true
	if r.until(r.inState(StateMaintenance), 2000) < 0 {
		t.Fatal("no maintenance")
	}
	r.steps(ticks(cfg.DebounceS))
	st = r.st()
	for _, o := range []hal.Output{hal.OutPumpOil, hal.OutPumpWater} {
		var set hal.Outputs
		set.SetValue(o, 0)
		if why := OverrideRefused(&cfg, &st, &r.in, o, &set); why != "" {
			t.Errorf("in maintenance, %s 0: refused %q", o, why)
		}
	}
	r.maintenance = false
	r.until(r.inState(StateRunning), 5000)

	// The hot tank: no heater. A trip: the hydraulics are safety's, the
	// modules cut, and the alarm stays on.
	r.ramp(hal.TempTankTop, cfg.Tank.WarnC+1)
	r.steps(2)
	st = r.st()
	var set hal.Outputs
	set.Immersion = true
	if why := OverrideRefused(&cfg, &st, &r.in, hal.OutHeater, &set); !strings.Contains(why, "tank") {
		t.Errorf("heater on a hot tank: %q", why)
	}
	r.ramp(hal.TempTankTop, 50)
	r.leak = true
	r.until(r.inState(StateTripped), 100)
	st = r.st()
	for _, tc := range []struct {
		o      hal.Output
		v      float64
		refuse string
	}{
		{hal.OutFan, 0.2, "trip safe state"},
		{hal.OutModule, float64(hal.Level100), "caps it at cut"},
		{hal.OutAlarm, 0, "alarm off"},
	} {
		var set hal.Outputs
		set.SetValue(tc.o, tc.v)
		if why := OverrideRefused(&cfg, &st, &r.in, tc.o, &set); !strings.Contains(why, tc.refuse) {
			t.Errorf("tripped, %s %g: %q, want %q", tc.o, tc.v, why, tc.refuse)
		}
	}
}

// A calibration offset moves the value safety believes, never its judgement
// of the raw reading: a DS18B20's power-on 85.0 C from a cold plant stays
// unbelieved with an offset on it (it once tripped the hub at start), and
// the offset reaches the limits.
func TestCalibrationAfterPlausibility(t *testing.T) {
	r := newRig(t)
	r.hook = func(r *rig, in *hal.Inputs) {
		in.Offset[hal.TempOilInA] = 0.3
		if r.n == 0 {
			in.Temp[hal.TempOilInA].Value = 85 // the first conversion not yet done
		}
	}
	r.steps(3)
	if st := r.st(); st.Latched {
		t.Fatalf("a calibrated power-on 85.0 C tripped the layer: %s", st.Cause)
	}
	if p := r.l.probes[hal.TempOilInA]; !p.valid || p.value != healthyC+0.3+r.in.Temp[hal.TempOilInA].Value-healthyC {
		t.Errorf("oil_in_a believed %v (valid %v), want the reading %v plus 0.3", p.value, p.valid, r.in.Temp[hal.TempOilInA].Value)
	}
}
