package hil

import (
	"math"
	"testing"

	"hearth/hil/plant"
)

// A scenario's event takes TOML's nan as an argument and a duty; a NaN
// power report goes through a closed-loop run to the controller's inputs.
func TestEventArgsFromTOML(t *testing.T) {
	sc, err := ParseScenario([]byte(`name = "x"
duration = "5m"
events = [
  { at = "1m", fault = "module_false_power", target = "3", arg = nan },
  { at = "1m", fault = "sensor_intermittent", target = "leak", arg = 20.0, duty = 0.3 },
]
`), "test")
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(sc.Events[0].Arg) || sc.Events[1].Duty != 0.3 {
		t.Fatalf("events %+v", sc.Events)
	}
	cfg, err := sc.Config(plant.DefaultParams(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for !s.Done() {
		s.Step()
	}
	if len(s.Errors()) != 0 {
		t.Fatalf("events refused: %v", s.Errors())
	}
	if p := s.Plant.Modules[3].FalsePowerW; !s.Plant.Modules[3].FalsePower || !math.IsNaN(float64(p)) {
		t.Errorf("module 3 false power %v %g, want NaN", s.Plant.Modules[3].FalsePower, p)
	}
}
