package control

import (
	"math"
	"testing"

	"hearth/hal"
	"hearth/units"
)

// safety's verdict on oil-in A: not believed. A reads 60 C, B 45 C: control
// runs on 45 C, tick for tick as a controller whose probes both read 45 C;
// without the verdict it would run on 60 C.
func TestUntrustedOilProbeIsIgnored(t *testing.T) {
	liar, _ := New(DefaultConfig())
	twin, _ := New(DefaultConfig())
	naive, _ := New(DefaultConfig())
	var out, tout, nout hal.Outputs
	now := units.Time(units.Second)
	for k := range 3000 { // five minutes
		now = now.Add(100 * units.Millisecond)
		in := inputs(now, 45, 21, 5, 46)
		twin.Step(in, allow(), &tout)
		twin.Applied(&tout)
		in.Temp[hal.TempOilInA].Value = 60
		adv := allow()
		naive.Step(in, adv, &nout)
		naive.Applied(&nout)
		adv.Untrusted = hal.TempChannel(hal.TempOilInA).Bit()
		liar.Step(in, adv, &out)
		liar.Applied(&out)
		if out != tout {
			t.Fatalf("tick %d: outputs %+v with oil-in A untrusted at 60 C, %+v with both probes at 45 C", k, out, tout)
		}
	}
	if liar.x.oil != 45 || naive.x.oil != 60 {
		t.Errorf("oil taken at %v C with A untrusted (want 45), %v C with A believed (want 60)", liar.x.oil, naive.x.oil)
	}
	if nout.Fan != 1 || out.Fan != 0 {
		t.Errorf("fan %.2f with A untrusted (want 0, the oil cool), %.2f with A believed (want 1)", out.Fan, nout.Fan)
	}
}

// Start-up: the probes read the DS18B20's 85 C power-on value until their
// first conversion. The oil's loops and filters wait for the first value,
// with nothing wished powered and the oil pump running, and start on it.
// Were no oil value to come within HoldS, the dump would cool hardest.
func TestStartUpWaitsForTheFirstOilValue(t *testing.T) {
	cfg := DefaultConfig()
	for _, tc := range []struct {
		name  string
		first int // tick of the first conversion; -1: never
	}{{"first conversion at 0.7 s", 7}, {"no conversion", -1}} {
		c, _ := New(cfg)
		var out hal.Outputs
		now := units.Time(0)
		for k := 0; k < 1200; k++ {
			in := inputs(now, 44, 21, 5, 46)
			if tc.first < 0 || k < tc.first {
				for id := range in.Temp {
					in.Temp[id].Value = 85
				}
			}
			c.Step(in, allow(), &out)
			c.Applied(&out)
			s := now.Seconds()
			waiting := tc.first < 0 && s < cfg.HoldS || k < tc.first
			switch {
			case waiting && (out.Module[0] > hal.LevelOff || out.Pump[hal.PumpOil] == 0 || c.oilInit):
				t.Fatalf("%s, %.1f s: modules %v, oil pump %.2f, filters started %v; want nothing powered, the pump on, the filters waiting",
					tc.name, s, out.Module[0], out.Pump[hal.PumpOil], c.oilInit)
			case k == tc.first && c.oilLoop != 44:
				t.Fatalf("%s: the dump's filter starts at %v C, want the first value, 44 C", tc.name, c.oilLoop)
			case tc.first < 0 && s >= cfg.HoldS+30 && out.Fan != 1:
				t.Fatalf("%s, %.1f s: fan %.2f, want full with the oil never known", tc.name, s, out.Fan)
			case tc.first >= 0 && k > tc.first && out.Module[0] != hal.Level100:
				t.Fatalf("%s, %.1f s: module 0 at %v once the oil is known, want 100%%", tc.name, s, out.Module[0])
			}
			now = now.Add(100 * units.Millisecond)
		}
	}
}

// The DS18B20's power-on 85.0 C is not believed, unless the point was
// within 5 K of it at its last good sample; nor is a sample past the
// probe's range, from the future or older than StaleS.
func TestProbeJudgement(t *testing.T) {
	now := units.Time(100 * units.Second)
	sample := func(v units.Celsius, at units.Time, st hal.Status) hal.Sample[units.Celsius] {
		return hal.Sample[units.Celsius]{Value: v, At: at, Status: st}
	}
	for _, tc := range []struct {
		name string
		last units.Celsius // last good value; 0: none
		s    hal.Sample[units.Celsius]
		good bool
	}{
		{"85 C at power-on", 0, sample(85, now, hal.StatusOK), false},
		{"85 C after 45 C", 45, sample(85, now, hal.StatusOK), false},
		{"85 C after 80.5 C", 80.5, sample(85, now, hal.StatusOK), true},
		{"85.0625 C after 45 C", 45, sample(85.0625, now, hal.StatusOK), true},
		{"-55 C", 0, sample(-55, now, hal.StatusOK), true},
		{"-55.1 C", 0, sample(-55.1, now, hal.StatusOK), false},
		{"125.1 C", 0, sample(125.1, now, hal.StatusOK), false},
		{"5 s old", 0, sample(40, now.Add(-5*units.Second), hal.StatusOK), true},
		{"5.1 s old", 0, sample(40, now.Add(-5100*units.Millisecond), hal.StatusOK), false},
		{"5.1 s in the future", 0, sample(40, now.Add(5100*units.Millisecond), hal.StatusOK), false},
		{"short", 0, sample(40, now, hal.StatusShort), false},
	} {
		c, _ := New(DefaultConfig())
		if tc.last != 0 {
			c.judgeTemp(hal.TempTankTop, sample(tc.last, now.Add(-units.Second), hal.StatusOK), now.Add(-units.Second), 0)
		}
		c.judgeTemp(hal.TempTankTop, tc.s, now, 0)
		if got := c.probes[hal.TempTankTop].good; got != tc.good {
			t.Errorf("%s: believed %v, want %v", tc.name, got, tc.good)
		}
	}
}

// A module's power: the agent's report while it answers and is plausible;
// else the feed meter's; else the level the agent reports; with the agent
// silent, the level last applied.
func TestModulePowerFallsBackToTheFeedThenTheLevel(t *testing.T) {
	now := units.Time(100 * units.Second)
	feed := func(w units.Watt, st hal.Status) hal.Sample[units.Watt] {
		return hal.Sample[units.Watt]{Value: w, At: now, Status: st}
	}
	nan := units.Watt(math.NaN())
	for _, tc := range []struct {
		name string
		m    hal.ModuleStatus
		want units.Watt
	}{
		{"agent", hal.ModuleStatus{Power: 300, At: now, Status: hal.StatusOK, Level: hal.Level50, Feed: feed(310, hal.StatusOK)}, 300},
		{"agent NaN", hal.ModuleStatus{Power: nan, At: now, Status: hal.StatusOK, Level: hal.Level50, Feed: feed(310, hal.StatusOK)}, 310},
		{"agent -1 W", hal.ModuleStatus{Power: -1, At: now, Status: hal.StatusOK, Level: hal.Level50, Feed: feed(310, hal.StatusOK)}, 310},
		{"agent 673 W", hal.ModuleStatus{Power: 673, At: now, Status: hal.StatusOK, Level: hal.Level50, Feed: feed(310, hal.StatusOK)}, 310},
		{"agent stale", hal.ModuleStatus{Power: 300, At: now.Add(-6 * units.Second), Status: hal.StatusOK, Level: hal.Level50, Feed: feed(310, hal.StatusOK)}, 310},
		{"agent +Inf, feed NaN", hal.ModuleStatus{Power: units.Watt(math.Inf(1)), At: now, Status: hal.StatusOK, Level: hal.Level50, Feed: feed(nan, hal.StatusOK)}, 320},
		{"agent NaN, no feed meter", hal.ModuleStatus{Power: nan, At: now, Status: hal.StatusOK, Level: hal.Level50}, 320},
		{"agent silent, no feed meter", hal.ModuleStatus{Power: 300, At: now, Status: hal.StatusMissing, Level: hal.Level50}, 448},
	} {
		c, _ := New(DefaultConfig())
		c.applied[0] = hal.Level100
		if got := c.modulePower(&tc.m, 0, now); got != tc.want {
			t.Errorf("%s: %v W, want %v W", tc.name, got, tc.want)
		}
	}
}

// The immersion heater runs only on a known upper layer: the weekly hold
// with the tank's top probe lost keeps it off, and does not count the time.
func TestImmersionNeedsAKnownTankTop(t *testing.T) {
	c, _ := New(DefaultConfig())
	var out hal.Outputs
	now := units.Time(units.Second)
	step := func(top hal.Status, s int) {
		for range s * 10 {
			now = now.Add(100 * units.Millisecond)
			in := inputs(now, 45, 21, 5, 44)
			in.Temp[hal.TempTankTop].Value = 45
			in.Temp[hal.TempTankTop].Status = top
			in.WeekTime = units.Minute + units.Duration(now)
			c.Step(in, allow(), &out)
			c.Applied(&out)
		}
	}
	step(hal.StatusOK, int(c.cfg.ChargeSettleS)+10) // the coil can lift the tank no further: the heater's turn
	if !out.Immersion {
		t.Fatal("immersion off with the coil done and the tank's top at 45 C")
	}
	step(hal.StatusOpen, int(c.cfg.HoldS)+1)
	if out.Immersion {
		t.Error("immersion on with the tank's top probe lost")
	}
	if c.legioHeld != 0 {
		t.Errorf("%.0f s of the hold counted with the tank's top unknown", c.legioHeld)
	}
}

// The bad-sample settings are checked.
func TestBadSampleSettingsAreChecked(t *testing.T) {
	for _, f := range []func(c *Config){
		func(c *Config) { c.StaleS = 0 },
		func(c *Config) { c.StaleS = math.NaN() },
		func(c *Config) { c.HoldS = -1 },
		func(c *Config) { c.HoldS = math.Inf(1) },
		func(c *Config) { c.OilUnknownK = -1 },
	} {
		cfg := DefaultConfig()
		f(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}
