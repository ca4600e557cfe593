package plant

import (
	"hearth/units"
)

func (pl *Plant) stepHouse(h float64, qRad units.Watt) {
	p, s := &pl.P, &pl.S
	af := float64(p.HouseAirFabricWPerK) * float64(s.IndoorC-s.FabricC)
	air := float64(qRad) - af - float64(p.HouseAirLossWPerK)*float64(s.IndoorC-s.OutdoorC)
	fab := af - float64(p.HouseFabricLossWPerK)*float64(s.FabricC-s.OutdoorC)
	s.IndoorC += units.Celsius(air * h / float64(p.HouseAirJPerK))
	s.FabricC += units.Celsius(fab * h / float64(p.HouseFabricJPerK))
}
