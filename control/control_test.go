package control

import (
	"testing"

	"hearth/hal"
	"hearth/units"
)

func TestWeatherCurve(t *testing.T) {
	c := DefaultConfig()
	for _, tc := range []struct{ out, want units.Celsius }{
		{4, 48.5}, {-3, 48.5}, {16, 28.5}, {-20, 48.5}, {30, 28.5}, {10, 38.5},
	} {
		if got := c.WeatherCurve(tc.out); got < tc.want-1e-9 || got > tc.want+1e-9 {
			t.Errorf("curve(%v) = %v, want %v", tc.out, got, tc.want)
		}
	}
}

// inputs is a healthy process image: every probe fresh at the given temperatures.
func inputs(now units.Time, oil, indoor, outdoor, tankBottom units.Celsius) *hal.Inputs {
	in := &hal.Inputs{Now: now, NumModules: 8}
	set := func(id hal.TempID, v units.Celsius) {
		in.Temp[id] = hal.Sample[units.Celsius]{Value: v, At: now, Status: hal.StatusOK}
	}
	set(hal.TempOilInA, oil)
	set(hal.TempOilInB, oil)
	set(hal.TempOilOut, oil+4)
	set(hal.TempWaterFlow, oil-1)
	set(hal.TempWaterReturn, oil-3)
	set(hal.TempTankTop, tankBottom+1)
	set(hal.TempTankBottom, tankBottom)
	set(hal.TempIndoor, indoor)
	set(hal.TempOutdoor, outdoor)
	for i := range 8 {
		in.Demand[i] = hal.Level100
	}
	return in
}

func allow() Advice {
	var a Advice
	for i := range a.Cap {
		a.Cap[i] = hal.Level100
	}
	return a
}

// When the dump is at its maximum and the oil stays past the ceiling, the
// lowest-priority modules give way first, at once; when the heat can go
// again, compute comes back, but no faster than the dwell allows.
func TestLoadManagementShedsByPriorityAndRestoresWithDwell(t *testing.T) {
	c, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var out hal.Outputs
	tick := 100 * units.Millisecond
	now := units.Time(0)
	hot := units.Celsius(49.5) // past the ceiling; summer: nobody wants heat
	c.Step(inputs(now, hot, 23, 30, 46), allow(), &out)
	for c.AllowedW() > 2500 { // about a third shed
		now = now.Add(tick)
		c.Step(inputs(now, hot, 23, 30, 46), allow(), &out)
		out.Fan = 1 // the dump at its maximum
		c.Applied(&out)
		if now > units.Time(units.Hour) {
			t.Fatalf("allowance still %.0f W after an hour of unrejectable heat", c.AllowedW())
		}
	}
	t.Logf("a third of the compute shed after %.0f s", now.Seconds())
	if out.Module[0] != hal.Level100 {
		t.Errorf("module 0 (highest priority) at %v, want 100%%", out.Module[0])
	}
	if out.Module[7] != hal.LevelOff {
		t.Errorf("module 7 (lowest priority) at %v with a third of the compute shed, want off", out.Module[7])
	}
	for i := 1; i < 8; i++ {
		if out.Module[i] > out.Module[i-1] {
			t.Errorf("module %d at %v above module %d at %v: shedding ignores priority", i, out.Module[i], i-1, out.Module[i-1])
		}
	}
	shed := out.Module
	// Capacity returns: the oil falls well below the ceiling.
	var first units.Time
	for range 36000 {
		now = now.Add(tick)
		c.Step(inputs(now, 40, 23, 30, 46), allow(), &out)
		c.Applied(&out)
		if out.Module != shed && first == 0 {
			first = now
			shed = out.Module
		}
	}
	if first == 0 {
		t.Fatal("compute never came back")
	}
	changes := 0
	prev := out.Module
	var last units.Time
	for range 36000 {
		now = now.Add(tick)
		c.Step(inputs(now, 40, 23, 30, 46), allow(), &out)
		c.Applied(&out)
		if out.Module != prev {
			if last != 0 && now.Sub(last).Seconds() < c.cfg.DwellS {
				t.Errorf("levels rose twice within %.0f s (dwell %.0f s)", now.Sub(last).Seconds(), c.cfg.DwellS)
			}
			changes++
			prev, last = out.Module, now
		}
	}
	t.Logf("%d raises in the hour after the first", changes)
}

// Safety's caps always bound what control wishes.
func TestWishRespectsSafetyCaps(t *testing.T) {
	c, _ := New(DefaultConfig())
	var out hal.Outputs
	adv := allow()
	adv.Cap[2], adv.Cap[5] = hal.LevelCut, hal.Level25
	c.Step(inputs(units.Time(units.Second), 40, 20, 5, 46), adv, &out)
	if out.Module[2] != hal.LevelCut || out.Module[5] != hal.Level25 || out.Module[0] != hal.Level100 {
		t.Errorf("modules %v, want the caps honoured", out.Module[:8])
	}
}

// The weekly hold: compute heat first, then the immersion heater brings the
// whole tank (its bottom probe too) to 60 C and holds it an hour, then
// stops for the week.
func TestLegionellaHold(t *testing.T) {
	c, _ := New(DefaultConfig())
	var out hal.Outputs
	tick := units.Second
	now := units.Time(0)
	step := func(top, bottom units.Celsius, week units.Duration) {
		now = now.Add(tick)
		in := inputs(now, 45, 21, 5, bottom)
		in.Temp[hal.TempTankTop].Value = top
		in.WeekTime = week
		c.Step(in, allow(), &out)
		c.Applied(&out)
	}
	step(45, 40, 6*24*units.Hour) // Sunday: no hold
	if out.Immersion {
		t.Fatal("immersion on outside the hold")
	}
	step(45, 40, units.Minute) // Monday, the coil can still add heat
	if out.Immersion {
		t.Error("immersion on while compute heat can still charge the tank")
	}
	// The coil is done: the lower layer at the supply's temperature. It is
	// judged so only once the charge has run ChargeSettleS, so the flows
	// and the supply have settled.
	settle := units.DurationOf(c.cfg.ChargeSettleS)
	step(45, 44, 2*units.Minute)
	if out.Immersion {
		t.Error("immersion on before the charge had time to settle")
	}
	for s := units.Duration(0); s <= settle; s += tick {
		step(45, 44, 2*units.Minute+s)
	}
	if !out.Immersion {
		t.Errorf("immersion off %v after the coil stopped lifting the tank below 60 C", settle)
	}
	// HSE HSG274: the whole stored volume at 60 C, not the top alone.
	later := 3*units.Minute + settle
	for s := range 3700 {
		step(60.6, 57, later+units.Duration(s)*units.Second)
	}
	if !out.Immersion {
		t.Error("immersion off with the top at 60.6 C but the bottom at 57 C")
	}
	later += 3700 * units.Second
	step(62, 60.6, later)
	if out.Immersion {
		t.Error("immersion on with the whole tank above 60.5 C")
	}
	for s := range 3700 {
		step(60, 60, later+units.Duration(s)*units.Second)
	}
	step(55, 50, 3*units.Hour)
	if out.Immersion {
		t.Error("immersion back on after the hour's hold was done")
	}
}

// Once a week in the heating-off season both valves stroke end to end and
// back and the pumps run; in the heating season nothing extra happens.
func TestWeeklyExerciseInSummer(t *testing.T) {
	at := DefaultConfig().ExerciseAt
	for _, c := range []struct {
		name     string
		outdoor  units.Celsius
		week     units.Duration
		dump     units.Ratio
		tank     units.Ratio
		exercise bool
	}{
		{"summer, first stroke", 25, at + units.Minute, 0, 1, true},
		{"summer, stroke back", 25, at + 3*units.Minute, 1, 0, true},
		{"summer, after", 25, at + 5*units.Minute, 1, 0, false},
		{"winter", 0, at + units.Minute, 0, 0, false},
	} {
		ctl, _ := New(DefaultConfig())
		var out hal.Outputs
		in := inputs(units.Time(units.Second), 40, 22.5, c.outdoor, 46)
		in.WeekTime = c.week
		ctl.Step(in, allow(), &out)
		if got := ctl.Exercising(in); got != c.exercise {
			t.Errorf("%s: exercising %v, want %v", c.name, got, c.exercise)
		}
		if c.exercise && (out.Valve[hal.ValveDump] != c.dump || out.Valve[hal.ValveTank] != c.tank || out.Pump[hal.PumpWater] != 1) {
			t.Errorf("%s: dump %.2f tank %.2f water pump %.2f, want %.2f %.2f 1", c.name,
				out.Valve[hal.ValveDump], out.Valve[hal.ValveTank], out.Pump[hal.PumpWater], c.dump, c.tank)
		}
	}
}

// The oil pump gives the flow the heat needs: 6 K of rise at the modules'
// measured power, never under the minimum; a worn pump is driven harder
// until the meter shows the flow; with the meter dead it runs at a speed
// that proves the flow on a new pump.
func TestOilFlowFollowsHeat(t *testing.T) {
	cfg := DefaultConfig()
	full := cfg.OilFlowFor(8*cfg.ModuleFullW, 46)
	if want := units.LitrePerMin(8 * 448 / (float64(units.OilRate(1)) * 6)); full < want-0.01 || full > want+0.01 {
		t.Errorf("flow for 3584 W: %.2f L/min, want %.2f", full, want)
	}
	if f := cfg.OilFlowFor(500, 46); f != cfg.OilFlowMinLPM {
		t.Errorf("flow for 500 W: %.2f L/min, want the minimum %.2f", f, cfg.OilFlowMinLPM)
	}
	// Oil coming in at 56 C: 6 K of rise would take it past the 60 C
	// outlet limit, so the flow is for 4 K, half as much again.
	if f, want := cfg.OilFlowFor(8*cfg.ModuleFullW, 56), 1.5*full; f < want-0.01 || f > want+0.01 {
		t.Errorf("flow for 3584 W with the oil in at 56 C: %.2f L/min, want %.2f (out at %v C)", f, want, cfg.OilOutMaxC)
	}
	if f := cfg.OilFlowFor(8*cfg.ModuleFullW, 61); f != cfg.OilPumpMaxLPM {
		t.Errorf("flow with the oil in past the outlet limit: %.2f L/min, want the pump's %.2f", f, cfg.OilPumpMaxLPM)
	}
	for _, tc := range []struct {
		name     string
		delivers float64 // share of the commanded flow the pump gives
		meter    bool
		want     func(cmd units.Ratio) bool
		wantDoc  string
	}{
		{"new pump", 1, true, func(c units.Ratio) bool { return c > 0.51 && c < 0.53 }, "the feed-forward, 0.52"},
		{"pump giving half its flow", 0.5, true, func(c units.Ratio) bool { return c > 0.95 }, "driven to about twice, 1.0"},
		{"meter dead", 1, false, func(c units.Ratio) bool { return c >= cfg.OilPumpSpeed }, "at least oil_pump_speed"},
	} {
		c, _ := New(cfg)
		var out hal.Outputs
		now := units.Time(units.Second)
		for range 1200 { // two minutes at 10 Hz
			now = now.Add(100 * units.Millisecond)
			in := inputs(now, 44, 21, 20, 47)
			for i := range 8 {
				in.Module[i] = hal.ModuleStatus{Power: cfg.ModuleFullW, Relay: true, Level: hal.Level100, Status: hal.StatusOK, At: now}
			}
			if tc.meter {
				got := units.LitrePerMin(tc.delivers) * units.LitrePerMin(out.Pump[hal.PumpOil]) * cfg.OilPumpMaxLPM
				in.Flow[hal.FlowOil] = hal.Sample[units.LitrePerMin]{Value: got, At: now, Status: hal.StatusOK}
			}
			c.Step(in, allow(), &out)
			c.Applied(&out)
		}
		if !tc.want(out.Pump[hal.PumpOil]) {
			t.Errorf("%s: oil pump %.3f, want %s", tc.name, out.Pump[hal.PumpOil], tc.wantDoc)
		}
	}
}

// Out of the heating season the tank is held at its target: below it the
// tank gets a share of the water (only the dump valve moves, the tank valve
// stays open), above it the dump gets everything. A tank low enough to
// threaten hot water keeps its share even with the oil near the ceiling;
// a tank near target gives it up to the dump.
func TestSummerHoldsTheTankAtTarget(t *testing.T) {
	run := func(oil, tankBottom units.Celsius, secs int) hal.Outputs {
		c, _ := New(DefaultConfig())
		var out hal.Outputs
		now := units.Time(units.Second)
		for range secs * 10 {
			now = now.Add(100 * units.Millisecond)
			in := inputs(now, oil, 22, 24, tankBottom)
			in.WeekTime = 48 * units.Hour // Wednesday: no anti-legionella hold
			c.Step(in, allow(), &out)
			out.Fan = 1 // the dump's fan at its maximum: only the tank's share can move
			c.Applied(&out)
		}
		return out
	}
	if o := run(45, 46, 600); o.Valve[hal.ValveTank] != 1 || o.Valve[hal.ValveDump] > 0.7 {
		t.Errorf("tank below target: tank valve %.2f, dump valve %.2f; want 1 and the tank given a share", o.Valve[hal.ValveTank], o.Valve[hal.ValveDump])
	}
	if o := run(45, 49, 3600); o.Valve[hal.ValveTank] != 1 || o.Valve[hal.ValveDump] < 0.99 {
		t.Errorf("tank above target: tank valve %.2f, dump valve %.2f; want 1 and all the water to the dump", o.Valve[hal.ValveTank], o.Valve[hal.ValveDump])
	}
	if o := run(47.8, 40, 600); o.Valve[hal.ValveDump] > 0.5 {
		t.Errorf("tank at 40 C, oil 47.8 C: dump valve %.2f; a low tank keeps its share", o.Valve[hal.ValveDump])
	}
	if o := run(47.8, 46, 600); o.Valve[hal.ValveDump] < 0.9 {
		t.Errorf("tank at 46 C, oil 47.8 C: dump valve %.2f; near target the tank gives way to the dump", o.Valve[hal.ValveDump])
	}
}

// Load management sheds nothing while the dump has room, however warm the
// oil: cooling it is the dump's job, not the compute's.
func TestLoadManagementNeverShedsWithTheDumpToSpare(t *testing.T) {
	c, _ := New(DefaultConfig())
	var out hal.Outputs
	now := units.Time(units.Second)
	for range 36000 { // an hour
		now = now.Add(100 * units.Millisecond)
		c.Step(inputs(now, 47.9, 23, 24, 47), allow(), &out)
		out.Fan = 0.5 // held there by something else: the dump is not at its maximum
		c.Applied(&out)
	}
	if full := units.Watt(8) * c.cfg.ModuleFullW; c.AllowedW() != full {
		t.Errorf("allowance %.0f W after an hour with the dump at half, want all %.0f W", c.AllowedW(), full)
	}
	for i := range 8 {
		if out.Module[i] != hal.Level100 {
			t.Errorf("module %d at %v, want 100 %%", i, out.Module[i])
		}
	}
}

// A pump that suddenly gives half its flow at the modules' minimum: the
// meter shows less than the minimum, the pump goes to full speed on that
// tick (safety trips in seconds; a trim is too slow), and then walks down
// to the speed that gives the flow on the worn pump.
func TestOilPumpRescuesTheMinimumFlow(t *testing.T) {
	cfg := DefaultConfig()
	c, _ := New(cfg)
	var out hal.Outputs
	now := units.Time(units.Second)
	delivers := 1.0
	step := func() {
		now = now.Add(100 * units.Millisecond)
		in := inputs(now, 44, 21, 20, 47)
		for i := range 8 {
			in.Module[i] = hal.ModuleStatus{Power: cfg.ModuleIdleW, Relay: true, Level: hal.LevelIdle, Status: hal.StatusOK, At: now}
		}
		got := units.LitrePerMin(delivers) * units.LitrePerMin(out.Pump[hal.PumpOil]) * cfg.OilPumpMaxLPM
		in.Flow[hal.FlowOil] = hal.Sample[units.LitrePerMin]{Value: got, At: now, Status: hal.StatusOK}
		c.Step(in, allow(), &out)
		c.Applied(&out)
	}
	for range 3000 { // five minutes: settled at the minimum
		step()
	}
	if want := units.Ratio(cfg.OilFlowMinLPM / cfg.OilPumpMaxLPM); out.Pump[hal.PumpOil] < want-0.01 || out.Pump[hal.PumpOil] > want+0.01 {
		t.Fatalf("settled at %.3f, want %.3f (the minimum flow)", out.Pump[hal.PumpOil], want)
	}
	delivers = 0.5
	step() // the meter shows the worn pump's half
	step()
	if out.Pump[hal.PumpOil] != 1 {
		t.Errorf("two ticks after the flow fell to half: oil pump %.3f, want 1", out.Pump[hal.PumpOil])
	}
	for range 3000 {
		step()
	}
	if want := units.Ratio(cfg.OilFlowMinLPM / cfg.OilPumpMaxLPM / 0.5); out.Pump[hal.PumpOil] < want-0.02 || out.Pump[hal.PumpOil] > want+0.02 {
		t.Errorf("five minutes on: oil pump %.3f, want %.3f (the minimum flow on the worn pump)", out.Pump[hal.PumpOil], want)
	}
}

// A meter stuck high cannot make the trim wind the oil pump under the speed
// that gives the minimum flow on a new pump's curve: the pump stays at or
// above OilFlowMinLPM / OilPumpMaxLPM however long the meter lies.
func TestStuckMeterCannotWindTheOilPumpDown(t *testing.T) {
	cfg := DefaultConfig()
	c, _ := New(cfg)
	var out hal.Outputs
	now := units.Time(units.Second)
	floor := units.Ratio(cfg.OilFlowMinLPM / cfg.OilPumpMaxLPM)
	for k := range 36000 { // an hour
		now = now.Add(100 * units.Millisecond)
		in := inputs(now, 44, 21, 20, 47)
		for i := range 8 {
			in.Module[i] = hal.ModuleStatus{Power: cfg.ModuleIdleW, Relay: true, Level: hal.LevelIdle, Status: hal.StatusOK, At: now}
		}
		// Stuck at 15 L/min, the pulses still counted: it flickers, fresh and OK.
		in.Flow[hal.FlowOil] = hal.Sample[units.LitrePerMin]{Value: 15 + units.LitrePerMin(k%2)/5.5, At: now, Status: hal.StatusOK}
		c.Step(in, allow(), &out)
		c.Applied(&out)
		if k > 100 && out.Pump[hal.PumpOil] < floor {
			t.Fatalf("after %.0f s on a meter stuck at 15 L/min: oil pump %.4f, under %.4f", float64(k)/10, out.Pump[hal.PumpOil], floor)
		}
	}
	if d := out.Pump[hal.PumpOil] - floor; d > 0.001 || d < 0 {
		t.Errorf("an hour on: oil pump %.4f, want the floor %.4f (the trim wound down to it)", out.Pump[hal.PumpOil], floor)
	}
}
