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
//
// It also follows a second shadow, held at MinC (the comfort band's floor)
// with the radiators as hot as the hub could make them (their whole
// as hot as the exchanger can make the water with the oil into the
// modules at CeilingC: RadiatorCapacity): what that house needs beyond the
// gains and those radiators is the least backup heat any control could
// leave the home's own heater (BackupMin).
type HeatBound struct {
	MaxC, HoldC    units.Celsius
	MinC, CeilingC units.Celsius
	// OutMaxC is the hottest the oil may leave the modules (control's
	// oil_out_max_c) and MinOilLPM the least oil flow (safety's), which
	// bound the radiators' capacity.
	OutMaxC       units.Celsius
	MinOilLPM     units.LitrePerMin
	fabricC, lowC units.Celsius
	house, backup units.Joule
	// For the least backup and immersion together: the low shadow's need
	// beyond its gains, the compute heat, the tank's standing loss, and
	// the tank's and the air's stored heat at the start.
	lowNeed, hub, tankLoss, tank0 units.Joule
	credit                        units.Joule
	radMaxW                       units.Watt
	started                       bool
}

// Step advances the shadow house by h seconds at the plant's present
// weather and gains.
func (b *HeatBound) Step(pl *Plant, h float64) {
	p, s := &pl.P, &pl.S
	af, fl := float64(p.HouseAirFabricWPerK), float64(p.HouseFabricLossWPerK)
	if !b.started {
		b.fabricC = units.Celsius((af*float64(b.MaxC) + fl*float64(pl.Weather.MeanC)) / (af + fl))
		// The second shadow starts from the house as it is, so it is
		// credited with the heat its fabric and air hold (a lower bound
		// must not ask the backup for heat the house already stores).
		// The fabric's stored heat is used by the shadow's own dynamics;
		// the air's, and the radiators', above MinC are credited.
		b.lowC = s.FabricC
		b.credit = units.Joule(float64(p.HouseAirJPerK) * max(0, float64(s.IndoorC-b.MinC)))
		for _, c := range pl.rad.segC {
			b.credit += units.Joule(pl.rad.capSeg * max(0, float64(c-b.MinC)))
		}
		b.backup -= b.credit
		b.tank0 = pl.tankStored()
		b.radMaxW = pl.RadiatorCapacity(b.CeilingC, b.OutMaxC, b.MinOilLPM, b.MinC)
		b.started = true
	}
	gains := float64(pl.GainsAt(pl.LocalDay()))
	need := b.shadow(&b.fabricC, b.MaxC, s.OutdoorC, h, p) - gains
	b.house += units.Joule(h * max(0, need))
	low := b.shadow(&b.lowC, b.MinC, s.OutdoorC, h, p) - gains
	b.backup += units.Joule(h * max(0, low-float64(b.radMaxW)))
	b.lowNeed += units.Joule(h * max(0, low))
	b.hub += units.Joule(h * float64(pl.ComputePower()))
	b.tankLoss += units.Joule(h * float64(p.TankLossWPerK) * max(0, float64(s.TankMeanC()-s.PlantRoomC)))
}

// shadow returns the heat a house with its air held at airC loses now, and
// moves its fabric (fabricC) on by h seconds.
func (b *HeatBound) shadow(fabricC *units.Celsius, airC, outC units.Celsius, h float64, p *Params) float64 {
	af, fl := float64(p.HouseAirFabricWPerK), float64(p.HouseFabricLossWPerK)
	toFabric := af * float64(airC-*fabricC)
	*fabricC += units.Celsius(h * (toFabric - fl*float64(*fabricC-outC)) / float64(p.HouseFabricJPerK))
	return float64(p.HouseAirLossWPerK)*float64(airC-outC) + toFabric
}

// AuxMin is the least heat the home's heater and the tank's immersion
// heater together must give so far: the low shadow's need, the tank's
// draws, its standing loss and its stored heat's change to where it is
// now, less all the compute heat but the hub's own losses (as they were:
// an oil hot enough to heat loses them) and the heat the air and the
// radiators held at the start; and never less than BackupMin.
func (b *HeatBound) AuxMin(pl *Plant) units.Joule {
	e := pl.E
	need := b.lowNeed + e.DHWDelivered + e.DHWShortfall + b.tankLoss + (pl.tankStored() - b.tank0)
	return max(b.BackupMin(), need-(b.hub-e.Losses)-b.credit)
}

func (pl *Plant) tankStored() units.Joule {
	return units.Joule(float64(waterCap(pl.P.TankL)) * float64(pl.S.TankMeanC()))
}

// BackupMin is the least heat the home's own heater must give to hold the
// air at MinC so far.
func (b *HeatBound) BackupMin() units.Joule { return max(0, b.backup) }

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

// RadiatorCapacity is the most heat the radiators can take from the hub in
// steady state with the oil into the modules at ceilingC and the room at
// roomC, all the water through the radiators: the best over the pumps'
// speeds (the oil's from minOil up) of the Q that closes the chain oil ->
// exchanger -> water -> radiators (oil out of the modules at ceiling +
// Q/C_oil, at most outMaxC; the water's return where the exchanger's
// effectiveness puts it; the radiators at the mean of flow and return),
// and no more than the modules' full power.
func (pl *Plant) RadiatorCapacity(ceilingC, outMaxC units.Celsius, minOil units.LitrePerMin, roomC units.Celsius) units.Watt {
	p := &pl.P
	full := float64(units.Watt(p.Modules) * p.ModuleFullW())
	best := 0.0
	for i := 0; i <= 16; i++ {
		oil := minOil + (p.OilPumpMaxLPM-minOil)*units.LitrePerMin(i)/16
		cOil := float64(units.OilRate(oil))
		cap := min(full, cOil*float64(outMaxC-ceilingC))
		for j := 1; j <= 16; j++ {
			water := p.WaterPumpMaxLPM * units.LitrePerMin(j) / 16
			cW := float64(units.WaterRate(water))
			eps := CounterFlowEffectiveness(p.ExchangerUA(oil, water), units.WattPerKelvin(cOil), units.WattPerKelvin(cW))
			best = max(best, radiatorChain(p, eps*min(cOil, cW), cOil, cW, ceilingC, roomC, cap))
		}
	}
	return units.Watt(best)
}

// radiatorChain solves for the heat Q the radiators take when the oil
// enters the modules at ceilingC (bisection: the radiators' mean falls as
// Q rises); epsC is the exchanger's effectiveness times Cmin.
func radiatorChain(p *Params, epsC, cOil, cW float64, ceilingC, roomC units.Celsius, full float64) float64 {
	lo, hi := 0.0, full
	for range 50 {
		q := (lo + hi) / 2
		ret := float64(ceilingC) + q/cOil - q/epsC
		mean := ret + q/(2*cW)
		if float64(RadiatorOutput(p.RadiatorQ50W, p.RadiatorN, units.Kelvin(mean-float64(roomC)))) > q {
			lo = q
		} else {
			hi = q
		}
	}
	return lo
}
