package plant

import (
	"hearth/hal"
	"hearth/hal/sim"
	"hearth/units"
)

func (pl *Plant) wireDevices(init Init) {
	p, s, now := &pl.P, &pl.S, &pl.Now
	src := [hal.NumTemps]*units.Celsius{
		hal.TempOilInA: &s.OilInC, hal.TempOilInB: &s.OilInC, hal.TempOilOut: &s.OilOutC,
		hal.TempWaterFlow: &s.WaterFlowC, hal.TempWaterReturn: &s.WaterRetC,
		hal.TempTankTop: &s.TankTopC, hal.TempTankBottom: &s.TankBottomC,
		hal.TempIndoor: &s.IndoorC, hal.TempOutdoor: &s.OutdoorC,
	}
	tau := [hal.NumTemps]float64{
		hal.TempOilInA: p.ProbeOilTauS, hal.TempOilInB: p.ProbeOilTauS, hal.TempOilOut: p.ProbeOilTauS,
		hal.TempWaterFlow: p.ProbeWaterTauS, hal.TempWaterReturn: p.ProbeWaterTauS,
		hal.TempTankTop: p.ProbeTankTauS, hal.TempTankBottom: p.ProbeTankTauS,
		hal.TempIndoor: p.ProbeAirTauS, hal.TempOutdoor: p.ProbeAirTauS,
	}
	for i := range pl.Probes {
		// DS18B20 at 12 bits: 750 ms conversions, 1/16 K steps, 85 C at
		// power-on; in a thermowell (a first-order lag), with what
		// commissioning left of its offset (uniform in +/-probe_offset_k).
		pl.Probes[i].Sensor = sim.Sensor[units.Celsius]{Src: src[i], Now: now, Rng: pl.rng,
			Period: 750 * units.Millisecond, Quantum: 0.0625, Noise: 0.04, PowerOn: 85, HasPowerOn: true,
			TauS: tau[i], Offset: p.ProbeOffsetK * (2*pl.rng.Float64() - 1)}
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
	pl.Pumps[hal.PumpOil] = sim.Pump{Now: now, MaxLPM: p.OilPumpMaxLPM, SpinUpS: p.PumpSpinUpS,
		MinSpeed: p.PumpMinSpeed, MinW: p.OilPumpMinW, StandbyW: p.PumpStandbyW}
	pl.Pumps[hal.PumpWater] = sim.Pump{Now: now, MaxLPM: p.WaterPumpMaxLPM, SpinUpS: p.PumpSpinUpS,
		MinSpeed: p.PumpMinSpeed, MinW: p.WaterPumpMinW, StandbyW: p.PumpStandbyW}
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
