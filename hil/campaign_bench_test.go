package hil

import (
	"testing"

	"hearth/hil/plant"
)

// BenchmarkCampaignDay is a day of random-fault campaign (four 6 h runs on
// one worker): what CI's campaigns cost per plant-day.
func BenchmarkCampaignDay(b *testing.B) {
	for b.Loop() {
		if _, err := Campaign(24, 7, 1, plant.DefaultParams()); err != nil {
			b.Fatal(err)
		}
	}
}
