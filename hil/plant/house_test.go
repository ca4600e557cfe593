package plant

import (
	"fmt"
	"math"
	"testing"

	"hearth/units"
)

func within(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s = %.4g, want %.4g within %.2g %%", what, got, want, 100*rel)
	} else {
		t.Logf("%s = %.4g (want %.4g)", what, got, want)
	}
}

// newRadiators is the reference stock with every segment at c.
func newRadiators(c units.Celsius) (*radiators, HouseParams) {
	p := defaultHouseParams()
	r := &radiators{}
	r.init(&p, c)
	return r, p
}

// EN 442: the stock gives Q50 at an excess of 50 K and Q50 (30/50)^1.3 at
// 30 K (the model's tabulated law, segment by segment, still water).
func TestRadiatorEN442RatingPoints(t *testing.T) {
	for _, dT := range []float64{50, 30, 10} {
		r, p := newRadiators(units.Celsius(20 + dT))
		_, q := r.step(1e-9, 0, 0, 20)
		want := float64(p.RadiatorQ50W) * math.Pow(dT/50, 1.3)
		within(t, fmt.Sprintf("output at dT%g", dT), float64(q), want, 0.005)
		within(t, fmt.Sprintf("RadiatorOutput at dT%g", dT),
			float64(RadiatorOutput(p.RadiatorQ50W, p.RadiatorN, units.Kelvin(dT))), want, 1e-12)
	}
	if p := defaultHouseParams(); p.RadiatorQ50W != 6700 || p.RadiatorN != 1.3 {
		t.Errorf("stock %v W at dT50, n %v; want 6700, 1.3", p.RadiatorQ50W, p.RadiatorN)
	}
}

// The stock is 1.5x the house's design loss (BS EN 12831: -3 C out, 21 C
// in): 186.4 W/K x 24 K = 4473 W.
func TestRadiatorStockAgainstDesignLoss(t *testing.T) {
	p := DefaultParams()
	within(t, "house loss coefficient (W/K)", float64(p.HouseLossWPerK()), 50+1500.0*150/1650, 1e-12)
	design := float64(p.HouseLossWPerK()) * (21 - -3)
	within(t, "design loss (W)", design, 4473, 0.001)
	within(t, "stock / design loss", float64(p.RadiatorQ50W)/design, 1.5, 0.01)
}

// In steady flow the five segments give what EN 442's log-mean closed form
// gives, within 1 %, at high and low flows.
func TestRadiatorSteadyAgainstLogMean(t *testing.T) {
	for _, lpm := range []units.LitrePerMin{25, 10, 4, 2} {
		r, p := newRadiators(40)
		c := float64(units.WaterRate(lpm))
		var water, room units.Watt
		for range 120000 { // 12000 s at 0.1 s: many time constants
			water, room = r.step(0.1, c, 50, 20)
		}
		want, out := p.RadiatorSteady(50, 20, units.WaterRate(lpm))
		within(t, fmt.Sprintf("steady output at %g L/min", float64(lpm)), float64(room), float64(want), 0.01)
		within(t, fmt.Sprintf("water's heat at %g L/min", float64(lpm)), float64(water), float64(room), 1e-3)
		within(t, fmt.Sprintf("return at %g L/min", float64(lpm)), float64(r.segC[RadiatorSegments-1]), float64(out), 0.01)
		// The closed form itself: c (in - out) = Q50 (dT_lm/50)^n.
		ti, to := 30.0, float64(out)-20
		lm := (ti - to) / math.Log(ti/to)
		within(t, fmt.Sprintf("log-mean closed form at %g L/min", float64(lpm)), c*(50-float64(out)),
			float64(RadiatorOutput(p.RadiatorQ50W, p.RadiatorN, units.Kelvin(lm))), 1e-6)
	}
}

// The stock's water (39 L) and steel (176 kg) give it a thermal mass
// C = 242 kJ/K; still, it cools as C dT/dt = -Q50 (dT/50)^n, whose exact
// solution is dT^(1-n) = dT0^(1-n) + (n-1) Q50/(C 50^n) t; its time
// constant at dT30 is C/(dQ/dT) = C dT/(n Q) = 27 min.
func TestRadiatorTimeConstant(t *testing.T) {
	r, p := newRadiators(50)
	C := 39*units.WaterDensityKgPerL*units.WaterCpJPerKgK + 176*SteelCpJPerKgK
	within(t, "stock's capacity (J/K)", r.capSeg*RadiatorSegments, C, 1e-12)
	n, q50 := p.RadiatorN, float64(p.RadiatorQ50W)
	tau := C * 30 / (n * q50 * math.Pow(30.0/50, n))
	within(t, "time constant at dT30 (s)", tau, 1617, 0.001)
	const secs = 3600
	for range secs * 10 {
		r.step(0.1, 0, 0, 20)
	}
	want := math.Pow(math.Pow(30, 1-n)+(n-1)*q50/(C*math.Pow(50, n))*secs, 1/(1-n))
	within(t, "excess after an hour still (K)", float64(r.segC[0])-20, want, 0.005)
	// Linearised about dT30: a stock 0.3 K warmer closes the gap as
	// exp(-t/tau).
	r, _ = newRadiators(50)
	r2, _ := newRadiators(50.3)
	for range 600 {
		r.step(0.1, 0, 0, 20)
		r2.step(0.1, 0, 0, 20)
	}
	within(t, "gap after a minute (K)", float64(r2.segC[0]-r.segC[0]), 0.3*math.Exp(-60/tau), 0.002)
}

// SAP internal gains: 300 W, 700 W from 17 to 23 h: 9.6 kWh a day, 400 W
// on average.
func TestInternalGainsProfile(t *testing.T) {
	p := defaultHouseParams()
	var j float64
	for s := 0; s < 86400; s++ {
		j += float64(p.InternalGainsAt(units.Time(s) * units.Time(units.Second)))
	}
	within(t, "internal gains (kWh/day)", j/3.6e6, 9.6, 1e-9)
	within(t, "mean (W)", j/86400, 400, 1e-9)
	within(t, "at 03:00", float64(p.InternalGainsAt(units.Time(3*units.Hour))), 300, 0)
	within(t, "at 20:00", float64(p.InternalGainsAt(units.Time(20*units.Hour))), 700, 0)
	within(t, "at 20:00 the next day", float64(p.InternalGainsAt(units.Time(44*units.Hour))), 700, 0)
}

// Solar gains: the aperture times the irradiance; at solar noon 5.2 m2 x
// the peak, and none at night.
func TestSolarGains(t *testing.T) {
	w, _ := SeasonWeather(Winter)
	pl := NewPlant(DefaultParams(), w, SeasonInit(Winter), 1)
	noon := units.Time(12 * units.Hour)
	within(t, "noon gains less internal (W)", float64(pl.GainsAt(noon)-pl.P.InternalGainsAt(noon)), 5.2*w.SolarPeakWPerM2, 1e-9)
	night := units.Time(2 * units.Hour)
	within(t, "night gains (W)", float64(pl.GainsAt(night)), 300, 0)
	// A day's solar energy: aperture x peak x daylight x 2/pi.
	var j float64
	for s := 0; s < 86400; s++ {
		tt := units.Time(s) * units.Time(units.Second)
		j += float64(pl.GainsAt(tt) - pl.P.InternalGainsAt(tt))
	}
	within(t, "solar gains (kWh/day)", j/3.6e6, 5.2*w.SolarPeakWPerM2*w.DaylightH*2/math.Pi/1000, 0.001)
}

// The backup heater gives nothing above its thermostat and covers a
// deficit, not more: with the house short of X W at 19.7 C it settles
// where its proportional output meets the loss, X k/(k+U) with k its gain
// (6000 W / 0.2 K) and U the air's loss coefficient (the fabric held).
func TestBackupCoversOnlyTheDeficit(t *testing.T) {
	p := DefaultParams()
	if w := p.BackupW(19.71); w != 0 {
		t.Errorf("backup above its thermostat = %v W", w)
	}
	within(t, "backup at the band's foot (W)", float64(p.BackupW(19.5)), 6000, 1e-9)
	within(t, "backup below (W)", float64(p.BackupW(15)), 6000, 0)
	p.InternalBaseW, p.InternalEveningW, p.RadiatorQ50W = 400, 400, 0
	p.HouseFabricJPerK = 1e18 // the fabric held at the outside temperature
	u := float64(p.HouseAirLossWPerK + p.HouseAirFabricWPerK)
	k := float64(p.BackupMaxW) / float64(p.BackupBandK)
	for _, deficit := range []float64{500, 1500, 3000} {
		w := Weather{MeanC: units.Celsius(19.7 - (400+deficit)/u)}
		pl := NewPlant(p, w, SeasonInit(Winter), 1)
		pl.S.IndoorC, pl.S.FabricC = 19.7, w.MeanC
		for range 6000 { // ten minutes at 0.1 s: the air's time constant ~1.3 min
			pl.Now += units.Time(units.Second / 10)
			pl.stepHouse(0.1)
		}
		e0 := pl.E.Backup
		for range 6000 {
			pl.Now += units.Time(units.Second / 10)
			pl.stepHouse(0.1)
		}
		got := float64(pl.E.Backup-e0) / 600
		within(t, "backup's mean power in a deficit", got, deficit*k/(k+u), 0.01)
		if got > deficit {
			t.Errorf("backup %.0f W in a deficit of %.0f W", got, deficit)
		}
		if pl.S.IndoorC < 19.5 || pl.S.IndoorC > 19.7 {
			t.Errorf("indoor %v with the backup on, want 19.5-19.7", pl.S.IndoorC)
		}
	}
}
