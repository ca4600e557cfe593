package plant

import (
	"math"
	"testing"

	"hearth/hal"
	"hearth/units"
)

// tankPlant is a plant with its tank uniform at c, at local 01:00 (no draw
// of the profile before 07:00), the heater off.
func tankPlant(t *testing.T, p Params, c units.Celsius) *Plant {
	t.Helper()
	pl := NewPlant(p, Weather{MeanC: 5}, Init{OilC: 20, WaterC: 20, TankTopC: c, TankBottomC: c, IndoorC: 20,
		ModuleLevel: hal.LevelOff}, 1)
	pl.Now = units.Time(units.Hour)
	return pl
}

// runDraw draws tp through stepTank alone (no coil, no heater) until it
// ends, and returns the outlet's temperatures' extremes.
func runDraw(pl *Plant, tp Tap) {
	d := &pl.tank.draw
	pl.advanceTaps()
	rise := float64(max(tp.MinC, DrawCutC) - pl.P.MainsC)
	*d = drawState{tap: &tp, next: d.next, day: d.day, leftS: float64(tp.EnergyJ) / (float64(units.WaterRate(tp.FlowLPM)) * rise)}
	for d.tap != nil {
		pl.stepTank(0.1)
	}
}

// The profile M of Regulation 814/2013: 23 draws, Qref 5.845 kWh a day.
func TestProfileMDailyEnergy(t *testing.T) {
	var sum float64
	for _, tp := range ProfileM {
		sum += float64(tp.EnergyJ) / kWh
	}
	if len(ProfileM) != 23 || math.Abs(sum-5.845) > 1e-9 {
		t.Fatalf("profile M: %d draws, %.6f kWh; want 23, 5.845 kWh", len(ProfileM), sum)
	}
}

// The standing loss is shared by outside area: a layer's side pi D H/N,
// the top and bottom layers an end pi D^2/4 more. With conduction off, the
// bottom layer (the coldest: it never mixes) cools on its own closed form
// C/UA0, and the heat lost (TankLossW) is what the tank's layers lost.
func TestTankLossByArea(t *testing.T) {
	p := DefaultParams()
	p.TankLayerConductionWPerK = 0
	pl := tankPlant(t, p, 55)
	pl.Now = units.Time(-100 * units.Hour) // the pre-roll draws nothing
	r := p.TankHeightToDiameter
	side, end := math.Pi*r/TankLayers, math.Pi/4
	total := TankLayers*side + 2*end
	ua0 := float64(p.TankLossWPerK) * (side + end) / total
	var sum float64
	for _, ua := range pl.tank.lossUA {
		sum += ua
	}
	if math.Abs(sum-float64(p.TankLossWPerK)) > 1e-12 || math.Abs(pl.tank.lossUA[0]-ua0) > 1e-12 ||
		math.Abs(pl.tank.lossUA[3]-float64(p.TankLossWPerK)*side/total) > 1e-12 {
		t.Fatalf("layer loss UAs %v (sum %.4f W/K), want ends %.4f W/K", pl.tank.lossUA, sum, ua0)
	}
	const hours = 48
	var lost float64
	for range hours * 36000 {
		pl.stepTank(0.1)
		lost += float64(pl.TankLossW) * 0.1
	}
	c := float64(waterCap(p.TankL / TankLayers))
	want := float64(p.PlantRoomC) + (55-float64(p.PlantRoomC))*math.Exp(-hours*3600*ua0/c)
	if got := float64(pl.S.TankC[0]); math.Abs(got-want) > 0.01 {
		t.Errorf("bottom layer %.4f C after %d h, closed form %.4f C", got, hours, want)
	}
	stored := float64(waterCap(p.TankL)) * float64(55-pl.S.TankMeanC())
	if math.Abs(lost-stored) > 1e-4*stored {
		t.Errorf("tank lost %.0f J to the room, its layers %.0f J", lost, stored)
	}
	for i := 1; i < TankLayers; i++ {
		if pl.S.TankC[i] < pl.S.TankC[i-1] {
			t.Errorf("cooled tank not stably stratified: %v", pl.S.TankC)
		}
	}
}

// Buoyancy: a warmer layer below mixes with those above it into their mean.
func TestBuoyancyMixesInversions(t *testing.T) {
	tc := [TankLayers]units.Celsius{20, 30, 50, 40, 40, 45, 60, 70}
	buoyancy(&tc)
	want := [TankLayers]units.Celsius{20, 30, 130.0 / 3, 130.0 / 3, 130.0 / 3, 45, 60, 70}
	for i := range tc {
		if math.Abs(float64(tc[i]-want[i])) > 1e-9 {
			t.Fatalf("after buoyancy %v, want %v", tc, want)
		}
	}
}

// Plug flow through fully mixed layers: a draw of V moves the thermocline
// up by V over a layer's volume (the hot layers' energy falls by exactly
// that while the outlet is hot), and the outlet of a uniform tank follows
// the tanks-in-series closed form T = Tm + (Th-Tm) P(Poisson(V/Vl) <= 7).
func TestDrawMovesThermoclineByVolume(t *testing.T) {
	p := DefaultParams()
	p.TankLossWPerK, p.TankLayerConductionWPerK = 0, 0
	pl := tankPlant(t, p, 50)
	for i := 0; i < 4; i++ {
		pl.S.TankC[i] = p.MainsC
	}
	hotLayers := func() float64 {
		var e float64
		for _, c := range pl.S.TankC {
			e += float64(c-p.MainsC) / float64(50-p.MainsC)
		}
		return e
	}
	// One layer's volume (25 L) at 6 L/min: 250 s.
	tp := Tap{EnergyJ: 1e12, FlowLPM: 6, MinC: 10}
	pl.tank.draw = drawState{tap: &tp, leftS: 250, day: 0}
	for range 2500 {
		pl.stepTank(0.1)
	}
	if got := hotLayers(); math.Abs(got-3) > 0.01 {
		t.Errorf("after drawing one layer's volume: %.4f hot layers, want 3", got)
	}

	pl = tankPlant(t, p, 50)
	lam, ok := 0.0, true
	tp = Tap{EnergyJ: 1e12, FlowLPM: 6, MinC: 10}
	pl.tank.draw = drawState{tap: &tp, leftS: 1e9, day: 0}
	for k := 0; k < 12*2500 && ok; k++ {
		pl.stepTank(0.1)
		lam += 6.0 / 60 * 0.1 / (p.TankL / TankLayers)
		if k%500 == 0 {
			want := float64(p.MainsC) + 40*poissonCDF(7, lam)
			got := float64(pl.S.TankC[TankLayers-1])
			ok = math.Abs(got-want) < 0.02
			if !ok {
				t.Errorf("outlet %.4f C after %.2f layers drawn, tanks-in-series %.4f C", got, lam, want)
			}
		}
	}
}

func poissonCDF(n int, lam float64) float64 {
	term, sum := math.Exp(-lam), 0.0
	for k := 0; k <= n; k++ {
		sum += term
		term *= lam / float64(k+1)
	}
	return sum
}

// EN 16147: a draw is judged on its own. Below its Tm it delivers nothing;
// a draw that never reaches its Tp delivers nothing; a draw whose outlet
// falls under Tm part-way delivers the energy drawn at or above Tm (the
// tanks-in-series closed form, integrated here), the rest is shortfall.
func TestDrawJudgement(t *testing.T) {
	p := DefaultParams()
	p.TankLossWPerK, p.TankLayerConductionWPerK = 0, 0
	shower := Tap{EnergyJ: 1.4 * kWh, FlowLPM: 6, MinC: 40}
	dish := Tap{EnergyJ: 0.315 * kWh, FlowLPM: 4, MinC: 10, PeakC: 55}
	for _, c := range []struct {
		name   string
		tankC  units.Celsius
		tp     Tap
		wantKW float64
	}{
		{"shower from a 38 C tank", 38, shower, 0},
		{"shower from a 47 C tank", 47, shower, 1.4},
		{"dishwashing from a 47 C tank (Tp 55 C)", 47, dish, 0},
		{"dishwashing from a 56 C tank", 56, dish, 0.315},
	} {
		pl := tankPlant(t, p, c.tankC)
		runDraw(pl, c.tp)
		got := float64(pl.E.DHWDelivered) / kWh
		short := float64(pl.E.DHWShortfall) / kWh
		if math.Abs(got-c.wantKW) > 1e-3 || math.Abs(got+short-float64(c.tp.EnergyJ)/kWh) > 1e-9 {
			t.Errorf("%s: delivered %.4f kWh, short %.4f kWh; want %.4f delivered", c.name, got, short, c.wantKW)
		}
	}
	// Partial: 20 kWh asked of a 200 L tank at 45 C, useful from 40 C.
	pl := tankPlant(t, p, 45)
	big := Tap{EnergyJ: 20 * kWh, FlowLPM: 6, MinC: 40}
	runDraw(pl, big)
	vl := p.TankL / TankLayers
	var want float64
	for lam := 0.0; ; lam += 1e-4 {
		out := float64(p.MainsC) + 35*poissonCDF(7, lam)
		if out < 40 {
			break
		}
		want += 1e-4 * vl * units.WaterDensityKgPerL * units.WaterCpJPerKgK * (out - float64(p.MainsC))
	}
	got := float64(pl.E.DHWDelivered)
	if math.Abs(got-want) > 0.002*want {
		t.Errorf("partial draw delivered %.4f kWh, closed form %.4f kWh", got/kWh, want/kWh)
	}
	if s := float64(pl.E.DHWShortfall); math.Abs(s-(20*kWh-want)) > 0.002*want {
		t.Errorf("partial draw short %.4f kWh, want %.4f kWh", s/kWh, 20-want/kWh)
	}
}

// The coil's UA follows the inside film's Dittus-Boelter flow^0.8 in
// series with the tank side's resistance.
func TestCoilUAFollowsFlow(t *testing.T) {
	p := DefaultParams()
	nom := units.WaterRate(p.TankCoilNominalLPM)
	if got := CoilUA(&p, nom); math.Abs(float64(got)-800) > 1e-9 {
		t.Errorf("UA at the nominal flow %.3f W/K, want 800", got)
	}
	for _, f := range []float64{0.25, 0.5, 2} {
		want := 1 / (0.3/800*math.Pow(f, -0.8) + 0.7/800)
		if got := CoilUA(&p, nom*units.WattPerKelvin(f)); math.Abs(float64(got)-want) > 1e-9 {
			t.Errorf("UA at %.2fx the nominal flow %.3f W/K, want %.3f", f, got, want)
		}
	}
}

// The boost: the contactor on, the top element heats the top two layers
// alone (its own layer and the one above, by buoyancy), in the time the
// energy takes.
func TestBoostHeatsTheTopOnly(t *testing.T) {
	p := DefaultParams()
	p.TankLossWPerK, p.TankLayerConductionWPerK = 0, 0
	pl := tankPlant(t, p, 47)
	pl.Heater.On = true
	n := 0
	for ; pl.S.TankTopC < 55; n++ {
		pl.stepTank(0.1)
	}
	pl.Heater.On = false
	want := 2 * float64(waterCap(p.TankL/TankLayers)) * 8 / float64(p.ImmersionW)
	if got := float64(n) * 0.1; math.Abs(got-want) > 0.2 {
		t.Errorf("boost to 55 C took %.1f s, closed form %.1f s", got, want)
	}
	for i := 0; i < p.ImmersionTopLayer; i++ {
		if pl.S.TankC[i] != 47 {
			t.Errorf("layer %d at %.3f C: the boost heated below its element", i, pl.S.TankC[i])
		}
	}
}

// HSE HSG274: the weekly hold heats the whole stored volume. With the
// contactor held on, the changeover thermostat moves the power to the
// bottom element once the top reaches 62 C, and the bottom probe reaches
// 60 C; the energy is the whole volume's rise (no losses here).
func TestHoldHeatsTheWholeVolume(t *testing.T) {
	p := DefaultParams()
	p.TankLossWPerK, p.TankLayerConductionWPerK = 0, 0
	pl := tankPlant(t, p, 47)
	pl.Heater.On = true
	for k := 0; pl.S.TankBottomC < 60; k++ {
		if k > 3*36000 {
			t.Fatalf("bottom probe at %.2f C after 3 h: %v", pl.S.TankBottomC, pl.S.TankC)
		}
		pl.stepTank(0.1)
	}
	for i, c := range pl.S.TankC {
		if c < 60 {
			t.Errorf("layer %d at %.2f C with the bottom probe at 60 C", i, c)
		}
	}
	stored := float64(waterCap(p.TankL)) * float64(pl.S.TankMeanC()-47)
	if got := float64(pl.E.Immersion); math.Abs(got-stored) > 0.001*stored {
		t.Errorf("immersion gave %.0f J, the tank stored %.0f J", got, stored)
	}
}
