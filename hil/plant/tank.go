package plant

import (
	"math"

	"hearth/units"
)

func (pl *Plant) stepTank(h float64, qCoil units.Watt) {
	p, s, e := &pl.P, &pl.S, &pl.E
	top := -float64(p.TankLossWPerK/2) * float64(s.TankTopC-s.PlantRoomC)
	bot := float64(qCoil) - float64(p.TankLossWPerK/2)*float64(s.TankBottomC-s.PlantRoomC)
	mix := float64(p.TankLayerMixWPerK) * float64(s.TankTopC-s.TankBottomC)
	top -= mix
	bot += mix
	if pl.Heater.On {
		top += float64(p.ImmersionW)
		e.Immersion += units.Joule(h * float64(p.ImmersionW))
	}
	// Hot-water draws: water leaves from the top, mains enters at the bottom
	// and the lower layer rises (plug flow). A thermostatic mixer at the tap
	// blends down to TapC.
	pl.advanceTaps()
	if pl.tapLeftJ > 0 {
		cTap := float64(units.WaterRate(pl.tapFlow))
		nominal := cTap * float64(p.TapC-p.MainsC) // W of useful heat at the tap
		cOut := cTap
		if s.TankTopC > p.TapC {
			cOut = cTap * float64(p.TapC-p.MainsC) / float64(s.TankTopC-p.MainsC)
			e.DHWDelivered += units.Joule(h * nominal)
		} else {
			delivered := math.Max(0, cTap*float64(s.TankTopC-p.MainsC))
			e.DHWDelivered += units.Joule(h * delivered)
			e.DHWShortfall += units.Joule(h * nominal)
		}
		top += cOut * float64(s.TankBottomC-s.TankTopC)
		bot += cOut * float64(p.MainsC-s.TankBottomC)
		pl.tapLeftJ -= units.Joule(h * nominal)
	}
	s.TankTopC += units.Celsius(top * h / float64(pl.capTankLayer))
	s.TankBottomC += units.Celsius(bot * h / float64(pl.capTankLayer))
	if s.TankBottomC > s.TankTopC {
		// Buoyancy: a warmer lower layer turns over at once.
		avg := (s.TankTopC + s.TankBottomC) / 2
		s.TankTopC, s.TankBottomC = avg, avg
	}
}

// advanceTaps starts the profile's next draw when its time of day comes.
func (pl *Plant) advanceTaps() {
	const day = int64(24 * units.Hour)
	if pl.Now < 0 {
		return // the pre-roll draws nothing
	}
	if d := int64(pl.Now) / day; d != pl.tapDay {
		pl.tapDay, pl.tap = d, 0
	}
	if pl.tap >= len(ProfileM) {
		return
	}
	tp := ProfileM[pl.tap]
	if units.Duration(int64(pl.Now)%day).Seconds() >= tp.AtS {
		pl.tapLeftJ += tp.EnergyJ
		pl.tapFlow = tp.FlowLPM
		pl.tap++
	}
}
