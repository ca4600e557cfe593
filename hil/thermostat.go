package hil

import (
	"hearth/control"
	"hearth/hal"
	"hearth/units"
)

// Thermostat is the reference controller a simple product would ship: bang
// bang with hysteresis on each sink, fixed pump speeds, the dump when the oil
// is hot. The bench runs it under the same safety layer as Hearth's control,
// so every figure of Hearth can be given against it (docs/performance.md).
type Thermostat struct {
	OilPump, WaterPump  units.Ratio
	DumpOnC, DumpOffC   units.Celsius // oil into the modules
	RoomOnC, RoomOffC   units.Celsius // indoor air
	TankOnC, TankOffC   units.Celsius // tank, lower layer
	HeatingCutoffC      units.Celsius // no space heating at or above this outside
	LegionellaC         units.Celsius
	LegionellaAt        units.Duration // local time since Monday 00:00
	LegionellaWindow    units.Duration
	dump, heat, tank    bool
	immersion           bool
	oil, room, out, bot units.Celsius
}

// NewThermostat returns the reference thermostat with docs/domain.md's targets.
func NewThermostat() *Thermostat {
	return &Thermostat{OilPump: 0.75, WaterPump: 0.6, DumpOnC: 46, DumpOffC: 43, RoomOnC: 20.5, RoomOffC: 21.5,
		TankOnC: 42, TankOffC: 46, HeatingCutoffC: 16, LegionellaC: 60, LegionellaAt: 0, LegionellaWindow: 3 * units.Hour,
		oil: 40, room: 20, out: 10, bot: 45}
}

func seen(s hal.Sample[units.Celsius], prev units.Celsius) units.Celsius {
	if s.OK() && s.Value != 85 {
		return s.Value
	}
	return prev
}

// Step implements core.Controller.
func (t *Thermostat) Step(in *hal.Inputs, adv control.Advice, out *hal.Outputs) {
	*out = hal.Outputs{}
	t.oil = max(seen(in.Temp[hal.TempOilInA], t.oil), seen(in.Temp[hal.TempOilInB], t.oil))
	t.room = seen(in.Temp[hal.TempIndoor], t.room)
	t.out = seen(in.Temp[hal.TempOutdoor], t.out)
	t.bot = seen(in.Temp[hal.TempTankBottom], t.bot)
	top := seen(in.Temp[hal.TempTankTop], t.bot)
	switch {
	case t.oil >= t.DumpOnC:
		t.dump = true
	case t.oil <= t.DumpOffC:
		t.dump = false
	}
	switch {
	case t.out >= t.HeatingCutoffC || t.room >= t.RoomOffC:
		t.heat = false
	case t.room <= t.RoomOnC:
		t.heat = true
	}
	switch {
	case t.bot >= t.TankOffC:
		t.tank = false
	case t.bot <= t.TankOnC:
		t.tank = true
	}
	wt := in.WeekTime % (7 * 24 * units.Hour)
	inWindow := wt >= t.LegionellaAt && wt < t.LegionellaAt+t.LegionellaWindow
	switch {
	case !inWindow || top >= t.LegionellaC+0.5:
		t.immersion = false
	case top < t.LegionellaC-0.5:
		t.immersion = true
	}
	out.Immersion = t.immersion
	out.Pump[hal.PumpWater] = t.WaterPump
	if t.tank {
		out.Valve[hal.ValveTank] = 1
	}
	if t.dump || (!t.heat && !t.tank) {
		out.Valve[hal.ValveDump], out.Fan = 1, 1
	}
	anyOn := false
	for i := 0; i < in.NumModules; i++ {
		out.Module[i] = min(in.Demand[i], adv.Cap[i])
		_, on := out.Module[i].Fraction()
		anyOn = anyOn || on
	}
	if anyOn {
		out.Pump[hal.PumpOil] = t.OilPump
	}
}

// Applied implements core.Controller: a thermostat keeps no loop state.
func (t *Thermostat) Applied(*hal.Outputs) {}
