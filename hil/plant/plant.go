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
	"math"
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
	TankTopC    units.Celsius
	TankBottomC units.Celsius
	IndoorC     units.Celsius
	FabricC     units.Celsius
	OutdoorC    units.Celsius
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
	DHWDelivered, DHWShortfall                            units.Joule
}

// HeatFlows are the heat flows out of the hub's boundary during one step.
type HeatFlows struct {
	Dump, Tank, Heating, Losses units.Watt
}

// DumpCapacity is the heat the dump cooler would reject at full fan and full
// water flow with the water at flowC: what could be rejected, as opposed
// to what is.
func (pl *Plant) DumpCapacity(flowC units.Celsius) units.Watt {
	p := &pl.P
	c := float64(units.WaterRate(p.WaterPumpMaxLPM))
	ua := float64(p.DumpUAFanMaxWPerK) * p.DumpDerate
	if pl.Fan.Failed {
		ua = float64(p.DumpUAFanOffWPerK) * p.DumpDerate
	}
	return units.Watt(max(0, sinkEffectiveness(ua, c)*c*float64(flowC-pl.S.OutdoorC)))
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
	capModule, capColdOil, capSupply, capReturn, capTankLayer units.JoulePerKelvin
	stored0                                                   units.Joule

	tap      int         // next tap of the day's profile
	tapLeftJ units.Joule // energy still to deliver of the running draw
	tapFlow  units.LitrePerMin
	tapDay   int64 // day the tap index belongs to

	// LastQ holds the heat flows of the last step.
	LastQ HeatFlows

	PressureLossBarPerS float64 // injected leak of the water circuit (down to 0 bar)
	// PressureFloorBar, when PressureToFloor is set, is where an injected
	// slow loss of the water circuit (PressureToFloorBarPerS) stops.
	PressureToFloor  bool
	PressureFloorBar units.Bar
	OilLeak          bool // injected oil leak into the bund

	// Effectiveness caches: flows and valve positions settle, and exp is
	// the plant's most expensive operation.
	hx                       epsCache
	nextWeather              units.Time // when the outside temperature is next sampled
	dumpEps, tankEps, radEps epsCache
}

// epsCache remembers the last effectiveness computed for a pair of inputs.
type epsCache struct {
	a, b, eps float64
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
	pl.capTankLayer = waterCap(p.TankL / 2)

	s := &pl.S
	for i := range p.Modules {
		s.ModuleOilC[i] = init.OilC
	}
	s.OilInC, s.OilOutC = init.OilC, init.OilC
	s.WaterFlowC, s.WaterRetC = init.WaterC, init.WaterC
	s.TankTopC, s.TankBottomC = init.TankTopC, init.TankBottomC
	s.IndoorC = init.IndoorC
	s.OutdoorC = w.At(0)
	// The fabric starts in equilibrium between the room and the day's mean.
	s.FabricC = (units.Celsius(p.HouseAirFabricWPerK)*init.IndoorC + units.Celsius(p.HouseFabricLossWPerK)*w.MeanC) /
		units.Celsius(p.HouseAirFabricWPerK+p.HouseFabricLossWPerK)
	s.PressureBar = p.PressureBar

	pl.wireDevices(init)
	pl.stored0 = pl.Stored()
	return pl
}

func (pl *Plant) wireDevices(init Init) {
	p, s, now := &pl.P, &pl.S, &pl.Now
	src := [hal.NumTemps]*units.Celsius{
		hal.TempOilInA: &s.OilInC, hal.TempOilInB: &s.OilInC, hal.TempOilOut: &s.OilOutC,
		hal.TempWaterFlow: &s.WaterFlowC, hal.TempWaterReturn: &s.WaterRetC,
		hal.TempTankTop: &s.TankTopC, hal.TempTankBottom: &s.TankBottomC,
		hal.TempIndoor: &s.IndoorC, hal.TempOutdoor: &s.OutdoorC,
	}
	for i := range pl.Probes {
		// DS18B20 at 12 bits: 750 ms conversions, 1/16 K steps, 85 C at power-on.
		pl.Probes[i].Sensor = sim.Sensor[units.Celsius]{Src: src[i], Now: now, Rng: pl.rng,
			Period: 750 * units.Millisecond, Quantum: 0.0625, Noise: 0.04, PowerOn: 85, HasPowerOn: true}
	}
	pl.Pressure.Sensor = sim.Sensor[units.Bar]{Src: &s.PressureBar, Now: now, Rng: pl.rng,
		Period: 250 * units.Millisecond, Quantum: 0.002, Noise: 0.003}
	flowSrc := [hal.NumFlows]*units.LitrePerMin{hal.FlowOil: &s.OilFlowLPM, hal.FlowWater: &s.WaterLPM}
	for i := range pl.Flows {
		// Hall meters at ~5.5 Hz per L/min, their pulses counted over one
		// second; the flow through them is turbulent by 1 % (a pump's flow
		// is never steady to the pulse).
		pl.Flows[i].Sensor = sim.Sensor[units.LitrePerMin]{Src: flowSrc[i], Now: now, Rng: pl.rng,
			Period: units.Second, Counted: FlowMeterHzPerLPM, NoiseRel: 0.01}
	}
	pl.LeakIn.Now, pl.OilLowIn.Now = now, now
	pl.Pumps[hal.PumpOil] = sim.Pump{Now: now, MaxLPM: p.OilPumpMaxLPM, SpinUpS: p.PumpSpinUpS}
	pl.Pumps[hal.PumpWater] = sim.Pump{Now: now, MaxLPM: p.WaterPumpMaxLPM, SpinUpS: p.PumpSpinUpS}
	for i := range pl.Valves {
		pl.Valves[i] = sim.Valve{Now: now, TravelS: p.ValveTravelS}
	}
	pl.Valves[hal.ValveDump].Set(init.ValveDump)
	pl.Valves[hal.ValveTank].Set(init.ValveTank)
	pl.Fan.Now = now
	for i := range p.Modules {
		pl.Modules[i] = sim.Module{Now: now, IdleW: p.ModuleIdleW(), FullW: p.ModuleFullW(),
			ThrottleDelay: units.DurationOf(p.ThrottleDelayS), ShutdownTime: units.DurationOf(p.ShutdownS),
			BootTime: units.DurationOf(p.BootS), OffDeadline: units.DurationOf(p.OffDeadlineS),
			Lease: units.DurationOf(p.LeaseS), LeaseGrace: units.DurationOf(p.LeaseGraceS)}
		pl.Modules[i].Start(init.ModuleLevel)
	}
}

// Devices returns the hal view of the plant.
func (pl *Plant) Devices() hal.Devices {
	var d hal.Devices
	for i := range pl.Probes {
		d.Temp[i] = &pl.Probes[i]
	}
	d.Pressure = &pl.Pressure
	for i := range pl.Flows {
		d.Flow[i] = &pl.Flows[i]
	}
	d.Leak, d.OilLow = &pl.LeakIn, &pl.OilLowIn
	for i := range pl.Pumps {
		d.Pump[i] = &pl.Pumps[i]
	}
	for i := range pl.Valves {
		d.Valve[i] = &pl.Valves[i]
	}
	d.Fan, d.Heater, d.Alarm = &pl.Fan, &pl.Heater, &pl.Alarm
	d.Modules = make([]hal.ModulePower, pl.P.Modules)
	for i := range d.Modules {
		d.Modules[i] = &pl.Modules[i]
	}
	return d
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
}

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

// CounterFlowEffectiveness is the effectiveness of a counter-flow exchanger
// of conductance ua between two streams of heat-capacity rates c1 and c2.
func CounterFlowEffectiveness(ua, c1, c2 units.WattPerKelvin) float64 {
	cmin, cmax := min(float64(c1), float64(c2)), max(float64(c1), float64(c2))
	if cmin <= 0 {
		return 0
	}
	ntu := float64(ua) / cmin
	cr := cmin / cmax
	if 1-cr < 1e-6 {
		return ntu / (1 + ntu)
	}
	x := math.Exp(-ntu * (1 - cr))
	return (1 - x) / (1 - cr*x)
}

// sinkEffectiveness is the effectiveness of a stream of rate c giving heat
// through a conductance ua to a sink of infinite capacity rate (a coil in a
// tank, a radiator in a room, a cooler in the open air).
func sinkEffectiveness(ua, c float64) float64 {
	if c <= 0 {
		return 0
	}
	return 1 - math.Exp(-ua/c)
}

// sinkHeat is the heat a stream of rate c at tin gives to a sink at ts.
func (c *epsCache) sinkHeat(ua, rate units.WattPerKelvin, tin, ts units.Celsius) units.Watt {
	eps := c.get(float64(ua), float64(rate), sinkEffectiveness)
	return units.Watt(eps * float64(rate) * float64(tin-ts))
}

// Step advances the plant by dt with the commands its devices hold.
func (pl *Plant) Step(dt units.Duration) {
	h := dt.Seconds()
	cOil, cW := pl.stepActuators(dt)
	tHot, qLoss := pl.stepModules(h, cOil)
	qTank, qHeat := pl.stepLoops(h, cOil, cW, tHot, qLoss)
	pl.stepTank(h, qTank)
	pl.stepHouse(h, qHeat)
	pl.stepCircuits(h)

	pl.Now = pl.Now.Add(dt)
	if pl.Now >= pl.nextWeather {
		// Outside air moves by millikelvin a second: once a second is plenty.
		pl.S.OutdoorC = pl.Weather.At(pl.Now)
		pl.nextWeather = pl.Now.Add(units.Second)
	}
}

// stepActuators moves the pumps, valves and fan, applies the hardware
// interlocks, and returns the oil's and the water's heat-capacity rates.
func (pl *Plant) stepActuators(dt units.Duration) (cOil, cW units.WattPerKelvin) {
	p, s, e := &pl.P, &pl.S, &pl.E
	for i := range pl.Pumps {
		pl.Pumps[i].Advance(dt)
	}
	for i := range pl.Valves {
		pl.Valves[i].Advance(dt)
	}
	pl.Fan.Advance(dt)
	pl.Pumps[hal.PumpWater].Loading = pl.cavitation()
	// Layer 5: the bund's leak detector is wired in series with the oil
	// pump's supply, so a leak stops the pump whatever software does (a
	// controller that hangs leaves the profile-A pumps at full speed); a
	// minimum-pressure limiter does the same for the water pump.
	pl.Pumps[hal.PumpOil].Unpowered = p.LeakInterlock && pl.LeakIn.Contact()
	pl.Pumps[hal.PumpWater].Unpowered = s.PressureBar < p.PressureSwitchBar
	s.OilFlowLPM = pl.Pumps[hal.PumpOil].Flow() * units.LitrePerMin(pl.oilPrime())
	s.WaterLPM = pl.Pumps[hal.PumpWater].Flow()
	e.Parasitic += units.Joule(dt.Seconds()) * units.Joule(pl.Pumps[hal.PumpOil].ElectricPower(p.OilPumpW)+
		pl.Pumps[hal.PumpWater].ElectricPower(p.WaterPumpW)+p.FanW*units.Watt(pl.Fan.Actual()*pl.Fan.Actual()*pl.Fan.Actual()))
	return units.OilRate(s.OilFlowLPM), units.WaterRate(s.WaterLPM)
}

// stepModules advances the modules, each a well-stirred oil tank fed an
// equal share of the flow, and returns their mixed outlet (from the state
// at the step's start) and their losses.
func (pl *Plant) stepModules(h float64, cOil units.WattPerKelvin) (tHot units.Celsius, qLoss float64) {
	p, s, e := &pl.P, &pl.S, &pl.E
	hJ := units.Joule(h)
	n := p.Modules
	cMod := cOil / units.WattPerKelvin(n)
	lossShare := p.OilLossWPerK / 2 / units.WattPerKelvin(n) // half the circuit's loss is at the modules
	var mixed float64
	hPerCap := h / float64(pl.capModule)               // one division a step, not one a module
	socPerW := p.SoCKPerW / float64(p.BoardsPerModule) // SoC rise per watt of module power
	for i := 0; i < n; i++ {
		m := &pl.Modules[i]
		m.Advance()
		pw := m.Power()
		e.Compute += hJ * units.Joule(pw)
		t := s.ModuleOilC[i]
		loss := float64(lossShare) * float64(t-p.PlantRoomC)
		qLoss += loss
		q := float64(pw) + float64(cMod)*float64(s.OilInC-t) - loss
		s.ModuleOilC[i] = t + units.Celsius(q*hPerCap)
		mixed += float64(t)
		m.SoCC = t + units.Celsius(socPerW*float64(pw))
	}
	tHot = units.Celsius(mixed / float64(n))
	s.OilOutC = tHot
	return tHot, qLoss
}

// stepLoops moves heat through the exchanger into the primary water and out
// to the dump, the tank coil and the radiators; it returns the heat to the
// tank and to the house.
func (pl *Plant) stepLoops(h float64, cOil, cW units.WattPerKelvin, tHot units.Celsius, qLoss float64) (qTank, qHeat units.Watt) {
	p, s, e := &pl.P, &pl.S, &pl.E
	hJ := units.Joule(h)
	// Exchanger: hot oil in at tHot, cool water in at the return temperature.
	eps := pl.hx.get(float64(cOil), float64(cW), func(a, b float64) float64 {
		return CounterFlowEffectiveness(p.ExchangerUAWPerK, units.WattPerKelvin(a), units.WattPerKelvin(b))
	})
	qHX := units.Watt(eps * min(float64(cOil), float64(cW)) * float64(tHot-s.WaterRetC))
	oilHXOut := tHot
	if cOil > 0 {
		oilHXOut = tHot - units.Celsius(float64(qHX)/float64(cOil))
	}
	coldLoss := float64(p.OilLossWPerK/2) * float64(s.OilInC-p.PlantRoomC)
	qLoss += coldLoss
	dCold := float64(cOil)*float64(oilHXOut-s.OilInC) - coldLoss

	// Primary water: split by the dump valve, then the tank valve.
	d, t := float64(pl.Valves[hal.ValveDump].Actual()), float64(pl.Valves[hal.ValveTank].Actual())
	cDump := cW * units.WattPerKelvin(d)
	cTank := cW * units.WattPerKelvin((1-d)*t)
	cHeat := cW * units.WattPerKelvin((1-d)*(1-t))
	uaDump := (p.DumpUAFanOffWPerK + (p.DumpUAFanMaxWPerK-p.DumpUAFanOffWPerK)*units.WattPerKelvin(pl.Fan.Actual())) *
		units.WattPerKelvin(p.DumpDerate)
	qDump := pl.dumpEps.sinkHeat(uaDump, cDump, s.WaterFlowC, s.OutdoorC)
	qTank = pl.tankEps.sinkHeat(p.TankCoilUAWPerK, cTank, s.WaterFlowC, s.TankBottomC)
	qHeat = pl.radEps.sinkHeat(p.RadiatorUAWPerK, cHeat, s.WaterFlowC, s.IndoorC)
	dSupply := float64(qHX) + float64(cW)*float64(s.WaterRetC-s.WaterFlowC)
	dReturn := float64(cW)*float64(s.WaterFlowC-s.WaterRetC) - float64(qDump+qTank+qHeat)

	s.OilInC += units.Celsius(dCold * h / float64(pl.capColdOil))
	s.WaterFlowC += units.Celsius(dSupply * h / float64(pl.capSupply))
	s.WaterRetC += units.Celsius(dReturn * h / float64(pl.capReturn))
	pl.LastQ = HeatFlows{Dump: qDump, Tank: qTank, Heating: qHeat, Losses: units.Watt(qLoss)}
	e.Losses += hJ * units.Joule(qLoss)
	e.Dumped += hJ * units.Joule(qDump)
	e.ToTank += hJ * units.Joule(qTank)
	e.ToHeating += hJ * units.Joule(qHeat)
	return qTank, qHeat
}

// stepCircuits applies the circuits' leaks: the water's pressure, the oil
// lost to the bund and what the leak detector and the level switch see.
func (pl *Plant) stepCircuits(h float64) {
	p, s := &pl.P, &pl.S
	if pl.PressureLossBarPerS > 0 {
		s.PressureBar = units.Bar(math.Max(0, float64(s.PressureBar)-pl.PressureLossBarPerS*h))
	}
	if pl.PressureToFloor && s.PressureBar > pl.PressureFloorBar {
		s.PressureBar = max(pl.PressureFloorBar, s.PressureBar-units.Bar(PressureToFloorBarPerS*h))
	}
	if pl.OilLeak {
		rate := p.OilLeakStillLPM
		if pl.Pumps[hal.PumpOil].Actual() > PumpRunning {
			rate = p.OilLeakPumpedLPM
		}
		s.OilLostL += float64(rate) * h / 60
	}
	pl.LeakIn.Wet = pl.OilLeak
	pl.OilLowIn.Wet = s.OilLostL >= p.OilLowL
}

func (pl *Plant) stepTank(h float64, qCoil units.Watt) {
	p, s, e := &pl.P, &pl.S, &pl.E
	top := -float64(p.TankLossWPerK/2) * float64(s.TankTopC-p.PlantRoomC)
	bot := float64(qCoil) - float64(p.TankLossWPerK/2)*float64(s.TankBottomC-p.PlantRoomC)
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

func (pl *Plant) stepHouse(h float64, qRad units.Watt) {
	p, s := &pl.P, &pl.S
	af := float64(p.HouseAirFabricWPerK) * float64(s.IndoorC-s.FabricC)
	air := float64(qRad) - af - float64(p.HouseAirLossWPerK)*float64(s.IndoorC-s.OutdoorC)
	fab := af - float64(p.HouseFabricLossWPerK)*float64(s.FabricC-s.OutdoorC)
	s.IndoorC += units.Celsius(air * h / float64(p.HouseAirJPerK))
	s.FabricC += units.Celsius(fab * h / float64(p.HouseFabricJPerK))
}

// FlowMeterHzPerLPM is the hall flow meters' pulse rate per L/min.
const FlowMeterHzPerLPM = 5.5

// PressureToFloorBarPerS is how fast pressure_to_floor empties the circuit.
const PressureToFloorBarPerS = 0.01

// PumpRunning is the rotor speed (a fraction of maximum) above which a pump
// counts as running: it moves the liquid.
const PumpRunning = 0.05

// cavitation returns the share of its normal flow (and power) the water
// pump delivers at the circuit's true pressure: 1 at or above
// CavitationBar; once the pressure at its inlet no longer holds the water
// liquid the pump's head collapses, so the share falls linearly to 10 %
// over CavitationBandBar below it, and stays there (a pump running dry).
func (pl *Plant) cavitation() float64 {
	p, c, band := float64(pl.S.PressureBar), float64(pl.P.CavitationBar), float64(pl.P.CavitationBandBar)
	if p >= c {
		return 1
	}
	return 0.1 + 0.9*max(p-(c-band), 0)/band
}

// oilPrime returns the share of its flow the oil pump delivers with the oil
// lost so far: 1 until OilAirL is lost, falling linearly to 0 at twice that
// (the pump draws air).
func (pl *Plant) oilPrime() float64 {
	lost, air := pl.S.OilLostL, pl.P.OilAirL
	if lost <= air {
		return 1
	}
	return max(0, 2-lost/air)
}

// Deenergise is what the hardware does when the controller is gone (its
// watchdog fired or its supply failed): module relays open (energise-to-run),
// the profile-A pumps lose their PWM and run at maximum, the spring-return
// valve sends all water to the dump, the fan (wired to run unless held off)
// runs at full speed and the immersion heater's contactor drops.
func (pl *Plant) Deenergise() {
	for i := 0; i < pl.P.Modules; i++ {
		_ = pl.Modules[i].SetLevel(hal.LevelCut)
	}
	for i := range pl.Pumps {
		_ = pl.Pumps[i].SetSpeed(1)
	}
	_ = pl.Valves[hal.ValveDump].SetPosition(1)
	_ = pl.Valves[hal.ValveTank].SetPosition(0)
	_ = pl.Fan.SetSpeed(1)
	pl.Heater.On = false
}

// ComputePower returns the modules' total draw now.
func (pl *Plant) ComputePower() units.Watt {
	var w units.Watt
	for i := 0; i < pl.P.Modules; i++ {
		w += pl.Modules[i].Power()
	}
	return w
}
