package plant

import (
	"hearth/units"
)

// HeatBound is the most heat the home could take from the hub on a day that
// repeats itself, whatever the control: a shadow of the house whose air is
// held at MaxC all along, its fabric in the periodic state of a house held
// there (started at its steady value for the day's mean outside
// temperature), less the free heat of the gains; and the tank's draws
// (the energy the day's taps asked for) with the standing loss of a tank
// held whole at HoldC. Over the energy the hub used it bounds the ERF of a
// representative day from above: no controller can deliver more heat than
// the house and the tank can take without overheating the house. A run
// whose house, radiators or tank end warmer than they started can exceed
// it by that stored heat.
type HeatBound struct {
	MaxC, HoldC units.Celsius
	fabricC     units.Celsius
	house       units.Joule
	started     bool
}

// Step advances the shadow house by h seconds at the plant's present
// weather and gains.
func (b *HeatBound) Step(pl *Plant, h float64) {
	p, s := &pl.P, &pl.S
	af, fl := float64(p.HouseAirFabricWPerK), float64(p.HouseFabricLossWPerK)
	if !b.started {
		b.fabricC = units.Celsius((af*float64(b.MaxC) + fl*float64(pl.Weather.MeanC)) / (af + fl))
		b.started = true
	}
	toFabric := af * float64(b.MaxC-b.fabricC)
	need := float64(p.HouseAirLossWPerK)*float64(b.MaxC-s.OutdoorC) + toFabric - float64(pl.GainsAt(pl.Now))
	b.house += units.Joule(h * max(0, need))
	b.fabricC += units.Celsius(h * (toFabric - fl*float64(b.fabricC-s.OutdoorC)) / float64(p.HouseFabricJPerK))
}

// House is the heat the shadow house has taken so far.
func (b *HeatBound) House() units.Joule { return b.house }

// Tank is the most the tank could take over a run of dur: the energy its
// draws asked for and the standing loss of a tank held whole at HoldC in
// the plant room.
func (b *HeatBound) Tank(pl *Plant, dur units.Duration) units.Joule {
	p, s := &pl.P, &pl.S
	loss := float64(p.TankLossWPerK) * max(0, float64(b.HoldC-s.PlantRoomC)) * dur.Seconds()
	return pl.E.DHWDelivered + pl.E.DHWShortfall + units.Joule(loss)
}
