package gpioin

import (
	"testing"

	"hearth/hal"
	"hearth/units"

	"periph.io/x/conn/v3/gpio"
)

// feedbackAt runs a Feedback over n periods at hz and duty and reads it
// 1 ms after the last rising edge.
func feedbackAt(t *testing.T, hz, duty float64, n int) hal.PumpFeedback {
	t.Helper()
	clk := &clock{}
	s := &script{}
	f := NewFeedback(s, clk.now)
	last := s.pulses(t1, hz, n, duty)
	runAll(t, s, f.Run)
	clk.set(last.Add(units.Millisecond))
	return f.Feedback()
}

// Each band of the VDMA 24224 feedback, at its level and at its edges.
func TestFeedbackBands(t *testing.T) {
	for _, tc := range []struct {
		duty   float64
		power  units.Ratio
		alarm  hal.PumpAlarm
		status hal.Status
	}{
		{0.05, 0.05, hal.PumpNormal, hal.StatusOK},
		{0.40, 0.40, hal.PumpNormal, hal.StatusOK},
		{0.70, 0.70, hal.PumpNormal, hal.StatusOK},
		{0.72, 0.70, hal.PumpNormal, hal.StatusOK},
		{0.75, 0, hal.PumpWarning, hal.StatusOK},
		{0.77, 0, hal.PumpWarning, hal.StatusOK},
		{0.80, 0, hal.PumpNormal, hal.StatusRange},
		{0.84, 0, hal.PumpElectrical, hal.StatusOK},
		{0.85, 0, hal.PumpElectrical, hal.StatusOK},
		{0.90, 0, hal.PumpBlocked, hal.StatusOK},
		{0.95, 0, hal.PumpStandby, hal.StatusOK},
		{0.99, 0, hal.PumpNormal, hal.StatusRange},
	} {
		got := feedbackAt(t, 75, tc.duty, 12)
		if got.Status != tc.status || got.Alarm != tc.alarm || !near(float64(got.Power), float64(tc.power), 1e-6) {
			t.Errorf("duty %v: got %+v, want power %v %v %v", tc.duty, got, tc.power, tc.alarm, tc.status)
		}
	}
}

// 75 Hz ± 5 % is read; outside 60-90 Hz the line is not a feedback line.
func TestFeedbackPeriod(t *testing.T) {
	for _, tc := range []struct {
		hz     float64
		status hal.Status
	}{{71.25, hal.StatusOK}, {78.75, hal.StatusOK}, {40, hal.StatusRange}, {120, hal.StatusRange}} {
		if got := feedbackAt(t, tc.hz, 0.40, 12); got.Status != tc.status {
			t.Errorf("%v Hz: %+v, want %v", tc.hz, got, tc.status)
		}
	}
}

// The median ignores a minority of bad periods; too few periods is missing.
func TestFeedbackMedianAndWarmUp(t *testing.T) {
	clk := &clock{}
	s := &script{}
	f := NewFeedback(s, clk.now)
	last := s.pulses(t1, 75, 6, 0.40)
	s.edge(last.Add(units.DurationOf(1.0/75)), true)
	s.edge(last.Add(units.DurationOf(2.0/75)), true) // a falling edge lost
	s.seq++                                          // and one more edge
	last = s.pulses(last.Add(units.DurationOf(3.0/75)), 75, 6, 0.40)
	runAll(t, s, f.Run)
	clk.set(last)
	if got := f.Feedback(); got.Status != hal.StatusOK || !near(float64(got.Power), 0.40, 1e-6) {
		t.Errorf("with a bad period: %+v, want 0.40 ok", got)
	}
	if st := f.Stats(); st.Missed != 2 {
		t.Errorf("missed %d, want 2 (a falling edge, a sequence gap)", st.Missed)
	}
	if got := feedbackAt(t, 75, 0.40, 2); got.Status != hal.StatusMissing {
		t.Errorf("one period: %+v, want missing", got)
	}
}

// A line stuck high (pull-up only: broken wire, pump unpowered) or low
// (short), or one that never moved, is StatusOpen once 100 ms pass.
func TestFeedbackStuck(t *testing.T) {
	for _, high := range []bool{true, false} {
		clk := &clock{}
		s := &script{}
		f := NewFeedback(s, clk.now)
		last := s.pulses(t1, 75, 12, 0.40).Add(units.DurationOf(0.40 / 75)) // its falling edge
		if high {
			last = last.Add(units.DurationOf(0.60 / 75))
			s.edge(last, true) // left high
		}
		runAll(t, s, f.Run)
		clk.set(last.Add(fbStuck))
		if got := f.Feedback(); got.Status != hal.StatusOK {
			t.Errorf("high %v, 100 ms: %+v, want ok", high, got)
		}
		clk.set(last.Add(fbStuck + units.Millisecond))
		if got := f.Feedback(); got.Status != hal.StatusOpen {
			t.Errorf("high %v, stuck: %+v, want open", high, got)
		}
		if lvl, stuck := f.Stuck(); !stuck || lvl != gpio.Level(high) {
			t.Errorf("high %v: Stuck() = %v %v", high, lvl, stuck)
		}
	}
	clk := &clock{}
	f := NewFeedback(&script{}, clk.now)
	clk.set(units.Time(fbStuck + 1))
	if got := f.Feedback(); got.Status != hal.StatusOpen {
		t.Errorf("never an edge: %+v, want open", got)
	}
}

// A source failure is StatusBus.
func TestFeedbackSourceError(t *testing.T) {
	clk := &clock{}
	s := &script{}
	f := NewFeedback(s, clk.now)
	f.backoff = 1
	last := s.pulses(t1, 75, 12, 0.40)
	s.fail()
	runAll(t, s, f.Run)
	clk.set(last)
	if got := f.Feedback(); got.Status != hal.StatusBus {
		t.Errorf("after a failure: %+v, want bus", got)
	}
}
