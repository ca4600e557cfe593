package core_test

import (
	"strings"
	"testing"

	"hearth/core"
	"hearth/hil"
	"hearth/hil/plant"
	"hearth/units"
)

// A full tick of the core, on realistic inputs from the reference plant,
// allocates nothing; so does a tick of the whole bench (plant and devices).
func TestStepAllocatesNothing(t *testing.T) {
	cfg, err := hil.DefaultConfig(plant.Winter, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Duration = 2 * units.Hour
	s, err := hil.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range 3000 { // past boot, loops settled
		s.Step()
	}
	in := *s.Inputs()
	if a := testing.AllocsPerRun(1000, func() {
		in.Now = in.Now.Add(hil.Tick)
		s.Core.Step(&in)
	}); a != 0 {
		t.Errorf("core.Step allocates %.1f times per tick, want 0", a)
	}
	if a := testing.AllocsPerRun(1000, s.Step); a != 0 {
		t.Errorf("a bench tick allocates %.1f times, want 0", a)
	}
}

func BenchmarkCoreStep(b *testing.B) {
	cfg, _ := hil.DefaultConfig(plant.Winter, 1)
	s, err := hil.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for range 3000 {
		s.Step()
	}
	in := *s.Inputs()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		in.Now = in.Now.Add(hil.Tick)
		s.Core.Step(&in)
	}
}

// The reference configuration passes every check, control's, safety's and
// the couplings between them.
func TestDefaultConfigValidates(t *testing.T) {
	c := core.DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

// Each coupling refuses a control value past safety's, naming both keys;
// every broken rule is reported.
func TestConfigCrossChecks(t *testing.T) {
	for _, c := range []struct {
		set  func(*core.Config)
		want []string
	}{
		{func(c *core.Config) { c.Control.OilCeilingC = 53 }, []string{"control.oil_ceiling_c = 53: above safety.oil_in.warn_c = 52"}},
		{func(c *core.Config) { c.Control.OilOutMaxC = 65 }, []string{"control.oil_out_max_c = 65: not below safety.oil_out.warn_c = 65"}},
		{func(c *core.Config) { c.Control.OilFlowMinLPM = 10.4 }, []string{"control.oil_flow_min_lpm = 10.4: below the flow safety proves, safety.min_oil_flow_lpm = 10"}},
		{func(c *core.Config) { c.Control.OilPumpSpeed = 0.25 }, []string{"control.oil_pump_speed = 10: times control.oil_pump_max_lpm = 40 gives 10 L/min, below the flow safety proves"}},
		{func(c *core.Config) { c.Control.OilPumpMaxLPM = 50 }, []string{"control.oil_pump_max_lpm = 50: differs from safety.oil_pump_max_lpm = 40"}},
		{func(c *core.Config) { c.Safety.WaterPumpMaxLPM = 30 }, []string{"control.water_pump_max_lpm = 25: differs from safety.water_pump_max_lpm = 30"}},
		{func(c *core.Config) { c.Control.TankTargetC = 62; c.Control.LegionellaC = 61; c.Safety.Tank.WarnC = 62 },
			[]string{"control.tank_target_c = 62: not below safety.tank.warn_c = 62", "control.tank_target_c = 62: must be at most control.legionella_c = 61"}},
		{func(c *core.Config) { c.Safety.Tank.WarnC = 62; c.Control.LegionellaC = 63 }, []string{"control.legionella_c = 63: not below safety.tank.warn_c = 62"}},
		{func(c *core.Config) { c.Control.CurveFlowAC = 75; c.Safety.WaterFlow.WarnC = 70 }, []string{"control.curve_flow_a_c = 75: not below safety.water_flow.warn_c = 70"}},
		{func(c *core.Config) { c.Control.StaleS = 6 }, []string{"control.stale_s = 6: above safety.stale_s = 5"}},
		{func(c *core.Config) { c.Control.OilCeilingC = 53; c.Safety.OilIn.TripC = 61 },
			[]string{"control.oil_ceiling_c = 53: above safety.oil_in.warn_c = 52", "safety.oil_in.trip_c = 61 exceeds its hard bound 60"}},
	} {
		cfg := core.DefaultConfig()
		c.set(&cfg)
		err := cfg.Validate()
		if err == nil {
			t.Errorf("accepted, want %q", c.want)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q, want %q", err, w)
			}
		}
		if n := len(strings.Split(err.Error(), "\n")); n != len(c.want) {
			t.Errorf("%d errors, want %d: %v", n, len(c.want), err)
		}
	}
}
