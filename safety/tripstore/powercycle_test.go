package tripstore

import (
	"testing"

	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

const tick = 100 * units.Millisecond

// plant returns inputs of a healthy plant running one module, with the oil
// into the modules at oilIn.
func plant(now units.Time, oilIn units.Celsius) *hal.Inputs {
	in := &hal.Inputs{Now: now, NumModules: 1}
	for id := range hal.NumTemps {
		in.Temp[id] = hal.Sample[units.Celsius]{Value: 40, At: now, Status: hal.StatusOK}
	}
	in.Temp[hal.TempOilInA].Value, in.Temp[hal.TempOilInB].Value = oilIn, oilIn
	in.Pressure = hal.Sample[units.Bar]{Value: 1.5, At: now, Status: hal.StatusOK}
	for id := range hal.NumFlows {
		in.Flow[id] = hal.Sample[units.LitrePerMin]{Value: 20, At: now, Status: hal.StatusOK}
	}
	in.Leak = hal.Sample[bool]{Value: false, At: now, Status: hal.StatusOK}
	in.Module[0] = hal.ModuleStatus{Relay: true, Level: hal.Level100, Power: 400, At: now, Status: hal.StatusOK}
	in.Demand[0] = hal.Level100
	return in
}

func step(l *safety.Layer, in *hal.Inputs) hal.Outputs {
	wish := hal.Outputs{Module: [hal.MaxModules]hal.Level{hal.Level100}}
	var out hal.Outputs
	l.Step(in, &wish, &out)
	return out
}

// The whole path across a power cycle: the layer trips, the edge saves the
// record, the power goes, a new process loads the record and restores the
// layer, which stays latched on a plant that looks healthy again.
func TestPowerCycleKeepsTheTripLatched(t *testing.T) {
	dir := t.TempDir()
	cfg := safety.DefaultConfig()

	// First boot: the oil into the modules climbs, believably (no spike),
	// until it passes its trip.
	l := safety.New(cfg)
	now := units.Time(0)
	oil := units.Celsius(40)
	var out hal.Outputs
	for range 20 {
		out = step(l, plant(now, oil))
		now = now.Add(tick)
	}
	for i := 0; l.Status().State != safety.StateTripped && i < 100; i++ {
		oil += 0.3 // 3 K/s: fast, but no spike; trips within seconds of power-on
		out = step(l, plant(now, oil))
		now = now.Add(tick)
	}
	st := l.Status()
	if st.State != safety.StateTripped || st.Cause != safety.CauseOilInHigh || out.Module[0] != hal.LevelCut {
		t.Fatalf("no trip at %v C: %+v, module %s", oil, st, out.Module[0])
	}
	// The edge writes the outputs, then persists the trip.
	s := open(t, dir)
	save(t, s, safety.TripRecord{Cause: st.Cause, Latched: true, AtNs: int64(st.TripAt),
		WallNs: 1_767_225_600e9, Value: float64(oil)})

	// Power cut. Second boot: a new store, a new layer, a new clock.
	s2 := open(t, dir)
	rec, ok, err := s2.Load()
	if err != nil || !ok {
		t.Fatalf("Load after the power cycle: ok %v, err %v", ok, err)
	}
	if !rec.Latched || rec.Cause != safety.CauseOilInHigh || rec.At() != st.TripAt {
		t.Fatalf("loaded %+v, want the latched oil_in_high trip at %d", rec, st.TripAt)
	}
	l2 := safety.New(cfg)
	l2.Restore(rec.Cause, rec.At())

	now = 0
	for i := range 600 { // a minute of a healthy plant, no reset request
		out := step(l2, plant(now, 40))
		if st := l2.Status(); st.State != safety.StateTripped || st.Cause != safety.CauseOilInHigh {
			t.Fatalf("tick %d after restore: %+v, want latched oil_in_high", i, st)
		}
		if out.Module[0] != hal.LevelCut || !out.Alarm {
			t.Fatalf("tick %d after restore: module %s, alarm %v", i, out.Module[0], out.Alarm)
		}
		now = now.Add(tick)
	}

	// Without the record the same plant would run: the record is what latches.
	l3 := safety.New(cfg)
	for range 20 {
		step(l3, plant(now, 40))
		now = now.Add(tick)
	}
	if st := l3.Status(); st.State == safety.StateTripped {
		t.Fatalf("control case tripped: %+v", st)
	}
}
