package gpioin

import (
	"math"
	"testing"

	"hearth/hal"
	"hearth/units"
)

// t1 is one second into the fake clock.
const t1 = units.Time(units.Second)

var flowCfg = FlowConfig{PulsesPerLitre: 330, Timeout: 2 * units.Second, MaxLPM: 40}

func newTestFlow(t *testing.T) (*Flow, *script, *clock) {
	t.Helper()
	clk := &clock{}
	s := &script{}
	f := NewFlow(s, flowCfg, clk.now)
	f.c.backoff = 1 // the test's failing source is not waited on
	return f, s, clk
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// 55 Hz is 10 L/min at 330 pulses per litre; 5.5 Hz is 1 L/min; 0.55 Hz
// (one edge in the window) is read from the last interval.
func TestFlowKnownRate(t *testing.T) {
	for _, tc := range []struct {
		hz   float64
		n    int
		want units.LitrePerMin
	}{{55, 200, 10}, {5.5, 20, 1}, {0.55, 4, 0.1}} {
		f, s, clk := newTestFlow(t)
		last := s.pulses(t1, tc.hz, tc.n, 0.5)
		runAll(t, s, f.Run)
		clk.set(last.Add(units.Millisecond))
		got := f.Flow()
		if got.Status != hal.StatusOK || !near(float64(got.Value), float64(tc.want), 0.001*float64(tc.want)) {
			t.Errorf("%v Hz: got %+v, want %v L/min ok", tc.hz, got, tc.want)
		}
		if st := f.Stats(); st.Missed != 0 || st.Short != 0 || st.Edges != uint64(2*tc.n) {
			t.Errorf("%v Hz: stats %+v", tc.hz, st)
		}
	}
}

// No edge at all reads missing until Timeout has passed, then 0 L/min OK;
// a meter that stops reads less at once and 0 after Timeout.
func TestFlowTimeout(t *testing.T) {
	f, s, clk := newTestFlow(t)
	if got := f.Flow(); got.Status != hal.StatusMissing {
		t.Errorf("at start: %+v, want missing", got)
	}
	clk.set(units.Time(flowCfg.Timeout) + 1)
	if got := f.Flow(); got.Status != hal.StatusOK || got.Value != 0 {
		t.Errorf("no edges after Timeout: %+v, want 0 ok", got)
	}
	last := s.pulses(3*t1, 55, 100, 0)
	runAll(t, s, f.Run)
	clk.set(last.Add(200 * units.Millisecond))
	if got := f.Flow(); got.Status != hal.StatusOK || got.Value > 60.0/330/0.2+1e-9 {
		t.Errorf("200 ms after the last edge: %+v, want at most %v", got, 60.0/330/0.2)
	}
	clk.set(last.Add(flowCfg.Timeout + 1))
	if got := f.Flow(); got.Status != hal.StatusOK || got.Value != 0 {
		t.Errorf("Timeout after the last edge: %+v, want 0 ok", got)
	}
}

// A sequence gap is counted as the edges it lost; so are two rising edges
// in a row from a source that gives both. The sample stays OK (it reads low).
func TestFlowMissedEdges(t *testing.T) {
	f, s, clk := newTestFlow(t)
	last := s.pulses(t1, 55, 10, 0.5)
	s.seq += 3 // the source lost three edges
	s.edge(last.Add(units.DurationOf(2.0/55)), true)
	s.edge(last.Add(units.DurationOf(3.0/55)), true) // the falling one between is lost
	runAll(t, s, f.Run)
	clk.set(last.Add(units.DurationOf(3.0 / 55)))
	if st := f.Stats(); st.Missed != 4 {
		t.Errorf("missed %d, want 4 (3 in the gap, 1 falling)", st.Missed)
	}
	if got := f.Flow(); got.Status != hal.StatusOK {
		t.Errorf("with missed edges: %+v, want ok", got)
	}
}

// An edge far too soon after the last (bounce, noise) flags the window's
// samples StatusRange; a clean window clears it.
func TestFlowShortInterval(t *testing.T) {
	f, s, clk := newTestFlow(t)
	last := s.pulses(t1, 55, 10, 0)
	s.edge(last.Add(10*units.Millisecond/1000), true)
	last = s.pulses(last.Add(units.DurationOf(1.0/55)), 55, 100, 0)
	runAll(t, s, f.Run)
	clk.set(t1 + units.Time(500*units.Millisecond))
	if got := f.Flow(); got.Status != hal.StatusRange {
		t.Errorf("after a 10 us interval: %+v, want range", got)
	}
	if st := f.Stats(); st.Short != 1 {
		t.Errorf("short %d, want 1", st.Short)
	}
	clk.set(last)
	if got := f.Flow(); got.Status != hal.StatusOK || !near(float64(got.Value), 10, 0.01) {
		t.Errorf("a clean second later: %+v, want 10 ok", got)
	}
}

// Above MaxLPM (55 L/min = 302.5 Hz) the sample is StatusRange.
func TestFlowOverRange(t *testing.T) {
	f, s, clk := newTestFlow(t)
	last := s.pulses(t1, 302.5, 400, 0)
	runAll(t, s, f.Run)
	clk.set(last)
	if got := f.Flow(); got.Status != hal.StatusRange {
		t.Errorf("55 L/min: %+v, want range", got)
	}
}

// A failure of the source is StatusBus until the next edge.
func TestFlowSourceError(t *testing.T) {
	f, s, clk := newTestFlow(t)
	last := s.pulses(t1, 55, 10, 0)
	s.fail()
	runAll(t, s, f.Run)
	clk.set(last)
	if got := f.Flow(); got.Status != hal.StatusBus || got.Value != 0 {
		t.Errorf("after a failure: %+v, want bus", got)
	}
	s2 := &script{seq: s.seq}
	f.c.src = s2
	s2.pulses(last.Add(units.DurationOf(1.0/55)), 55, 2, 0)
	runAll(t, s2, f.Run)
	if got := f.Flow(); got.Status != hal.StatusOK || f.Stats().Errors != 1 {
		t.Errorf("after an edge: %+v %+v, want ok, 1 error", got, f.Stats())
	}
	// A failure, then a whole wait with no edge: the source works again,
	// and a meter that stopped reads 0.
	s3 := &script{}
	f.c.src = s3
	s3.fail()
	s3.steps = append(s3.steps, step{})
	runAll(t, s3, f.Run)
	clk.set(last.Add(flowCfg.Timeout + units.Second))
	if got := f.Flow(); got.Status != hal.StatusOK || got.Value != 0 {
		t.Errorf("after a failure and a quiet wait: %+v, want 0 ok", got)
	}
}

// The tachometer: 2 pulses per rev at 100 Hz is 3000 rpm, 0.6 of 5000.
func TestTachSpeed(t *testing.T) {
	clk := &clock{}
	s := &script{}
	tach := NewTach(s, TachConfig{PulsesPerRev: 2, MaxRPM: 5000, Timeout: units.Second}, clk.now)
	last := s.pulses(t1, 100, 300, 0)
	runAll(t, s, tach.Run)
	clk.set(last)
	if got := tach.Speed(); got.Status != hal.StatusOK || !near(float64(got.Value), 0.6, 1e-6) {
		t.Errorf("3000 rpm: %+v, want 0.6 ok", got)
	}
	clk.set(last.Add(units.Second + 1))
	if got := tach.Speed(); got.Status != hal.StatusOK || got.Value != 0 {
		t.Errorf("stopped: %+v, want 0 ok", got)
	}
}
