package plant

import (
	"testing"

	"hearth/units"
)

// BenchmarkPlantStepDay is the plant alone (no controller) for a winter
// day at 10 Hz, its devices holding their initial commands.
func BenchmarkPlantStepDay(b *testing.B) {
	w, _ := SeasonWeather(Winter)
	for b.Loop() {
		pl := NewPlant(DefaultParams(), w, SeasonInit(Winter), 1)
		for range 864000 {
			pl.Step(units.Second / 10)
		}
	}
}
