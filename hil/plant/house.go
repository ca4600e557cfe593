package plant

import (
	"math"

	"hearth/units"
)

// HouseParams are the home's figures beyond its fabric: the radiators
// (EN 442), the gains (SAP) and the home's own heater (the backup).
// docs/hil.md ("Plant sources: house") gives each one's source.
type HouseParams struct {
	// RadiatorQ50W is the radiator stock's output at an excess of 50 K of
	// the water over the room (EN 442-2's rating point, 75/65/20 C);
	// RadiatorN the exponent of Q = Q50 (dT/50)^n (EN 442-2: 1.2-1.4 for
	// panel radiators, 1.3 the usual figure).
	RadiatorQ50W units.Watt `toml:"radiator_q50_w"`
	RadiatorN    float64    `toml:"radiator_n"`
	// RadiatorWaterL and RadiatorSteelKg are the stock's water and steel
	// (manufacturers' data for steel panels: ~5.8 L and ~26 kg per kW at
	// dT50), the thermal mass that gives the radiators a time constant.
	RadiatorWaterL  float64 `toml:"radiator_water_l"`
	RadiatorSteelKg float64 `toml:"radiator_steel_kg"`

	// Internal gains (SAP 10.2 appendix L: occupants, lights, appliances,
	// cooking, ~300-500 W in a dwelling): InternalBaseW all day,
	// InternalEveningW from InternalEveningFromH to InternalEveningToH.
	InternalBaseW        units.Watt `toml:"internal_base_w"`
	InternalEveningW     units.Watt `toml:"internal_evening_w"`
	InternalEveningFromH float64    `toml:"internal_evening_from_h"`
	InternalEveningToH   float64    `toml:"internal_evening_to_h"`
	// SolarApertureM2 is the house's effective solar aperture (SAP table
	// 6b/6d: glazed area x g-value x frame and shading factors): the solar
	// gain is it times the global horizontal irradiance.
	SolarApertureM2 float64 `toml:"solar_aperture_m2"`

	// The home's boiler or heat pump on its room thermostat: off above
	// BackupOnC, then proportional over BackupBandK up to BackupMaxW.
	BackupMaxW  units.Watt    `toml:"backup_max_w"`
	BackupOnC   units.Celsius `toml:"backup_on_c"`
	BackupBandK units.Kelvin  `toml:"backup_band_k"`
}

func defaultHouseParams() HouseParams {
	return HouseParams{
		RadiatorQ50W: 6700, RadiatorN: 1.3, RadiatorWaterL: 39, RadiatorSteelKg: 176,
		InternalBaseW: 300, InternalEveningW: 700, InternalEveningFromH: 17, InternalEveningToH: 23,
		SolarApertureM2: 5.2,
		BackupMaxW:      6000, BackupOnC: 19.7, BackupBandK: 0.2,
	}
}

// SteelCpJPerKgK is the specific heat of a radiator's steel.
const SteelCpJPerKgK = 450

// RadiatorSegments is how many well-mixed segments in series along the
// water model the radiator stock.
const RadiatorSegments = 5

// radTableStepK and radTableN set the table of the EN 442 law: its
// excess from 0 to radTableN x radTableStepK.
const (
	radTableStepK = 0.125
	radTableN     = 1024
)

// radiators is the stock's state: its segments' temperatures, and the
// EN 442 law tabulated (math.Pow is the plant's most expensive call).
type radiators struct {
	segC      [RadiatorSegments]units.Celsius
	capSeg    float64 // J/K of one segment
	q50Seg, n float64
	table     [radTableN + 1]float64 // (dT/50)^n at dT = i x radTableStepK
	gainsW    units.Watt             // internal and solar gains, sampled once a second
	nextGains units.Time
}

func (r *radiators) init(p *HouseParams, waterC units.Celsius) {
	r.capSeg = (float64(waterCap(p.RadiatorWaterL)) + p.RadiatorSteelKg*SteelCpJPerKgK) / RadiatorSegments
	r.q50Seg, r.n = float64(p.RadiatorQ50W)/RadiatorSegments, p.RadiatorN
	for i := range r.table {
		r.table[i] = math.Pow(float64(i)*radTableStepK/50, r.n)
	}
	for i := range r.segC {
		r.segC[i] = waterC
	}
	r.nextGains = units.Time(math.MinInt64)
}

// RadiatorOutput is the EN 442 output of a stock rated q50 at dT50 with
// exponent n at an excess dT of the water over the room (negative below
// the room's temperature).
func RadiatorOutput(q50 units.Watt, n float64, dT units.Kelvin) units.Watt {
	if dT < 0 {
		return -RadiatorOutput(q50, n, -dT)
	}
	return q50 * units.Watt(math.Pow(float64(dT)/50, n))
}

// segOut is one segment's output at an excess dT, from the table.
func (r *radiators) segOut(dT float64) float64 {
	neg := dT < 0
	if neg {
		dT = -dT
	}
	x := dT / radTableStepK
	var f float64
	if i := int(x); i < radTableN {
		f = r.table[i] + (x-float64(i))*(r.table[i+1]-r.table[i])
	} else {
		f = math.Pow(dT/50, r.n)
	}
	if neg {
		return -r.q50Seg * f
	}
	return r.q50Seg * f
}

// step advances the stock by h with water at rate c (W/K) coming in at inC and
// the room at roomC; it returns the heat the water gave up (cooled from
// inC to the last segment's temperature) and the heat given to the room.
func (r *radiators) step(h, c float64, inC, roomC units.Celsius) (fromWater, toRoom units.Watt) {
	prev := float64(inC)
	if c <= 0 {
		prev = float64(r.segC[0]) // still water: the first segment's own
	}
	var q float64
	for i := range r.segC {
		// A segment is its outlet's temperature; it emits at the mean of
		// its inlet and outlet (a trapezoid along the water).
		t := float64(r.segC[i])
		qi := r.segOut((prev+t)/2 - float64(roomC))
		q += qi
		r.segC[i] = units.Celsius(t + (c*(prev-t)-qi)*h/r.capSeg)
		prev = t
	}
	return units.Watt(c * (float64(inC) - prev)), units.Watt(q)
}

// RadiatorReturnC is the water leaving the radiators (their last segment).
func (pl *Plant) RadiatorReturnC() units.Celsius { return pl.rad.segC[RadiatorSegments-1] }

// radiatorHeat moves the heating branch's water (rate cHeat, in at the
// flow temperature) through the radiators; it returns the heat the water
// gave up, which leaves the hub's boundary. The room's share is taken by
// stepHouse.
func (pl *Plant) radiatorHeat(h float64, cHeat units.WattPerKelvin) units.Watt {
	fromWater, toRoom := pl.rad.step(h, float64(cHeat), pl.S.WaterFlowC, pl.S.IndoorC)
	pl.radToRoom = toRoom
	return fromWater
}

// InternalGainsAt is the SAP-style daily profile of the home's internal
// gains at t (W).
func (p *HouseParams) InternalGainsAt(t units.Time) units.Watt {
	h := math.Mod(t.Seconds()/3600, 24)
	if h < 0 {
		h += 24
	}
	if h >= p.InternalEveningFromH && h < p.InternalEveningToH {
		return p.InternalEveningW
	}
	return p.InternalBaseW
}

// GainsAt is the house's free heat at t on the local daily clock
// (Plant.LocalDay): internal and solar (W).
func (pl *Plant) GainsAt(t units.Time) units.Watt {
	return pl.P.InternalGainsAt(t) + units.Watt(pl.P.SolarApertureM2*pl.Weather.SolarAt(t))
}

// BackupW is what the home's own heater gives with the room at indoorC.
func (p *HouseParams) BackupW(indoorC units.Celsius) units.Watt {
	if p.BackupMaxW <= 0 || indoorC >= p.BackupOnC {
		return 0
	}
	x := float64(p.BackupOnC-indoorC) / max(float64(p.BackupBandK), 1e-6)
	return p.BackupMaxW * units.Watt(min(x, 1))
}

// HouseLossWPerK is the house's whole loss coefficient, air and fabric in
// series-parallel at steady state (W/K).
func (p *Params) HouseLossWPerK() units.WattPerKelvin {
	f := float64(p.HouseAirFabricWPerK) * float64(p.HouseFabricLossWPerK) /
		float64(p.HouseAirFabricWPerK+p.HouseFabricLossWPerK)
	return p.HouseAirLossWPerK + units.WattPerKelvin(f)
}

func (pl *Plant) stepHouse(h float64) {
	p, s, r := &pl.P, &pl.S, &pl.rad
	if pl.Now >= r.nextGains {
		r.gainsW = pl.GainsAt(pl.LocalDay())
		r.nextGains = pl.Now.Add(units.Second)
	}
	backup := p.BackupW(s.IndoorC)
	pl.E.Backup += units.Joule(h * float64(backup))
	af := float64(p.HouseAirFabricWPerK) * float64(s.IndoorC-s.FabricC)
	air := float64(pl.radToRoom+r.gainsW+backup) - af - float64(p.HouseAirLossWPerK)*float64(s.IndoorC-s.OutdoorC)
	fab := af - float64(p.HouseFabricLossWPerK)*float64(s.FabricC-s.OutdoorC)
	s.IndoorC += units.Celsius(air * h / float64(p.HouseAirJPerK))
	s.FabricC += units.Celsius(fab * h / float64(p.HouseFabricJPerK))
}

// RadiatorSteady is the EN 442 stock's steady output with water at rate c
// (W/K) in at inC and the room at roomC, from the log-mean excess (the
// standard's closed form): c (in - out) = Q50 (dT_lm/50)^n. It returns the
// output and the water's outlet temperature.
func (p *HouseParams) RadiatorSteady(inC, roomC units.Celsius, c units.WattPerKelvin) (units.Watt, units.Celsius) {
	ti, tr := float64(inC-roomC), float64(roomC)
	if ti <= 0 || c <= 0 || p.RadiatorQ50W <= 0 {
		return 0, inC
	}
	lo, hi := 0.0, ti // the outlet's excess
	for range 60 {
		to := (lo + hi) / 2
		lm := (ti + to) / 2
		if ti-to > 1e-9*ti {
			lm = (ti - to) / math.Log(ti/to)
		}
		if c*units.WattPerKelvin(ti-to) > units.WattPerKelvin(RadiatorOutput(p.RadiatorQ50W, p.RadiatorN, units.Kelvin(lm))) {
			lo = to // the water gives up more than the stock emits: warmer outlet
		} else {
			hi = to
		}
	}
	to := (lo + hi) / 2
	return units.Watt(float64(c) * (ti - to)), units.Celsius(tr + to)
}

// HubHeatingCeiling is the most heat the hub can give the radiators in
// steady state with the room at roomC and the oil into the modules at
// ceilingC and out of them at most outMaxC, the modules drawing at most
// powerW: the dump and the tank
// closed, the best water flow of the pump's range and the best oil flow
// from oilLo to oilHi (1 L/min steps). The oil circuit's loss to the
// plant room is taken out of powerW.
func (pl *Plant) HubHeatingCeiling(roomC, ceilingC, outMaxC units.Celsius, powerW units.Watt, oilLo, oilHi units.LitrePerMin) units.Watt {
	p := &pl.P
	best := units.Watt(0)
	for o := max(oilLo, 0.5); o <= min(oilHi, p.OilPumpMaxLPM)+1e-9; o++ {
		for w := units.LitrePerMin(0.5); w <= p.WaterPumpMaxLPM+1e-9; w += 0.5 {
			best = max(best, pl.hubHeatingAt(units.OilRate(o), units.WaterRate(w), roomC, ceilingC, outMaxC, powerW))
		}
	}
	return best
}

// hubHeatingAt is HubHeatingCeiling at given oil and water rates.
func (pl *Plant) hubHeatingAt(cOil, cW units.WattPerKelvin, roomC, ceilingC, outMaxC units.Celsius, powerW units.Watt) units.Watt {
	p := &pl.P
	eps := CounterFlowEffectiveness(p.ExchangerUAWPerK, cOil, cW)
	cMin := float64(min(cOil, cW))
	u, room := float64(p.OilLossWPerK/2), float64(pl.S.PlantRoomC)
	// The heat q through the exchanger sets the oil out of the modules and
	// the water; the radiators must take it at the flow temperature it
	// gives. Bisect on q.
	fits := func(q float64) bool {
		oilOut := float64(ceilingC) + q/float64(cOil)
		loss := u*(oilOut-room) + u*(float64(ceilingC)-room)
		if q+loss > float64(powerW) || oilOut > float64(outMaxC) {
			return false
		}
		ret := oilOut - q/(eps*cMin)
		flow := ret + q/float64(cW)
		got, _ := p.RadiatorSteady(units.Celsius(flow), roomC, cW)
		return float64(got) >= q
	}
	lo, hi := 0.0, float64(powerW)
	for range 50 {
		if m := (lo + hi) / 2; fits(m) {
			lo = m
		} else {
			hi = m
		}
	}
	return units.Watt(lo)
}
