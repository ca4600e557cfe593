package hil

import (
	"testing"

	"hearth/hal"
	"hearth/hil/plant"
	"hearth/safety"
	"hearth/units"
)

// With every sink gone (no dump, no radiators, no tank coil) and control's
// load management failing (it never throttles), the compute heat has nowhere
// to go: safety must shed, then trip on the oil's temperature (its climb
// under maximum cooling, or the limit itself) and cut every module on the
// very tick it trips.
func TestOilOverTemperatureTripsAndCuts(t *testing.T) {
	cfg, err := DefaultConfig(plant.Winter, 3)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params.DumpUAFanOffWPerK, cfg.Params.DumpUAFanMaxWPerK = 0, 0
	cfg.Params.RadiatorQ50W, cfg.Params.TankCoilUAWPerK = 0, 0
	cfg.Core.Control.ShedWPerKS = 0
	cfg.Core.Control.LoadGains.Kp, cfg.Core.Control.LoadGains.Ki = 0, 0
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
	if st.State != safety.StateTripped || (st.Cause != safety.CauseOilInHigh && st.Cause != safety.CauseRunaway) {
		t.Fatalf("state %s cause %s, want tripped on oil_in_high or thermal_runaway", st.State, st.Cause)
	}
	t.Logf("tripped on %s at %.0f s with true oil into modules at %.2f C", st.Cause, st.TripAt.Seconds(), s.Plant.S.OilInC)
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

// Each trip limit of a temperature, driven past on the plant: the controller
// boots on a plant already past the limit (as after a long outage), and must
// trip on that limit's cause as soon as the probe's first conversion is
// believed, with every module cut.
func TestTemperatureTripLimitsOnThePlant(t *testing.T) {
	for _, c := range []struct {
		name  string
		set   func(*Config)
		cause safety.Cause
	}{
		{"oil_in", func(c *Config) { c.Init.OilC = c.Core.Safety.OilIn.TripC + 1 }, safety.CauseOilInHigh},
		{"water_flow", func(c *Config) { c.Init.WaterC = c.Core.Safety.WaterFlow.TripC + 1 }, safety.CauseWaterFlowHigh},
		{"tank", func(c *Config) { c.Init.TankTopC = c.Core.Safety.Tank.TripC + 1 }, safety.CauseTankHigh},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := DefaultConfig(plant.Winter, 5)
			if err != nil {
				t.Fatal(err)
			}
			cfg.PreRoll = 0
			c.set(&cfg)
			s, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for range 50 { // 5 s: conversions take 0.75 s
				s.Step()
			}
			st := s.Core.Safety.Status()
			if st.State != safety.StateTripped || st.Cause != c.cause {
				t.Fatalf("state %s cause %s, want tripped on %s", st.State, st.Cause, c.cause)
			}
			for i := 0; i < cfg.Params.Modules; i++ {
				if s.Plant.Modules[i].Powered() {
					t.Errorf("module %d powered after the trip", i)
				}
			}
		})
	}
}
