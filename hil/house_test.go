package hil

import (
	"testing"

	"hearth/hil/plant"
	"hearth/units"
)

// The backup heat on the design day is no more than the physics requires.
// The minimum is found along the run itself: while the home's heater is
// on, any heat the hub could have given the radiators beyond what it gave
// is backup it could have saved. What the hub could have given is
// plant.HubHeatingCeiling at the room's temperature (the radiators' EN 442
// steady output, the dump and tank closed, the best water flow, the
// modules' full power less the oil circuit's loss), so
//
//	backup_min = backup - integral over backup-on of max(0, ceiling(T_in) - Q_heating) dt.
//
// Two ceilings: control's (the oil into the modules at its dump setpoint,
// the oil flow control gives full compute) must leave the backup within
// 5 % of its minimum; the plant's (the oil at its 48 C ceiling, any oil
// flow with the oil out of the modules at most 60 C) is logged, the figure
// control's margins cost.
func TestDesignDayBackupMinimal(t *testing.T) {
	scs, err := Lookup("design-day")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := scs[0].Config(plant.DefaultParams(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cc := cfg.Core.Control
	pl := s.Plant
	powerW := units.Watt(pl.P.Modules) * pl.P.ModuleFullW()
	setC := cc.OilCeilingC - units.Celsius(cc.DumpMarginK)
	oil := cc.OilFlowForRise(powerW, setC, cc.OilRiseHeatingK)
	// The ceilings at room temperatures 19.4-20.6 C, by 0.1 K.
	var ctl, phys [13]units.Watt
	for i := range ctl {
		room := 19.4 + units.Celsius(i)/10
		ctl[i] = pl.HubHeatingCeiling(room, setC, cc.OilOutMaxC, powerW, oil, oil)
		phys[i] = pl.HubHeatingCeiling(room, cc.OilCeilingC, cc.OilOutMaxC, powerW, cc.OilFlowMinLPM, pl.P.OilPumpMaxLPM)
	}
	at := func(c *[13]units.Watt, room units.Celsius) units.Watt {
		x := min(max(float64(room-19.4)*10, 0), 11.999)
		i := int(x)
		return c[i] + units.Watt(x-float64(i))*(c[i+1]-c[i])
	}
	var lostCtl, lostPhys float64
	for !s.Done() {
		b0 := pl.E.Backup
		now := pl.Now
		room := pl.S.IndoorC
		s.Step()
		if pl.E.Backup == b0 || now < 0 {
			continue
		}
		h := pl.Now.Sub(now).Seconds()
		lostCtl += h * max(0, float64(at(&ctl, room)-pl.LastQ.Heating))
		lostPhys += h * max(0, float64(at(&phys, room)-pl.LastQ.Heating))
	}
	b := pl.E.Backup.KWh()
	minCtl, minPhys := b-lostCtl/3.6e6, b-lostPhys/3.6e6
	t.Logf("backup %.2f kWh; minimum %.2f kWh at control's oil (%.1f C in, %.1f L/min; ceiling %.0f W at 19.7 C), "+
		"%.2f kWh at the plant's (48 C in, any flow; %.0f W)", b, minCtl, float64(setC), float64(oil),
		float64(at(&ctl, 19.7)), minPhys, float64(at(&phys, 19.7)))
	if b > 1.05*minCtl {
		t.Errorf("backup %.2f kWh, more than 1.05 x its minimum %.2f kWh", b, minCtl)
	}
	if b <= 0 {
		t.Errorf("no backup on the design day: the hub alone cannot hold it")
	}
}
