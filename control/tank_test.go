package control

import (
	"testing"

	"hearth/hal"
	"hearth/units"
)

// Charging the tank in the heating season, the dump loop's output is split
// in range: its first TankDumpSplit opens the tank's share from base to
// lim, only the rest opens the dump. With less than a quarter of the share
// left to open the first part shrinks in proportion, to nothing with the
// share at its limit: no dead band before the dump.
func TestSplitDump(t *testing.T) {
	c, _ := New(DefaultConfig())
	for _, k := range []struct{ u, base, lim, tank, dump units.Ratio }{
		{0, 0.2, 1, 0.2, 0},
		{0.125, 0.2, 1, 0.6, 0},
		{0.25, 0.2, 1, 1, 0},
		{0.625, 0.2, 1, 1, 0.5},
		{1, 0.2, 1, 1, 1},
		{0.125, 0, 0.25, 0.125, 0}, // the house at its floor: the tank's share stops at a quarter
		{1, 0, 0.25, 0.25, 1},
		{0.3, 1, 1, 1, 0.3},          // the tank takes all the water: the dump has the whole range
		{0.1, 0.25, 0.25, 0.25, 0.1}, // the share at its limit: the same
		{0.05, 0.9, 1, 0.95, 0},      // a tenth of the share left: the first part is 0.1
		{0.55, 0.9, 1, 1, 0.5},
		{0.3, 0.999, 1, 1, (0.3 - 0.001) / 0.999}, // the legionella hold's start: the dump moves at once
	} {
		tank, dump := c.splitDump(k.u, k.base, k.lim)
		if d := float64(tank-k.tank) + float64(dump-k.dump); d*d > 1e-18 || tank != tank {
			t.Errorf("splitDump(%v, %v, %v) = %v, %v; want %v, %v", k.u, k.base, k.lim, tank, dump, k.tank, k.dump)
		}
	}
}

// The tank comes before the dump: with the oil hot enough for the dump's
// loop to act, the tank low and the house content (above its floor band),
// the dump's valve stays shut until the tank's share is all the water,
// and the fan runs only with the dump's valve.
func TestTankBeforeDump(t *testing.T) {
	c, _ := New(DefaultConfig())
	var out hal.Outputs
	now := units.Time(0)
	opened := false
	for range 6000 { // ten minutes at 10 Hz, the oil 1.5 K over the dump's setpoint
		now = now.Add(100 * units.Millisecond)
		c.Step(inputs(now, 48, 21, 5, 40), allow(), &out)
		c.Applied(&out)
		if !c.tankWant || !c.heatWant {
			t.Fatalf("tank want %v, heat want %v: want both", c.tankWant, c.heatWant)
		}
		if out.Valve[hal.ValveDump] > 0 {
			opened = true
			if out.Valve[hal.ValveTank] != 1 {
				t.Fatalf("dump valve %.3f open with the tank's share at %.3f", out.Valve[hal.ValveDump], out.Valve[hal.ValveTank])
			}
		}
		if out.Fan != out.Valve[hal.ValveDump] {
			t.Fatalf("fan %.3f with the dump's valve at %.3f", out.Fan, out.Valve[hal.ValveDump])
		}
	}
	if !opened {
		t.Error("the dump never opened with the oil held over its setpoint")
	}
}

// The timed boost: from boost_lead_s before a 55 C draw's time to
// boost_after_s after it the immersion heater lifts the tank's top to
// boost_c, and no further; outside those windows it stays off.
func TestTimedBoost(t *testing.T) {
	cfg := DefaultConfig()
	c, _ := New(cfg)
	var out hal.Outputs
	now := units.Time(0)
	wed := 48 * units.Hour
	step := func(top units.Celsius, tod units.Duration) bool {
		now = now.Add(units.Second)
		in := inputs(now, 45, 21, 5, 46)
		in.Temp[hal.TempTankTop].Value = top
		in.WeekTime = wed + tod
		c.Step(in, allow(), &out)
		c.Applied(&out)
		return out.Immersion
	}
	lead := units.DurationOf(cfg.BoostLeadS)
	for _, k := range []struct {
		name string
		top  units.Celsius
		tod  units.Duration
		on   bool
	}{
		{"an hour before", 47, cfg.BoostAAt - units.Hour, false},
		{"within the lead", 47, cfg.BoostAAt - lead + units.Minute, true},
		{"at boost_c", 56, cfg.BoostAAt - 5*units.Minute, false},
		{"half a kelvin under, within the band", 55.5, cfg.BoostAAt - 4*units.Minute, false},
		{"a kelvin and more under", 54.9, cfg.BoostAAt - 3*units.Minute, true},
		{"after the window", 47, cfg.BoostAAt + units.DurationOf(cfg.BoostAfterS) + units.Minute, false},
		{"before the evening draw", 47, cfg.BoostBAt - 10*units.Minute, true},
	} {
		if got := step(k.top, k.tod); got != k.on {
			t.Errorf("%s (top %.1f C at %v): immersion %v, want %v", k.name, k.top, k.tod, got, k.on)
		}
	}
}
