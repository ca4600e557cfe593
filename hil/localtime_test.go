package hil

import (
	"math"
	"testing"

	"hearth/hil/plant"
	"hearth/units"
)

// A scenario starting Wednesday 14:00 (start_week = "62h") gets that hour's
// weather and that hour's draws: the outdoor air at time zero is the
// weather model's at 14:00, the sun and the house's gains run 14 h ahead
// of the run's clock, and the first draw of the run is profile M's 14:30
// one (not the 07:00 draws of a run whose zero is midnight).
func TestStartWeekDrawsLocalTime(t *testing.T) {
	for _, start := range []string{`start_week = "62h"`, `start_day = "wednesday"` + "\n" + `start_time = "14:00"`, `start_day = "Wed"` + "\n" + `start_time = "14:00:00"`} {
		t.Run(start, func(t *testing.T) { startsWednesdayAfternoon(t, start) })
	}
}

func startsWednesdayAfternoon(t *testing.T, start string) {
	sc, err := ParseScenario([]byte(`name = "wednesday-afternoon"
season = "winter"
duration = "1h"
`+start+"\n"), "test")
	if err != nil {
		t.Fatal(err)
	}
	if sc.StartWeek != 62*units.Hour {
		t.Fatalf("start %v, want 62h (Wednesday 14:00)", sc.StartWeek)
	}
	cfg, err := sc.Config(plant.DefaultParams(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want, midnight := cfg.Weather.At(units.Time(14*units.Hour)), cfg.Weather.At(0)
	atStart := s.Plant.S.OutdoorC
	if got := atStart; math.Abs(float64(got-want)) > 0.01 {
		t.Errorf("outdoor %.3f C at zero, want 14:00's %.3f C (midnight's is %.3f C)", got, want, midnight)
	}
	if d := units.Duration(s.Plant.LocalDay() - s.Plant.Now); d != 14*units.Hour {
		t.Errorf("the house's gains and the sun run %v ahead of the run's clock, want 14h", d)
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
	// Half an hour in, the air is 14:30's (to the once-a-second update).
	if got, want := s.Plant.S.OutdoorC, cfg.Weather.At(units.Time(14*units.Hour+30*units.Minute)); math.Abs(float64(got-want)) > 0.01 {
		t.Errorf("outdoor %.3f C at 14:30, want %.3f C", got, want)
	}
	t.Logf("outdoor at the start %.3f C (14:00's %.3f C, midnight's %.3f C), at +30 min %.3f C; first draw at +%v (14:30's tap)",
		atStart, want, midnight, s.Plant.S.OutdoorC, units.Duration(first))
}
