package hil

import (
	"testing"

	"hearth/hil/plant"
	"hearth/units"
)

// A scenario starting Wednesday 14:00 (start_week = "62h") gets that hour's
// draws: the first draw of the run is profile M's 14:30 one (not the 07:00
// draws of a run whose zero is midnight).
func TestStartWeekDrawsLocalTime(t *testing.T) {
	sc, err := ParseScenario([]byte(`name = "wednesday-afternoon"
season = "winter"
duration = "1h"
start_week = "62h"
`), "test")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sc.Config(plant.DefaultParams(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	first := units.Time(-1)
	for !s.Done() && first < 0 {
		s.Step()
		if s.Plant.DrawRunning() {
			first = s.Plant.Now
		}
	}
	wantAt := units.Time(30 * units.Minute) // 14:30, ProfileM's draw after 14:00
	if first < wantAt || first > wantAt.Add(units.Second) {
		t.Errorf("first draw at %v after the start, want 14:30's at %v", first, wantAt)
	}
}
