package control

import (
	"math"
	"testing"

	"hearth/hal"
	"hearth/units"
)

// toy is a small closed loop around one controller, enough for its loops to
// settle and for two controllers to converge: scripted weather and tank; an
// oil that the modules heat and the dump's fan cools; a supply the water
// pump cools; a room the radiators' share warms (in the heating season);
// pumps whose meters read what they were told; modules that draw what their
// level asks and report it, with a feed meter beside. Control's wish is
// applied as it is (no safety).
type toy struct {
	c      Controller
	out    hal.Outputs
	k      int // ticks run
	summer bool
	// The plant.
	oil, supply, room units.Celsius
}

const (
	toyTick  = 100 * units.Millisecond
	toyStart = units.Time(units.Second)
	toyOilB  = 0.1 // the second oil-in probe reads this much under the first
)

func newToy(t *testing.T, summer bool) *toy {
	t.Helper()
	c, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return &toy{c: *c, summer: summer, oil: 44, supply: 42, room: 21.5}
}

func (p *toy) now() units.Time { return toyStart.Add(units.Duration(p.k) * toyTick) }

// wave is a slow sine of period s seconds at the toy's time.
func (p *toy) wave(s float64) float64 { return math.Sin(2 * math.Pi * p.now().Seconds() / s) }

func (p *toy) outdoor() units.Celsius {
	if p.summer {
		return 24 + units.Celsius(0.5*p.wave(1800))
	}
	return 5 + units.Celsius(0.5*p.wave(1800))
}

func (p *toy) oilLPM() units.LitrePerMin {
	return units.LitrePerMin(p.out.Pump[hal.PumpOil]) * p.c.cfg.OilPumpMaxLPM
}

func (p *toy) oilOut() units.Celsius {
	if f := p.oilLPM(); f > 0 {
		return p.oil + units.Celsius(float64(p.power())/float64(units.OilRate(f)))
	}
	return p.oil
}

func (p *toy) power() units.Watt {
	var w units.Watt
	for i := range 8 {
		w += p.c.levelW(p.out.Module[i])
	}
	return w
}

// inputs returns this tick's good inputs.
func (p *toy) inputs() hal.Inputs {
	now := p.now()
	in := hal.Inputs{Now: now, NumModules: 8, WeekTime: 48*units.Hour + units.Duration(now)} // Wednesday: no hold, no exercise
	set := func(id hal.TempID, v units.Celsius) {
		in.Temp[id] = hal.Sample[units.Celsius]{Value: v, At: now, Status: hal.StatusOK}
	}
	bottom := 46 + units.Celsius(0.5*p.wave(1200))
	set(hal.TempOilInA, p.oil)
	set(hal.TempOilInB, p.oil-toyOilB)
	set(hal.TempOilOut, p.oilOut())
	set(hal.TempWaterFlow, p.supply)
	set(hal.TempWaterReturn, p.supply-5)
	set(hal.TempTankTop, bottom+1.5)
	set(hal.TempTankBottom, bottom)
	set(hal.TempIndoor, p.room)
	set(hal.TempOutdoor, p.outdoor())
	in.Flow[hal.FlowOil] = hal.Sample[units.LitrePerMin]{Value: p.oilLPM(), At: now, Status: hal.StatusOK}
	in.Flow[hal.FlowWater] = hal.Sample[units.LitrePerMin]{Value: units.LitrePerMin(p.out.Pump[hal.PumpWater]) * p.c.cfg.WaterPumpMaxLPM, At: now, Status: hal.StatusOK}
	for i := range 8 {
		l := p.out.Module[i]
		w := p.c.levelW(l)
		in.Module[i] = hal.ModuleStatus{Power: w + units.Watt(2*p.wave(60)), At: now, Relay: l >= hal.LevelIdle, Level: l, Status: hal.StatusOK,
			Feed: hal.Sample[units.Watt]{Value: w + 3, At: now, Status: hal.StatusOK}}
		in.Demand[i] = hal.Level100
	}
	return in
}

// step runs one tick: bad, if not nil, spoils the inputs and the advice;
// control steps, its wish is applied, and the plant moves on.
func (p *toy) step(bad func(in *hal.Inputs, adv *Advice)) {
	in := p.inputs()
	adv := allow()
	if bad != nil {
		bad(&in, &adv)
	}
	p.c.Step(&in, adv, &p.out)
	p.c.Applied(&p.out)

	const dt = 0.1
	cool := 256 * (0.3 + 0.7*float64(p.out.Fan)) * float64(p.oil-25)
	heat := float64(p.power()) + 300*p.wave(900)
	p.oil += units.Celsius((heat - cool) / 60e3 * dt)
	p.supply += (p.oilOut() - 15*units.Celsius(p.out.Pump[hal.PumpWater]) - p.supply) * dt / 10
	if p.summer {
		p.room = 23 + units.Celsius(0.2*p.wave(1500))
	} else {
		house := (1 - p.out.Valve[hal.ValveDump]) * (1 - p.out.Valve[hal.ValveTank])
		p.room += (18 + 8*units.Celsius(house) - p.room) * dt / 1200
	}
	p.k++
}

// finite reports whether x is neither NaN nor infinite.
func finite[T ~float64](x T) bool { return x-x == 0 }

// checkSane fails unless every output is finite and within its range, and
// every value control filters or integrates is finite.
func checkSane(t *testing.T, what string, p *toy) bool {
	t.Helper()
	o, c := &p.out, &p.c
	ratios := []units.Ratio{o.Pump[hal.PumpOil], o.Pump[hal.PumpWater], o.Valve[hal.ValveDump], o.Valve[hal.ValveTank], o.Fan}
	for j, r := range ratios {
		if !finite(r) || r < 0 || r > 1 {
			t.Errorf("%s, tick %d: output %d (pumps, valves, fan) = %v, want within 0..1", what, p.k, j, r)
			return false
		}
	}
	for i, l := range o.Module {
		if l > hal.Level100 || i >= 8 && l != hal.LevelCut {
			t.Errorf("%s, tick %d: module %d at %v", what, p.k, i, l)
			return false
		}
	}
	internal := []float64{float64(c.oilIn), float64(c.oilLoop), float64(c.oilSlow), float64(c.oilFast), float64(c.oilMid),
		float64(c.indoor), float64(c.outdoorMean), float64(c.allowedW), float64(c.tankTempShare), float64(c.x.oil),
		float64(c.x.outdoor), float64(c.x.top), float64(c.x.bottom), float64(c.x.supply), float64(c.x.powerW),
		c.dump.Output(), c.tank.Output(), c.tankCut.Output(), c.tankTemp.Output(), c.house.Output(), c.water.Output(),
		c.waterFlow.Output(), c.oilFlow.Output(), c.load.Output()}
	for j, v := range internal {
		if !finite(v) {
			t.Errorf("%s, tick %d: internal value %d is %v", what, p.k, j, v)
			return false
		}
	}
	return true
}

// gap is how far two ticks' outputs are apart: the largest difference of
// the pumps, valves and fan, and whether the levels and the immersion
// heater differ.
func gap(a, b *hal.Outputs) (units.Ratio, bool) {
	d := max(abs(a.Pump[0]-b.Pump[0]), abs(a.Pump[1]-b.Pump[1]), abs(a.Valve[0]-b.Valve[0]), abs(a.Valve[1]-b.Valve[1]), abs(a.Fan-b.Fan))
	return d, a.Module != b.Module || a.Immersion != b.Immersion
}

func abs(r units.Ratio) units.Ratio { return max(r, -r) }

// badKind is a way for a sample to be bad.
type badKind string

const (
	badNaN       badKind = "NaN"
	badPosInf    badKind = "+Inf"
	badNegInf    badKind = "-Inf"
	badStale     badKind = "stale"      // At frozen at the fault's start, with the value
	badStatus    badKind = "not OK"     // the driver's status says no
	badUntrusted badKind = "untrusted"  // safety does not believe the channel
	badRange     badKind = "past range" // a temperature past the DS18B20's 125 C
	bad85        badKind = "85 C"       // the DS18B20's power-on value
	badNegative  badKind = "negative"   // a flow or a power below nothing
	badNonsense  badKind = "nonsense"   // a module's report of a megawatt
)

var (
	tempBad  = []badKind{badNaN, badPosInf, badNegInf, badStale, badStatus, badUntrusted, badRange, bad85}
	flowBad  = []badKind{badNaN, badPosInf, badNegInf, badStale, badStatus, badUntrusted, badNegative}
	powerBad = []badKind{badNaN, badPosInf, badNegInf, badStale, badStatus, badNegative, badNonsense}
)

// spoilValue returns the bad value of kind k, and whether k is a value's.
func spoilValue(k badKind) (float64, bool) {
	switch k {
	case badNaN:
		return math.NaN(), true
	case badPosInf:
		return math.Inf(1), true
	case badNegInf:
		return math.Inf(-1), true
	case badRange:
		return 130, true
	case bad85:
		return 85, true
	case badNegative:
		return -1, true
	case badNonsense:
		return 1e6, true
	}
	return 0, false
}

// spoilSample spoils s (whose channel is ch) as k asks; frozen is the
// sample as it was when the fault began.
func spoilSample[T ~float64](s *hal.Sample[T], frozen hal.Sample[T], ch hal.Channel, adv *Advice, k badKind) {
	if v, ok := spoilValue(k); ok {
		s.Value = T(v)
		return
	}
	switch k {
	case badStale:
		*s = frozen
	case badStatus:
		s.Status = hal.StatusCRC
	case badUntrusted:
		adv.Untrusted |= ch.Bit()
	}
}

// badInput is one input control reads, how to spoil it, and how to tell
// that control did not take the spoiled input (in) but its fallback.
type badInput struct {
	name     string
	kinds    []badKind
	spoil    func(in *hal.Inputs, adv *Advice, k badKind, frozen *hal.Inputs)
	fellBack func(c *Controller, in *hal.Inputs) bool
}

func tempInput(id hal.TempID) badInput {
	return badInput{id.String(), tempBad, func(in *hal.Inputs, adv *Advice, k badKind, frozen *hal.Inputs) {
		spoilSample(&in.Temp[id], frozen.Temp[id], hal.TempChannel(id), adv, k)
	}, func(c *Controller, _ *hal.Inputs) bool { return !c.probes[id].good }}
}

func flowInput(id hal.FlowID) badInput {
	return badInput{"flow_" + id.String(), flowBad, func(in *hal.Inputs, adv *Advice, k badKind, frozen *hal.Inputs) {
		spoilSample(&in.Flow[id], frozen.Flow[id], hal.FlowChannel(id), adv, k)
	}, func(c *Controller, _ *hal.Inputs) bool {
		return !map[hal.FlowID]bool{hal.FlowOil: c.x.oilLPMOK, hal.FlowWater: c.x.waterLPMOK}[id]
	}}
}

// powerFrom returns the modules' power as one of the sources gives it.
func powerFrom(c *Controller, in *hal.Inputs, src func(m *hal.ModuleStatus) units.Watt) bool {
	var w units.Watt
	for i := range in.NumModules {
		w += src(&in.Module[i])
	}
	return c.x.powerW == w
}

// spoilAgent spoils every module agent's report as k asks.
func spoilAgent(in *hal.Inputs, k badKind, frozen *hal.Inputs) {
	for i := range in.NumModules {
		m := &in.Module[i]
		if v, ok := spoilValue(k); ok {
			m.Power = units.Watt(v)
			continue
		}
		switch k {
		case badStale:
			feed := m.Feed
			*m = frozen.Module[i]
			m.Feed = feed // the feed meter reads on
		case badStatus:
			m.Status = hal.StatusMissing
		}
	}
}

// badInputs are every input control reads (the water's return temperature
// it does not read), each with every way it can be bad.
var badInputs = []badInput{
	tempInput(hal.TempOilInA), tempInput(hal.TempOilInB), tempInput(hal.TempOilOut),
	tempInput(hal.TempWaterFlow), tempInput(hal.TempTankTop), tempInput(hal.TempTankBottom),
	tempInput(hal.TempIndoor), tempInput(hal.TempOutdoor),
	flowInput(hal.FlowOil), flowInput(hal.FlowWater),
	{"module power (agents)", powerBad, func(in *hal.Inputs, _ *Advice, k badKind, frozen *hal.Inputs) {
		spoilAgent(in, k, frozen)
	}, func(c *Controller, in *hal.Inputs) bool { // the feed meters' word
		return powerFrom(c, in, func(m *hal.ModuleStatus) units.Watt { return m.Feed.Value })
	}},
	{"module power (agents and feed meters)", powerBad, func(in *hal.Inputs, _ *Advice, k badKind, frozen *hal.Inputs) {
		spoilAgent(in, k, frozen)
		for i := range in.NumModules {
			in.Module[i].Power = units.Watt(math.NaN())
			spoilSample(&in.Module[i].Feed, frozen.Module[i].Feed, 0, &Advice{}, k)
		}
	}, func(c *Controller, in *hal.Inputs) bool { // the levels' power
		return powerFrom(c, in, func(m *hal.ModuleStatus) units.Watt { return c.levelW(m.Level) })
	}},
}

// warmToy returns a toy run for 20 minutes, its loops settled.
func warmToy(t *testing.T, summer bool) *toy {
	p := newToy(t, summer)
	for range 12000 {
		p.step(nil)
	}
	return p
}

// Every input control reads, bad in every way for a minute: on every tick
// every output stays finite and within its range, every filtered or
// integrated value stays finite, and control takes the input's fallback
// (a stale sample: once StaleS has passed); 20 minutes after good samples
// return, the outputs are those of a twin that never saw the bad input,
// within convergeTol (the fan, pumps and valves) and exactly (levels,
// immersion heater), in the heating season and out of it.
func TestEveryInputSurvivesBadSamples(t *testing.T) {
	const (
		badTicks   = 600   // a minute at 10 Hz
		afterTicks = 12000 // 20 minutes of good samples
		judgeTicks = 600   // the last minute is judged
		// The largest gap seen is 4.5e-4 (a tank layer held in summer,
		// through the tank loop's slow integral); a loop left frozen or a
		// filter left stuck is several hundredths off in this plant, whose
		// fan moves 0.42-0.58.
		convergeTol = 0.002
	)
	for _, summer := range []bool{false, true} {
		season := map[bool]string{false: "heating season", true: "summer"}[summer]
		warm := warmToy(t, summer)
		twin := *warm
		var ref []hal.Outputs
		for range badTicks + afterTicks {
			twin.step(nil)
			ref = append(ref, twin.out)
		}
		for _, bi := range badInputs {
			for _, k := range bi.kinds {
				name := season + "/" + bi.name + "/" + string(k)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					p := *warm
					frozen := p.inputs()
					worst := units.Ratio(0)
					for j := range badTicks + afterTicks {
						if j < badTicks {
							var spoilt hal.Inputs
							p.step(func(in *hal.Inputs, adv *Advice) { bi.spoil(in, adv, k, &frozen); spoilt = *in })
							// A stale sample is stale once StaleS has passed.
							if (k != badStale || j > 10*int(p.c.cfg.StaleS)) && !bi.fellBack(&p.c, &spoilt) {
								t.Fatalf("tick %d of the fault: control took the bad input", j)
							}
						} else {
							p.step(nil)
						}
						if !checkSane(t, name, &p) {
							return
						}
						if j >= badTicks+afterTicks-judgeTicks {
							d, differ := gap(&p.out, &ref[j])
							worst = max(worst, d)
							if differ {
								t.Fatalf("%d s after good samples returned: levels %v immersion %v, the twin's %v %v",
									(j-badTicks)/10, p.out.Module[:8], p.out.Immersion, ref[j].Module[:8], ref[j].Immersion)
							}
						}
					}
					t.Logf("worst gap in the last minute: %.2g", worst)
					if worst > convergeTol {
						t.Errorf("20 minutes after good samples returned the outputs are %.3g from the twin's, want at most %g", worst, convergeTol)
					}
				})
			}
		}
	}
}

// The summer regression: one NaN oil-in sample froze control for good (its
// filters stayed NaN), the fan stuck at 0 and the hub tripped on thermal
// runaway. One NaN sample, on one probe, on both or on every probe: the fan
// goes on following the oil, within 1e-3 of a twin that never saw it and
// within 1e-5 ten minutes on, and it moves.
func TestOneNaNOilSampleDoesNotFreezeTheFan(t *testing.T) {
	warm := warmToy(t, true)
	nan := units.Celsius(math.NaN())
	for _, tc := range []struct {
		name string
		bad  func(in *hal.Inputs, adv *Advice)
	}{
		{"on oil-in A", func(in *hal.Inputs, _ *Advice) { in.Temp[hal.TempOilInA].Value = nan }},
		{"on oil-in B", func(in *hal.Inputs, _ *Advice) { in.Temp[hal.TempOilInB].Value = nan }},
		{"on both oil-in probes", func(in *hal.Inputs, _ *Advice) {
			in.Temp[hal.TempOilInA].Value, in.Temp[hal.TempOilInB].Value = nan, nan
		}},
		{"on every probe", func(in *hal.Inputs, _ *Advice) {
			for id := range in.Temp {
				in.Temp[id].Value = nan
			}
		}},
	} {
		p, twin := *warm, *warm
		p.step(tc.bad)
		twin.step(nil)
		lo, hi, worst := p.out.Fan, p.out.Fan, units.Ratio(0)
		for range 6000 { // ten minutes
			p.step(nil)
			twin.step(nil)
			if !checkSane(t, tc.name, &p) {
				break
			}
			lo, hi = min(lo, p.out.Fan), max(hi, p.out.Fan)
			worst = max(worst, abs(p.out.Fan-twin.out.Fan))
		}
		end := abs(p.out.Fan - twin.out.Fan)
		t.Logf("NaN %s: fan within %.2g of the twin's, %.2g at the end, over %.2f-%.2f", tc.name, worst, end, lo, hi)
		if worst > 1e-3 || end > 1e-5 || hi-lo < 0.05 {
			t.Errorf("NaN %s: fan within %.3g of the twin's (want 1e-3), %.3g ten minutes on (want 1e-5), over %.2f-%.2f (want it to move 0.05 or more)",
				tc.name, worst, end, lo, hi)
		}
	}
}

// With both oil-in probes bad, the oil out of the modules less the rise the
// modules' heat gives it at the metered flow stands for the oil in. With
// the outlet probe bad too, the last value holds for HoldS; then the oil is
// taken at the ceiling plus OilUnknownK: the fan goes to full and compute
// gives way. When the probes return, control runs on them at once and the
// fan leaves full.
func TestOilFallsBackToTheOutletThenHoldsThenCoolsHardest(t *testing.T) {
	cfg := DefaultConfig()
	nan := units.Celsius(math.NaN())
	p := warmToy(t, true)
	noIn := func(in *hal.Inputs, _ *Advice) {
		in.Temp[hal.TempOilInA].Value, in.Temp[hal.TempOilInB].Value = nan, nan
	}
	for range 600 {
		truth := p.oil
		p.step(noIn)
		// The toy's agents report their power within 2 W each.
		if d := p.c.x.oil - truth; d < -0.05 || d > 0.05 {
			t.Fatalf("oil in taken at %.3f C from the outlet, the oil is at %.3f C", p.c.x.oil, truth)
		}
	}
	held := p.c.x.oil
	allowed := p.c.AllowedW()
	none := func(in *hal.Inputs, adv *Advice) { noIn(in, adv); in.Temp[hal.TempOilOut].Status = hal.StatusOpen }
	for k := 1; k <= 1200; k++ {
		p.step(none)
		if !checkSane(t, "no oil probe", p) {
			return
		}
		s := float64(k) / 10
		switch {
		case s <= cfg.HoldS && p.c.x.oil != held:
			t.Fatalf("%.1f s without an oil probe: oil at %v C, want the last value %v C held", s, p.c.x.oil, held)
		case s > cfg.HoldS && p.c.x.oil != cfg.OilCeilingC+units.Celsius(cfg.OilUnknownK):
			t.Fatalf("%.1f s without an oil probe: oil at %v C, want the ceiling plus %v K", s, p.c.x.oil, cfg.OilUnknownK)
		case s >= cfg.HoldS+30 && p.out.Fan != 1:
			t.Fatalf("%.1f s without an oil probe: fan %.2f, want full", s, p.out.Fan)
		}
	}
	if p.c.AllowedW() >= allowed {
		t.Errorf("compute allowed %.0f W after a minute and a half of unknown oil, %.0f W before: want it giving way", p.c.AllowedW(), allowed)
	}
	p.step(nil)
	if p.c.x.oil != p.c.probes[hal.TempOilInA].v {
		t.Errorf("probes back: oil at %v C, want oil-in A's %v C", p.c.x.oil, p.c.probes[hal.TempOilInA].v)
	}
	for range 1200 {
		p.step(nil)
		checkSane(t, "probes back", p)
	}
	if p.out.Fan >= 1 {
		t.Errorf("two minutes after the probes came back the fan is still at full")
	}
}

// A lost room probe: the room's filter and the radiators' share hold (the
// share from HoldS on), and both resume from there when the probe returns.
func TestLostRoomHoldsTheHouseShare(t *testing.T) {
	p := warmToy(t, false)
	room := p.c.indoor
	var share units.Ratio
	for k := 1; k <= 1200; k++ {
		p.step(func(in *hal.Inputs, _ *Advice) { in.Temp[hal.TempIndoor].Status = hal.StatusCRC })
		s := float64(k) / 10
		if p.c.indoor != room {
			t.Fatalf("%.1f s without the room: its filter moved from %v to %v", s, room, p.c.indoor)
		}
		switch got := units.Ratio(p.c.house.Output()); {
		case s <= p.c.cfg.HoldS:
			share = got
		case got != share:
			t.Fatalf("%.1f s without the room: radiators' share %.4f, held at %.4f", s, got, share)
		}
	}
	p.step(nil)
	if d := units.Ratio(p.c.house.Output()) - share; d < -0.01 || d > 0.01 {
		t.Errorf("the room back: share %.4f from %.4f held, want no bump", p.c.house.Output(), share)
	}
}
