// Package plant is the HIL bench's physical model of a HeatHub and its home:
// modules, oil, exchanger, primary water, dump cooler, hot-water tank, house
// and weather, the simulated devices the controller sees them through, and
// the faults the bench injects into them. Every figure is a Params field
// with its unit; docs/hil.md gives each one's published source.
//
// The plant is deterministic: a pure function of its parameters, its seed
// and the commands its devices hold. No wall clock, no goroutines.
package plant

import (
	"math/rand/v2"

	"hearth/hal"
	"hearth/hal/sim"
	"hearth/units"
)

// State is the plant's true thermal state.
type State struct {
	ModuleOilC  [hal.MaxModules]units.Celsius // oil in each module's tank (= its outlet)
	OilInC      units.Celsius                 // oil into the modules (exchanger outlet side)
	OilOutC     units.Celsius                 // mixed oil out of the modules (into the exchanger)
	WaterFlowC  units.Celsius                 // primary water out of the exchanger
	WaterRetC   units.Celsius                 // primary water back into the exchanger
	TankTopC    units.Celsius                 // the tank's top probe's layer
	TankBottomC units.Celsius                 // the tank's bottom probe's layer
	TankC       [TankLayers]units.Celsius     // the tank's layers, bottom first
	IndoorC     units.Celsius
	FabricC     units.Celsius
	OutdoorC    units.Celsius
	PlantRoomC  units.Celsius // air of the room the tank stands in
	EnclosureC  units.Celsius // air around the hub's oil circuit (its enclosure)
	PressureBar units.Bar
	OilFlowLPM  units.LitrePerMin
	WaterLPM    units.LitrePerMin
	OilLostL    float64 // oil lost to the bund (0 with the circuit full)
}

// Energy accumulates the hub's energy flows in joules. The hub's boundary is
// the modules, the oil, the exchanger and the primary water, so that
// Compute = ToTank + ToHeating + Dumped + Losses + StoredChange.
type Energy struct {
	Compute, Parasitic, ToTank, ToHeating, Dumped, Losses units.Joule
	Immersion                                             units.Joule // the tank's electric heater (outside the boundary)
	Backup                                                units.Joule // the home's own heater (outside the boundary)
	DHWDelivered, DHWShortfall                            units.Joule // EN 16147: useful energy delivered, and Qtap not delivered
	DHWDraws, DHWDrawsShort                               int         // draws judged, and those short of their Qtap
	Overhead                                              units.Joule // PSU losses, network, controller (ISO/IEC 30134-6)
}

// HeatFlows are the heat flows out of the hub's boundary during one step.
type HeatFlows struct {
	Dump, Tank, Heating, Losses units.Watt
}

// Plant is the simulated HeatHub, its home and its weather, with the
// simulated devices the controller sees it through.
type Plant struct {
	P       Params
	Weather Weather
	Now     units.Time
	S       State
	E       Energy
	rng     *rand.Rand

	Probes   [hal.NumTemps]sim.Probe
	Pressure sim.PressureSensor
	Flows    [hal.NumFlows]sim.FlowMeter
	LeakIn   sim.LeakInput
	OilLowIn sim.LeakInput // the expansion tank's low-level switch
	Pumps    [hal.NumPumps]sim.Pump
	Valves   [hal.NumValves]sim.Valve
	Fan      sim.Fan
	Heater   sim.Switch
	Alarm    sim.Switch
	Modules  [hal.MaxModules]sim.Module

	// Capacities, derived once.
	capModule, capColdOil, capSupply, capReturn units.JoulePerKelvin
	stored0                                     units.Joule

	// LocalAt is the local time since Monday 00:00 at the plant's zero:
	// the draws, the weather and the house's gains keep local time.
	LocalAt units.Duration
	tank    tank

	// LastQ holds the heat flows of the last step.
	LastQ HeatFlows
	// TankLossW is the heat the hot-water tank lost to the room it stands
	// in during the last step (W).
	TankLossW units.Watt

	PressureLossBarPerS float64 // injected leak of the water circuit (down to 0 bar)
	// PressureFloorBar, when PressureToFloor is set, is where an injected
	// slow loss of the water circuit (PressureToFloorBarPerS) stops.
	PressureToFloor  bool
	PressureFloorBar units.Bar
	OilLeak          bool // injected oil leak into the bund

	// Effectiveness caches: flows and valve positions settle, and exp is
	// the plant's most expensive operation.
	hx          epsCache
	nextWeather units.Time // when the outside temperature is next sampled
	dumpEps     epsCache
	uaCache     epsCache // the exchanger's UA at its flows

	rad       radiators  // the house's radiator stock (house.go)
	radToRoom units.Watt // what the radiators gave the room in the last step
}

// epsCache remembers the last effectiveness computed for a pair of inputs.
type epsCache struct {
	a, b, eps float64
	c         float64 // a third key, where one is needed
	ok        bool
}

func (c *epsCache) get(a, b float64, f func(a, b float64) float64) float64 {
	if !c.ok || a != c.a || b != c.b {
		c.a, c.b, c.eps, c.ok = a, b, f(a, b), true
	}
	return c.eps
}

// Init is the plant's initial condition.
type Init struct {
	OilC, WaterC, TankTopC, TankBottomC, IndoorC units.Celsius
	ModuleLevel                                  hal.Level
	ValveDump, ValveTank                         units.Ratio
}

// NewPlant builds a plant in the initial state init. seed drives every
// random choice (sensor noise).
func NewPlant(p Params, w Weather, init Init, seed uint64) *Plant {
	pl := &Plant{P: p, Weather: w, rng: rand.New(rand.NewPCG(seed, 0x4ea7))}
	pl.capModule = oilCap(p.ModuleOilL)
	pl.capColdOil = oilCap(p.ColdOilL)
	pl.capSupply = waterCap(p.SupplyWaterL)
	pl.capReturn = waterCap(p.ReturnWaterL)

	s := &pl.S
	for i := range p.Modules {
		s.ModuleOilC[i] = init.OilC
	}
	s.OilInC, s.OilOutC = init.OilC, init.OilC
	s.WaterFlowC, s.WaterRetC = init.WaterC, init.WaterC
	pl.initTank(init)
	s.IndoorC = init.IndoorC
	s.OutdoorC = w.At(0)
	s.PlantRoomC = p.PlantRoomC
	s.EnclosureC = pl.enclosureStart(init)
	// The fabric starts in equilibrium between the room and the day's mean.
	s.FabricC = (units.Celsius(p.HouseAirFabricWPerK)*init.IndoorC + units.Celsius(p.HouseFabricLossWPerK)*w.MeanC) /
		units.Celsius(p.HouseAirFabricWPerK+p.HouseFabricLossWPerK)
	s.PressureBar = p.PressureBar

	pl.rad.init(&p.HouseParams, init.WaterC)
	pl.wireDevices(init)
	pl.stored0 = pl.Stored()
	return pl
}

// Stored returns the sensible heat inside the hub's boundary (oil and primary
// water) relative to 0 C.
func (pl *Plant) Stored() units.Joule {
	s := &pl.S
	var e float64
	for i := range pl.P.Modules {
		e += float64(pl.capModule) * float64(s.ModuleOilC[i])
	}
	e += float64(pl.capColdOil)*float64(s.OilInC) + float64(pl.capSupply)*float64(s.WaterFlowC) +
		float64(pl.capReturn)*float64(s.WaterRetC)
	return units.Joule(e)
}

// StoredChange returns the change of Stored since the start.
func (pl *Plant) StoredChange() units.Joule { return pl.Stored() - pl.stored0 }

// StartAt sets the plant's clock to t (a run's pre-roll starts before
// zero); the weather is sampled at the next step.
func (pl *Plant) StartAt(t units.Time) {
	pl.Now = t
	pl.nextWeather = t
	if off := pl.dayOffset(); off != 0 {
		pl.S.OutdoorC = pl.Weather.At(units.Time(off)) // the local hour's air at zero
	}
}

// dayOffset is the local time of day at the plant's zero (LocalAt modulo
// a day): the weather and the house's gains follow it.
func (pl *Plant) dayOffset() units.Duration { return pl.LocalAt % (24 * units.Hour) }

// LocalDay is the plant's time on the local clock's daily cycle: Now moved
// by the time of day at zero. A zero that is local midnight leaves Now as
// it is, bit for bit.
func (pl *Plant) LocalDay() units.Time { return pl.Now.Add(pl.dayOffset()) }

// ResetEnergy zeroes the energy account and takes the heat stored now as
// the reference of StoredChange: scoring starts here.
func (pl *Plant) ResetEnergy() {
	pl.E = Energy{}
	pl.stored0 = pl.Stored()
}

// Hottest returns the module whose t is highest (a NaN first).
func (pl *Plant) Hottest(t func(i int) units.Celsius) int {
	best := 0
	for i := 1; i < pl.P.Modules; i++ {
		if tb := t(best); tb == tb && !(t(i) <= tb) {
			best = i
		}
	}
	return best
}

// Step advances the plant by dt with the commands its devices hold.
func (pl *Plant) Step(dt units.Duration) {
	h := dt.Seconds()
	cOil, cW := pl.stepActuators(dt)
	tHot, qLoss := pl.stepModules(h, cOil)
	pl.stepLoops(h, cOil, cW, tHot, qLoss)
	pl.stepTank(h)
	pl.stepHouse(h)
	pl.stepCircuits(h)

	pl.Now = pl.Now.Add(dt)
	if pl.Now >= pl.nextWeather {
		// Outside air moves by millikelvin a second: once a second is plenty.
		pl.S.OutdoorC = pl.Weather.At(pl.LocalDay())
		pl.nextWeather = pl.Now.Add(units.Second)
	}
}

// FlowMeterHzPerLPM is the hall flow meters' pulse rate per L/min.
const FlowMeterHzPerLPM = 5.5

// PressureToFloorBarPerS is how fast pressure_to_floor empties the circuit.
const PressureToFloorBarPerS = 0.01

// PumpRunning is the rotor speed (a fraction of maximum) above which a pump
// counts as running: it moves the liquid.
const PumpRunning = 0.05
