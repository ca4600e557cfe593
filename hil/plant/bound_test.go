package plant

import (
	"math"
	"testing"

	"hearth/units"
)

// The heat bound of a house with no gains, held at 22.5 C under a steady
// 4 C outside, is its whole loss coefficient times the difference (its
// fabric starts in, and stays in, the steady state); with the gains, those
// come off it; the tank's share is the day's draws plus the standing loss
// of a tank held at 60 C.
func TestHeatBoundClosedForm(t *testing.T) {
	p := DefaultParams()
	w := Weather{MeanC: 4}
	for _, gains := range []bool{false, true} {
		q := p
		if !gains {
			q.InternalBaseW, q.InternalEveningW = 0, 0
		}
		pl := NewPlant(q, w, Init{OilC: 40, WaterC: 40, TankTopC: 45, TankBottomC: 45, IndoorC: 20}, 1)
		pl.S.OutdoorC = 4
		b := HeatBound{MaxC: 22.5, HoldC: 60}
		for i := 0; i < 86400; i++ {
			b.Step(pl, 1)
			pl.Now = pl.Now.Add(units.Second)
		}
		want := float64(q.HouseLossWPerK()) * 18.5 * 86400
		if gains {
			// 300 W for 18 h, 700 W for 6 h (no sun in this weather).
			want -= (300*18 + 700*6) * 3600
		}
		if got := float64(b.House()); math.Abs(got-want) > 1e-3*want {
			t.Errorf("gains %v: house bound %.3f kWh, want %.3f", gains, got/3.6e6, want/3.6e6)
		}
	}
	pl := NewPlant(p, w, Init{OilC: 40, WaterC: 40, TankTopC: 45, TankBottomC: 45, IndoorC: 20}, 1)
	pl.E.DHWDelivered, pl.E.DHWShortfall = 5e6, 1e6
	b := HeatBound{MaxC: 22.5, HoldC: 60}
	want := 6e6 + float64(p.TankLossWPerK)*float64(60-pl.S.PlantRoomC)*86400
	if got := float64(b.Tank(pl, 24*units.Hour)); math.Abs(got-want) > 1 {
		t.Errorf("tank bound %.0f J, want %.0f", got, want)
	}
}

// The radiators' capacity closes the chain oil -> exchanger -> water ->
// radiators: at the capacity the radiators' EN 442 output at the mean of
// flow and return equals the heat the exchanger passes; a hotter allowed
// outlet, or a colder room, lets them take more; it never exceeds the
// modules' full power.
func TestRadiatorCapacityClosesTheChain(t *testing.T) {
	p := DefaultParams()
	pl := NewPlant(p, Weather{MeanC: -3}, Init{OilC: 40, WaterC: 40, TankTopC: 45, TankBottomC: 45, IndoorC: 20}, 1)
	full := units.Watt(p.Modules) * p.ModuleFullW()
	low := pl.RadiatorCapacity(48, 50, 10, 19.5)
	high := pl.RadiatorCapacity(48, 60, 10, 19.5)
	if !(low > 0 && low < high && high <= full) {
		t.Fatalf("capacity %.0f W (outlet 50 C), %.0f W (outlet 60 C), full power %.0f W", low, high, full)
	}
	cold, warm := pl.RadiatorCapacity(48, 55, 10, 15), pl.RadiatorCapacity(48, 55, 10, 25)
	if !(warm < cold && cold < full) {
		t.Errorf("a warmer room takes %.0f W, a colder %.0f W (full power %.0f W)", warm, cold, full)
	}
	// At 50 C out the oil flow is what carries the heat: Q <= 2 K x C_oil at
	// the pump's maximum.
	if max := 2 * units.Watt(units.OilRate(p.OilPumpMaxLPM)); low > max*1.0001 {
		t.Errorf("capacity %.0f W exceeds the oil's %.0f W at a 2 K rise", low, max)
	}
}

// At the chain's solution the radiators' output at the mean of flow and
// return equals the heat the exchanger passes (within 0.1 %).
func TestRadiatorChainBalances(t *testing.T) {
	p := DefaultParams()
	cOil, cW := float64(units.OilRate(20)), float64(units.WaterRate(15))
	eps := CounterFlowEffectiveness(p.ExchangerUA(20, 15), units.WattPerKelvin(cOil), units.WattPerKelvin(cW))
	epsC := eps * min(cOil, cW)
	q := radiatorChain(&p, epsC, cOil, cW, 48, 19.5, 1e6)
	ret := 48 + q/cOil - q/epsC
	out := float64(RadiatorOutput(p.RadiatorQ50W, p.RadiatorN, units.Kelvin(ret+q/(2*cW)-19.5)))
	if q <= 0 || math.Abs(out-q) > 1e-3*q {
		t.Errorf("chain Q %.1f W, radiators at its mean %.1f W", q, out)
	}
}
