package plant

import (
	"math"
	"testing"

	"hearth/hal"
	"hearth/units"
)

// newTestPlant is a running plant (pumps on, modules at full power) away
// from the day's taps.
func newTestPlant(t *testing.T) *Plant {
	t.Helper()
	pl := NewPlant(DefaultParams(), Weather{MeanC: 5}, Init{OilC: 40, WaterC: 35, TankTopC: 45, TankBottomC: 45,
		IndoorC: 20, ModuleLevel: hal.Level100, ValveDump: 1}, 1)
	pl.Now = units.Time(-100 * units.Hour)
	_ = pl.Pumps[hal.PumpOil].SetSpeed(0.47) // 18.8 L/min: 103.4 pulses a second
	_ = pl.Pumps[hal.PumpWater].SetSpeed(0.6)
	_ = pl.Fan.SetSpeed(1)
	pl.steps(t, 30*units.Second)
	return pl
}

// steps runs the plant for d, renewing the modules' commands as a
// controller would.
func (pl *Plant) steps(t *testing.T, d units.Duration) {
	t.Helper()
	end := pl.Now.Add(d)
	dev := pl.Devices()
	var in hal.Inputs
	for pl.Now < end {
		dev.Read(&in) // the sensors convert as they are read
		for i := 0; i < pl.P.Modules; i++ {
			_ = pl.Modules[i].SetLevel(pl.Modules[i].Command())
		}
		pl.Step(tick)
	}
}

func mustApply(t *testing.T, pl *Plant, k FaultKind, target string, arg float64, on bool) {
	t.Helper()
	if err := pl.Apply(k, target, arg, on); err != nil {
		t.Fatal(err)
	}
}

// A hall meter counted over 1 s flickers between the two counts either side
// of the true flow, and averages to it; a stuck one does not move. (The
// counting is judged on a laminar flow; the plant's 1 % turbulence is
// judged after.)
func TestFlowMeterCountsPulses(t *testing.T) {
	pl := newTestPlant(t)
	turbulence := pl.Flows[hal.FlowOil].NoiseRel
	pl.Flows[hal.FlowOil].NoiseRel = 0
	truth := float64(pl.S.OilFlowLPM)
	seen := map[float64]int{}
	var sum float64
	const n = 400
	for range n {
		pl.steps(t, units.Second)
		v := float64(pl.Flows[hal.FlowOil].Flow().Value)
		seen[v]++
		sum += v
	}
	lo := math.Floor(truth*FlowMeterHzPerLPM) / FlowMeterHzPerLPM
	for v := range seen {
		if math.Abs(v-lo) > 1e-9 && math.Abs(v-lo-1/FlowMeterHzPerLPM) > 1e-9 {
			t.Errorf("read %.4f L/min; a steady %.4f L/min counts only %.4f or %.4f", v, truth, lo, lo+1/FlowMeterHzPerLPM)
		}
	}
	if len(seen) != 2 {
		t.Errorf("readings %v: a steady flow between two counts shows both", seen)
	}
	if mean := sum / n; math.Abs(mean-truth) > 0.05 {
		t.Errorf("mean reading %.4f L/min, true %.4f", mean, truth)
	}
	// With the plant's turbulence the readings spread over more counts, the
	// mean unchanged: 1 % of 18.8 L/min is about one count (1/5.5 L/min).
	pl.Flows[hal.FlowOil].NoiseRel = turbulence
	sum, seen = 0, map[float64]int{}
	for range n {
		pl.steps(t, units.Second)
		v := float64(pl.Flows[hal.FlowOil].Flow().Value)
		seen[v]++
		sum += v
	}
	if mean := sum / n; len(seen) < 4 || math.Abs(mean-truth) > 0.05 {
		t.Errorf("turbulent: %d distinct readings, mean %.4f L/min of %.4f; want at least 4 and the mean", len(seen), mean, truth)
	}
	mustApply(t, pl, "sensor_stuck", "flow_oil", 0, true)
	first := pl.Flows[hal.FlowOil].Flow().Value
	for range 20 {
		pl.steps(t, units.Second)
		if v := pl.Flows[hal.FlowOil].Flow().Value; v != first {
			t.Fatalf("a stuck meter moved from %.4f to %.4f", first, v)
		}
	}
}

// stuck_at reads the given value, fresh and OK; on a bool input 0 is dry.
func TestSensorStuckAt(t *testing.T) {
	pl := newTestPlant(t)
	mustApply(t, pl, "sensor_stuck_at", "oil_in_a", 45, true)
	mustApply(t, pl, "sensor_stuck_at", "leak", 0, true)
	mustApply(t, pl, "oil_leak", "", 0, true)
	pl.steps(t, 5*units.Second)
	s := pl.Probes[hal.TempOilInA].Temperature()
	if s.Value != 45 || !s.OK() || pl.Now.Sub(s.At) > units.Second {
		t.Errorf("oil_in_a stuck at 45: %+v at %v", s, pl.Now)
	}
	if l := pl.LeakIn.Leak(); l.Value || !l.OK() || l.At != pl.Now {
		t.Errorf("leak detector stuck dry reads %+v with oil in the bund", l)
	}
	mustApply(t, pl, "sensor_stuck_at", "oil_low", 1, true)
	if l := pl.OilLowIn.Leak(); !l.Value || !l.OK() {
		t.Errorf("oil_low stuck low reads %+v", l)
	}
	mustApply(t, pl, "sensor_stuck_at", "leak", 0, false)
	if l := pl.LeakIn.Leak(); !l.Value {
		t.Errorf("leak detector cleared reads %+v with oil in the bund", l)
	}
}

// intermittent: open for duty x period at the start of every period.
func TestSensorIntermittent(t *testing.T) {
	for _, target := range []string{"pressure", "leak"} {
		pl := newTestPlant(t)
		if err := pl.ApplyDuty("sensor_intermittent", target, 20, 0.3, true); err != nil {
			t.Fatal(err)
		}
		open, n := 0, 0
		for range 100 * 10 { // 100 periods, 10 looks a period
			pl.steps(t, 2*units.Second)
			var st hal.Status
			if target == "leak" {
				st = pl.LeakIn.Leak().Status
			} else {
				st = pl.Pressure.Pressure().Status
			}
			n++
			if st == hal.StatusOpen {
				open++
			}
		}
		if f := float64(open) / float64(n); math.Abs(f-0.3) > 0.02 {
			t.Errorf("%s: open %.3f of the time, want duty 0.3", target, f)
		}
	}
	pl := newTestPlant(t)
	if err := pl.ApplyDuty("sensor_intermittent", "oil_in_a", 10, 1.5, true); err == nil {
		t.Errorf("a duty of 1.5 was accepted")
	}
}

// The bool inputs take open and stale.
func TestBoolInputFaults(t *testing.T) {
	pl := newTestPlant(t)
	mustApply(t, pl, "sensor_open", "oil_low", 0, true)
	if l := pl.OilLowIn.Leak(); l.Status != hal.StatusOpen {
		t.Errorf("oil_low open reads %+v", l)
	}
	mustApply(t, pl, "sensor_stale", "leak", 0, true)
	at := pl.LeakIn.Leak().At
	mustApply(t, pl, "oil_leak", "", 0, true)
	pl.steps(t, 10*units.Second)
	if l := pl.LeakIn.Leak(); l.At != at || l.Value {
		t.Errorf("a stale leak input moved: %+v, stale since %v", l, at)
	}
	if err := pl.Apply("sensor_offset", "leak", 1, true); err == nil {
		t.Errorf("an offset on a bool input was accepted")
	}
}

// An oil leak: 2 L/min while the pump turns, the level switch low after
// 1 L (30 s), air past 10 L, no flow at 20 L; the repair refills. (The
// leak's physics are judged without the leak interlock, which would stop
// the pump at once; the interlock is judged after.)
func TestOilLeakPhysics(t *testing.T) {
	pl := newTestPlant(t)
	pl.P.LeakInterlock = false
	full := pl.S.OilFlowLPM
	mustApply(t, pl, "oil_leak", "", 0, true)
	pl.Step(tick)
	if !pl.LeakIn.Leak().Value {
		t.Errorf("the leak detector is dry with oil in the bund")
	}
	pl.steps(t, 29*units.Second)
	if pl.OilLowIn.Leak().Value {
		t.Errorf("level low after %.2f L lost", pl.S.OilLostL)
	}
	pl.steps(t, 2*units.Second)
	if !pl.OilLowIn.Leak().Value {
		t.Errorf("level not low after %.2f L lost", pl.S.OilLostL)
	}
	pl.steps(t, (7*60+30)*units.Second) // 15 L lost: half-way into the air
	if got, want := float64(pl.S.OilFlowLPM), float64(full)*(2-pl.S.OilLostL/10); math.Abs(got-want) > 0.02*float64(full) {
		t.Errorf("with %.2f L lost the oil flow is %.2f L/min, want %.2f", pl.S.OilLostL, got, want)
	}
	pl.steps(t, 5*60*units.Second)
	if pl.S.OilFlowLPM != 0 {
		t.Errorf("with %.2f L lost the pump still moves %.2f L/min", pl.S.OilLostL, pl.S.OilFlowLPM)
	}
	// Stopped, the leak slows to 0.2 L/min.
	_ = pl.Pumps[hal.PumpOil].SetSpeed(0)
	pl.steps(t, 30*units.Second)
	before := pl.S.OilLostL
	pl.steps(t, 60*units.Second)
	if d := pl.S.OilLostL - before; math.Abs(d-0.2) > 1e-6 {
		t.Errorf("still, %.4f L lost in a minute, want 0.2", d)
	}
	mustApply(t, pl, "oil_leak", "", 0, false)
	_ = pl.Pumps[hal.PumpOil].SetSpeed(0.47)
	pl.steps(t, 30*units.Second)
	if pl.S.OilLostL != 0 || pl.OilLowIn.Leak().Value || pl.LeakIn.Leak().Value || math.Abs(float64(pl.S.OilFlowLPM-full)) > 0.01 {
		t.Errorf("repaired: %.2f L lost, low %v, leak %v, flow %.2f of %.2f", pl.S.OilLostL,
			pl.OilLowIn.Leak().Value, pl.LeakIn.Leak().Value, pl.S.OilFlowLPM, full)
	}
}

// The circuit emptied to a floor stays there; below 0.3 bar the water pump
// cavitates: flow and power fall to 10 % within 0.02 bar. Below the
// minimum-pressure limiter (0.25 bar) the pump has no power at all.
func TestPressureFloorAndCavitation(t *testing.T) {
	pl := newTestPlant(t)
	flow, power := pl.S.WaterLPM, pl.Pumps[hal.PumpWater].Feedback().Power
	mustApply(t, pl, "pressure_to_floor", "", 0.26, true)
	pl.steps(t, 60*units.Second)
	if got := float64(pl.S.PressureBar); math.Abs(got-(1.5-0.6)) > 0.01 {
		t.Errorf("after 60 s at 0.01 bar/s the circuit is at %.3f bar, want 0.9", got)
	}
	pl.steps(t, 5*60*units.Second)
	if pl.S.PressureBar != 0.26 {
		t.Errorf("the circuit is at %.3f bar, want its 0.26 bar floor", pl.S.PressureBar)
	}
	share := 0.1 // below the cavitation band: a pump running dry
	if got := float64(pl.S.WaterLPM / flow); math.Abs(got-share) > 1e-6 {
		t.Errorf("water flow at 0.26 bar is %.4f of normal, want %.4f", got, share)
	}
	if got := float64(pl.Pumps[hal.PumpWater].Feedback().Power / power); math.Abs(got-share) > 1e-6 {
		t.Errorf("water pump's power at 0.26 bar is %.4f of normal, want %.4f", got, share)
	}
	mustApply(t, pl, "pressure_to_floor", "", 0.26, false)
	pl.steps(t, 10*units.Second)
	if pl.S.PressureBar != pl.P.PressureBar || math.Abs(float64(pl.S.WaterLPM-flow)) > 1e-3 {
		t.Errorf("refilled: %.3f bar, water flow %.3f of %.3f", pl.S.PressureBar, pl.S.WaterLPM, flow)
	}
	mustApply(t, pl, "pressure_to_floor", "", 0.2, true)
	pl.steps(t, 5*60*units.Second)
	if fb := pl.Pumps[hal.PumpWater].Feedback(); pl.S.WaterLPM != 0 || fb.Status != hal.StatusMissing {
		t.Errorf("below the pressure switch: water flow %.3f, feedback %+v; want no flow and no feedback", pl.S.WaterLPM, fb)
	}
}

// A silently seized pump moves nothing and says all is well; a lying
// feedback line reports its alarm while the pump runs.
func TestPumpsThatLie(t *testing.T) {
	pl := newTestPlant(t)
	before := pl.Pumps[hal.PumpWater].Feedback()
	mustApply(t, pl, "pump_seized_silent", "water", 0, true)
	pl.steps(t, 30*units.Second)
	fb := pl.Pumps[hal.PumpWater].Feedback()
	if pl.S.WaterLPM != 0 || fb.Alarm != hal.PumpNormal || fb.Power != before.Power {
		t.Errorf("seized silently: flow %.2f, feedback %+v (before %+v)", pl.S.WaterLPM, fb, before)
	}
	flow := pl.S.OilFlowLPM
	mustApply(t, pl, "pump_feedback_lies", "oil", 0, true)
	pl.steps(t, 10*units.Second)
	if fb := pl.Pumps[hal.PumpOil].Feedback(); fb.Alarm != hal.PumpBlocked || pl.S.OilFlowLPM != flow {
		t.Errorf("a line lying blocked by default: %+v, flow %.2f of %.2f", fb, pl.S.OilFlowLPM, flow)
	}
	mustApply(t, pl, "pump_feedback_lies", "oil", 2, true)
	if fb := pl.Pumps[hal.PumpOil].Feedback(); fb.Alarm != hal.PumpElectrical {
		t.Errorf("a line lying electrical: %+v", fb)
	}
	if err := pl.Apply("pump_feedback_lies", "oil", 7, true); err == nil {
		t.Errorf("alarm 7 accepted")
	}
}

// The feed meter reads the truth whatever the agent says; the agent says
// what module_false_power makes it say, NaN included.
func TestModuleFeedAndFalsePower(t *testing.T) {
	pl := newTestPlant(t)
	full := pl.P.ModuleFullW()
	for _, arg := range []float64{math.NaN(), -1, 7} {
		mustApply(t, pl, "module_false_power", "2", arg, true)
		pl.steps(t, units.Second)
		st := pl.Modules[2].Status()
		if !(st.Power == units.Watt(arg) || math.IsNaN(arg) && math.IsNaN(float64(st.Power))) {
			t.Errorf("agent told to say %g W says %g W", arg, st.Power)
		}
		if st.Feed.Value != full || !st.Feed.OK() || st.Feed.At != pl.Now-units.Time(tick) {
			t.Errorf("feed meter %+v, true draw %g W at %v", st.Feed, full, pl.Now)
		}
	}
	mustApply(t, pl, "module_false_power", "2", 0, false)
	pl.steps(t, units.Second)
	if st := pl.Modules[2].Status(); st.Power != full {
		t.Errorf("cleared, the agent says %g W of %g", st.Power, full)
	}
}

// The relay and the agent as modules.Power and a real board have them: Off
// keeps the relay for the shutdown and opens it at the deadline; Off never
// closes an open relay; a powered level closes it and the agent is silent
// while it boots.
func TestModuleRelayAndBoot(t *testing.T) {
	pl := newTestPlant(t)
	m := &pl.Modules[0]
	p := pl.P
	_ = m.SetLevel(hal.LevelOff)
	pl.steps(t, units.DurationOf(p.OffDeadlineS)-units.Second)
	if st := m.Status(); !st.Relay || m.Powered() {
		t.Errorf("%.0f s after Off: relay %v, powered %v; want closed, shut down", p.OffDeadlineS-1, st.Relay, m.Powered())
	}
	pl.steps(t, 2*units.Second)
	if st := m.Status(); st.Relay || st.Feed.Value != 0 || st.Status != hal.StatusMissing {
		t.Errorf("past the off deadline: %+v, want the relay open, the feed at 0, the agent silent", st)
	}
	pl.steps(t, 10*units.Second)
	if m.Status().Relay {
		t.Errorf("Off closed an open relay")
	}
	_ = m.SetLevel(hal.LevelIdle)
	closed := pl.Now
	pl.steps(t, units.Second)
	heard := m.Status().At
	for pl.Now.Sub(closed) < units.DurationOf(p.BootS)-units.Second {
		pl.steps(t, units.Second)
		if st := m.Status(); st.Status != hal.StatusMissing || st.At != heard || !st.Relay || st.Feed.Value != p.ModuleIdleW() {
			t.Fatalf("%.0f s into the boot: %+v; want silent since %v, relay closed, feed at idle", pl.Now.Sub(closed).Seconds(), st, heard)
		}
	}
	pl.steps(t, 3*units.Second)
	if st := m.Status(); st.Status != hal.StatusOK || st.Level != hal.LevelIdle {
		t.Errorf("booted: %+v", st)
	}
	_ = m.SetLevel(hal.LevelCut)
	if st := m.Status(); st.Relay || st.Feed.Value != 0 {
		t.Errorf("cut: %+v", st)
	}
	m.Start(hal.LevelOff)
	if m.Status().Relay || m.Powered() {
		t.Errorf("Start(off) left the relay closed")
	}
}

// The leak interlock (layer 5): the bund's leak detector in series with the
// oil pump's supply stops the pump while its loop is open, whatever the
// pump is told, and gives it back when the loop closes; a detector stuck
// dry cannot open it.
func TestLeakInterlockStopsTheOilPump(t *testing.T) {
	pl := newTestPlant(t)
	mustApply(t, pl, "oil_leak", "", 0, true)
	pl.steps(t, 10*units.Second)
	if fb := pl.Pumps[hal.PumpOil].Feedback(); pl.S.OilFlowLPM != 0 || fb.Status != hal.StatusMissing {
		t.Errorf("a wet bund: oil flow %.2f L/min, feedback %+v; want the pump without power", pl.S.OilFlowLPM, fb)
	}
	mustApply(t, pl, "oil_leak", "", 0, false)
	pl.steps(t, 10*units.Second)
	if pl.S.OilFlowLPM < 18 {
		t.Errorf("repaired: oil flow %.2f L/min, want the pump back", pl.S.OilFlowLPM)
	}
	mustApply(t, pl, "sensor_stuck_at", "leak", 0, true)
	mustApply(t, pl, "oil_leak", "", 0, true)
	pl.steps(t, 10*units.Second)
	if pl.S.OilFlowLPM < 18 {
		t.Errorf("a detector stuck dry opened the interlock: oil flow %.2f L/min", pl.S.OilFlowLPM)
	}
}

// tick is the control period the tests step the plant at: the bench's 10 Hz.
const tick = 100 * units.Millisecond
