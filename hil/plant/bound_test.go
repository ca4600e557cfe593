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
