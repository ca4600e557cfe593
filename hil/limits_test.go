package hil

import (
	"testing"

	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

// With every sink gone (no dump, no radiators, no tank coil), the compute
// heat has nowhere to go: safety must shed, then trip on oil into the
// modules and cut every module on the very tick it trips.
func TestOilOverTemperatureTripsAndCuts(t *testing.T) {
	cfg, err := DefaultConfig(Winter, 3)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params.DumpUAFanOffWPerK, cfg.Params.DumpUAFanMaxWPerK = 0, 0
	cfg.Params.RadiatorUAWPerK, cfg.Params.TankCoilUAWPerK = 0, 0
	cfg.Duration = 6 * units.Hour
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var shedSeen bool
	for !s.Done() {
		s.Step()
		st := s.Core.Safety.Status()
		if st.State == safety.StateShedding {
			shedSeen = true
		}
		if st.State == safety.StateTripped {
			break
		}
	}
	st := s.Core.Safety.Status()
	if st.State != safety.StateTripped || st.Cause != safety.CauseOilInHigh {
		t.Fatalf("state %s cause %s, want tripped on oil_in_high", st.State, st.Cause)
	}
	if !shedSeen {
		t.Errorf("tripped without shedding first")
	}
	for i := 0; i < cfg.Params.Modules; i++ {
		if s.Plant.Modules[i].Powered() {
			t.Errorf("module %d still powered one tick after the trip", i)
		}
	}
	if got := s.Plant.S.OilInC; got > cfg.Core.Safety.OilIn.TripC+2 {
		t.Errorf("true oil into modules %.2f C at the trip, more than trip+2 K", got)
	}
	if s.Plant.Pumps[hal.PumpOil].Command() != 1 || s.Plant.Valves[hal.ValveDump].Command() != 1 || s.Plant.Fan.Actual() < 0 {
		t.Errorf("over-temperature safe state not commanded: oil pump %.2f, dump valve %.2f",
			s.Plant.Pumps[hal.PumpOil].Command(), s.Plant.Valves[hal.ValveDump].Command())
	}
	// The trip is latched: it holds while nobody resets it.
	for range 600 {
		s.Step()
	}
	if st := s.Core.Safety.Status(); st.State != safety.StateTripped {
		t.Errorf("trip did not latch: state %s", st.State)
	}
}

// The exchanger's effectiveness against the closed forms of the
// counter-flow effectiveness-NTU relation.
func TestCounterFlowEffectiveness(t *testing.T) {
	for _, c := range []struct {
		ua, c1, c2 units.WattPerKelvin
		want       float64
	}{
		{1000, 1000, 1000, 0.5},               // Cr = 1: NTU/(1+NTU)
		{1000, 500, 1e12, 0.8646647167633873}, // Cr -> 0: 1 - exp(-NTU)
		{1000, 861, 1736, 0.6123},             // the reference plant in winter
		{0, 500, 500, 0},
		{1000, 0, 500, 0},
	} {
		got := CounterFlowEffectiveness(c.ua, c.c1, c.c2)
		if d := got - c.want; d > 1e-4 || d < -1e-4 {
			t.Errorf("eps(UA=%v, C=%v/%v) = %.6f, want %.6f", c.ua, c.c1, c.c2, got, c.want)
		}
	}
}
