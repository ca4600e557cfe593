package console

import (
	"strings"
	"testing"

	"hearth/control"
	"hearth/core/livetune"
	"hearth/hal"
	"hearth/pid"
	"hearth/safety"
	"hearth/units"
)

// Every answer fits an 80-column terminal, and status one 24-line screen
// (with its prompt), in the worst state it draws: tripped and latched with
// its conditions holding, maintenance on, overrides in force, every kind
// of fault.
func TestAnswersFit80Columns(t *testing.T) {
	s := newTerm(hashOf(t, pass))
	st := &s.f.snap.St
	st.State, st.Latched, st.Cause, st.Witness = safety.StateTripped, true, safety.CauseOilInHigh, safety.WitnessProbe
	st.TripCauses = safety.CauseOilInHigh.Bit() | safety.CauseLeak.Bit() | safety.CausePressureLow.Bit()
	st.Holding = st.TripCauses | safety.CauseTankHigh.Bit() | safety.CauseBoardHigh.Bit()
	st.Warnings, st.Alarms = 0xfffe, 0xfffe
	st.Untrusted, st.Flapping = 1<<hal.NumChannels-1, 1<<hal.NumChannels-1
	for c := range st.FaultCount {
		st.FaultCount[c] = 999
	}
	s.f.snap.Console.Maintenance = true
	s.f.snap.In.NumModules = hal.MaxModules
	s.f.snap.Console.Override.Mask = 0x7f
	s.f.events = append(s.f.events, Event{Kind: "fault", Msg: strings.Repeat("a long message ", 20)})
	tu := &s.f.snap.Tune
	tu.Loop, tu.Phase, tu.Cycles, tu.Elapsed, tu.Setpoint, tu.Output = control.LoopWaterPump, livetune.PhaseDone, 12, 9999*units.Second, 48.25, 0.123
	tu.Result = pid.Result{Ku: 123.456, Tu: 1234 * units.Second, FromModel: true}
	tu.Rule, tu.Applied, tu.Cause = "zn-pi", true, "aborted: safety warning "+strings.Repeat("oil_in_high, ", 6)
	tu.Gains, tu.Previous = pid.Gains{Kp: 1.23456, Ki: 0.00123456, Kd: 12.3456}, pid.Gains{Kp: 0.3, Ki: 0.001}
	s.send("login\r" + pass + "\r")
	lines := []string{"help", "status", "sensors", "outputs", "modules", "faults", "log", "selftest", "config show",
		"version", "override", "set", "reset", "override pump.oil 0.1", "watch", "tune", "tune status"}
	for _, c := range commands {
		lines = append(lines, "help "+c.name)
	}
	for _, l := range lines {
		out := s.send(l + "\r")
		if l == "watch" {
			s.send("q")
		}
		for _, row := range strings.Split(out, "\r\n") {
			row = strings.TrimPrefix(row, "\x1b[H\x1b[2J")
			if len(row) > 80 {
				t.Errorf("%s: a line of %d columns:\n%s", l, len(row), row)
			}
		}
		if l == "status" {
			if n := strings.Count(out, "\r\n"); n > 23 {
				t.Errorf("status: %d lines with its echo, want at most 24 with the prompt:\n%s", n, out)
			}
		}
	}
}
