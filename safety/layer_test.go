package safety

import (
	"math"
	"math/rand/v2"
	"testing"

	"hearth/hal"
	"hearth/units"
)

// The per-tick layer, driven with synthetic inputs and no plant model: a rig
// answers the layer's outputs as simply as a plant can (pumps make flow, the
// dump valve travels, modules do as they are told) and a test bends one
// measurement past its threshold, then counts the ticks to the layer's answer.

const (
	tick      = 100 * units.Millisecond // 10 Hz, the controller's tick
	rigMods   = 8
	epoch     = units.Time(1000 * units.Second) // controller time of the first tick
	idleW     = units.Watt(200)
	fullW     = units.Watt(450)
	oilMaxLPM = 40
	watMaxLPM = 25
	valveS    = 90                    // the diverting valve's end-to-end travel time
	gracefulS = 20                    // a compliant module's graceful shutdown
	flickerK  = units.Celsius(0.0625) // one DS18B20 step: a live probe never holds one value long
	healthyC  = units.Celsius(45)     // oil into the modules in steady running
	healthyP  = units.Bar(1.5)        // primary water pressure
)

// ticks converts a duration in seconds to whole ticks.
func ticks(s float64) int { return int(math.Round(s / tick.Seconds())) }

// pin overrides one probe's reading.
type pin struct {
	on    bool
	v     units.Celsius
	exact bool // no flicker: the reading is exactly v
}

// rigModule is a module's agent and feed as the rig plays them.
type rigModule struct {
	level    hal.Level // what the boards run at (LevelOff when not running)
	relay    bool
	shutting bool // in a graceful shutdown, drawing idle power
	offAt    units.Time
	lastAt   units.Time // when the agent last answered

	ignoreThrottle, ignoreShutdown, silent bool
	lapsed                                 bool // its lease ran out: it idles, whatever it is told, and says so
}

// follow applies the command the layer sent on the previous tick.
func (m *rigModule) follow(c hal.Level, now units.Time) {
	if c == hal.LevelCut {
		// The relay is hardware: it opens whatever the agent does.
		m.relay, m.level, m.shutting = false, hal.LevelOff, false
		return
	}
	m.relay = true
	if m.silent {
		return
	}
	m.lastAt = now
	if _, on := c.Fraction(); on && m.lapsed {
		m.level, m.shutting = hal.LevelIdle, false
		return
	}
	if _, on := c.Fraction(); on {
		if m.ignoreThrottle && c < m.level {
			return
		}
		m.level, m.shutting = c, false
		return
	}
	switch {
	case m.ignoreShutdown:
	case m.level != hal.LevelOff:
		m.level, m.shutting, m.offAt = hal.LevelOff, true, now
	case m.shutting && now.Sub(m.offAt).Seconds() >= gracefulS:
		m.shutting = false
	}
}

func (m *rigModule) power() units.Watt {
	f, on := m.level.Fraction()
	switch {
	case !m.relay:
		return 0
	case on:
		return idleW + units.Watt(f)*(fullW-idleW)
	case m.shutting:
		return idleW
	}
	return 0
}

// rig is a layer with a synthetic plant around it.
type rig struct {
	t    testing.TB
	l    *Layer
	cfg  Config
	in   hal.Inputs
	wish hal.Outputs
	out  hal.Outputs
	now  units.Time
	n    int // steps taken

	// The plant's truth and the faults laid on its instruments.
	oilIn        units.Celsius // oil into the modules (both probes)
	oilOut       units.Celsius // follows the heat the modules put in
	temp         [hal.NumTemps]units.Celsius
	pin          [hal.NumTemps]pin
	status       [hal.NumTemps]hal.Status
	stale        [hal.NumTemps]bool // the sample stops being renewed
	stuck        [hal.NumTemps]bool // renewed, but the value stops changing
	pressure     units.Bar
	pressStatus  hal.Status
	oilFlowTrue  float64 // the true oil flow as a fraction of what the meter reads (0: the same)
	leak         bool
	leakStatus   hal.Status
	oilLow       bool // the oil tank's level switch reads low
	oilLowStatus hal.Status
	pumpAlarm    [hal.NumPumps]hal.PumpAlarm
	valve        [hal.NumValves]units.Ratio
	valveStuck   [hal.NumValves]bool
	mod          [rigMods]rigModule
	maintenance  bool
	reset        bool // carried by the next step only
	watchdog     bool
	mark         units.Time // a time a test remembers
	lastWarn     int        // the last step with an over-temperature warning

	hook func(r *rig, in *hal.Inputs) // bends the inputs after the plant wrote them
}

// rigOilL is the oil in the rig's modules: the least the bounds allow, so
// the rig's oil out settles within a minute.
const rigOilL = 10

func newRig(t testing.TB) *rig {
	cfg := DefaultConfig()
	cfg.ModuleOilL = rigOilL
	return newRigWith(t, cfg)
}

func newRigWith(t testing.TB, cfg Config) *rig {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, l: New(cfg), cfg: cfg, now: epoch, oilIn: healthyC, oilOut: healthyC,
		pressure: healthyP, pressStatus: hal.StatusOK, leakStatus: hal.StatusOK, oilLowStatus: hal.StatusOK, watchdog: true}
	r.temp[hal.TempWaterFlow] = 50
	r.temp[hal.TempWaterReturn] = 40
	r.temp[hal.TempTankTop] = 50
	r.temp[hal.TempTankBottom] = 40
	r.temp[hal.TempIndoor] = 21
	r.temp[hal.TempOutdoor] = 5
	for id := range r.status {
		r.status[id] = hal.StatusOK
	}
	// De-energised at power-on: the dump valve has sprung to the dump.
	r.valve[hal.ValveDump] = 1
	// Control's wish in normal running.
	r.wish = hal.Outputs{Pump: [hal.NumPumps]units.Ratio{0.5, 0.5}, Valve: [hal.NumValves]units.Ratio{0.2, 0.5},
		Fan: 0.3, Immersion: true}
	for i := range rigMods {
		r.wish.Module[i] = hal.Level100
	}
	return r
}

// fill writes the inputs of this tick from the plant's truth and the
// outputs of the last tick.
func (r *rig) fill() {
	in, now, out := &r.in, r.now, &r.out
	in.Now, in.NumModules = now, rigMods
	in.Watchdog, in.Maintenance, in.ResetRequest = r.watchdog, r.maintenance, r.reset
	r.reset = false

	power := units.Watt(0)
	for i := range r.mod {
		m := &r.mod[i]
		m.follow(out.Module[i], now)
		ms := &in.Module[i]
		ms.Relay, ms.Level, ms.Power, ms.Status = m.relay, m.level, m.power(), hal.StatusOK
		ms.Feed = hal.Sample[units.Watt]{Value: m.power(), At: now, Status: hal.StatusOK}
		ms.BoardTemp = r.oilIn + 10
		ms.At = m.lastAt
		if !m.relay || !m.silent {
			ms.At = now
		}
		power += ms.Power
		in.Demand[i] = hal.Level100
	}

	oilLPM := units.LitrePerMin(out.Pump[hal.PumpOil].Clamp() * oilMaxLPM)
	trueLPM := oilLPM
	if r.oilFlowTrue > 0 {
		trueLPM *= units.LitrePerMin(r.oilFlowTrue) // a worn pump: its meter reads the new pump's curve
	}
	watLPM := units.LitrePerMin(out.Pump[hal.PumpWater].Clamp() * watMaxLPM)
	if r.pumpAlarm[hal.PumpWater] == hal.PumpBlocked {
		watLPM = 0
	}
	// A live pulse meter flickers by one count, as a real one does.
	count := units.LitrePerMin(float64(r.n%2) / 5.5)
	in.Flow[hal.FlowOil] = hal.Sample[units.LitrePerMin]{Value: oilLPM + count, At: now, Status: hal.StatusOK}
	in.Flow[hal.FlowWater] = hal.Sample[units.LitrePerMin]{Value: watLPM + count, At: now, Status: hal.StatusOK}

	// Oil out: the modules' oil, well stirred (cfg.ModuleOilL litres, as
	// the layer is told), heated by the modules and cooled by the flow.
	capJPerK := r.cfg.ModuleOilL * units.OilDensityKgPerL * units.OilCpJPerKgK
	q := float64(power) - float64(units.OilRate(trueLPM))*float64(r.oilOut-r.oilIn)
	r.oilOut += units.Celsius(q / capJPerK * tick.Seconds())

	var f units.Celsius
	if r.n%2 == 1 {
		f = flickerK
	}
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		v := r.temp[id]
		switch id {
		case hal.TempOilInA, hal.TempOilInB:
			v = r.oilIn
		case hal.TempOilOut:
			v = r.oilOut
		}
		v += f
		if p := r.pin[id]; p.on {
			v = p.v
			if !p.exact {
				v += f
			}
		}
		s := &in.Temp[id]
		switch {
		case r.stale[id]:
		case r.stuck[id]:
			s.At, s.Status = now, r.status[id]
		default:
			s.Value, s.At, s.Status = v, now, r.status[id]
		}
	}

	// The healthy circuit's transducer flickers by one ADC count; a
	// pressure a test sets is read exactly.
	press := r.pressure
	if press == healthyP {
		press += units.Bar(float64(r.n%2) * 0.001)
	}
	in.Pressure = hal.Sample[units.Bar]{Value: press, At: now, Status: r.pressStatus}
	in.Leak = hal.Sample[bool]{Value: r.leak, At: now, Status: r.leakStatus}
	in.OilLow = hal.Sample[bool]{Value: r.oilLow, At: now, Status: r.oilLowStatus}
	for p := range in.Pump {
		in.Pump[p] = hal.PumpFeedback{Power: out.Pump[p].Clamp() * 0.7, Alarm: r.pumpAlarm[p], At: now, Status: hal.StatusOK}
	}
	for v := range r.valve {
		if !r.valveStuck[v] {
			step := units.Ratio(tick.Seconds() / valveS)
			r.valve[v] += min(max(out.Valve[v].Clamp()-r.valve[v], -step), step)
		}
		in.Valve[v] = hal.Sample[units.Ratio]{Value: r.valve[v], At: now, Status: hal.StatusOK}
	}
	in.Fan = hal.Sample[units.Ratio]{Value: out.Fan.Clamp(), At: now, Status: hal.StatusOK}
	if r.hook != nil {
		r.hook(r, in)
	}
}

// step runs one tick.
func (r *rig) step() {
	r.fill()
	r.l.Step(&r.in, &r.wish, &r.out)
	if r.l.Status().CoolHarder {
		r.lastWarn = r.n
	}
	if fe := r.l.Status().FireErrors; fe != 0 {
		r.t.Fatalf("tick %d: %d refused transitions", r.n, fe)
	}
	r.now = r.now.Add(tick)
	r.n++
}

func (r *rig) steps(n int) {
	for range n {
		r.step()
	}
}

// until steps until cond holds after a step and returns that step's index
// counted from 0, or -1 if it did not hold within limit steps.
func (r *rig) until(cond func() bool, limit int) int {
	for k := range limit {
		r.step()
		if cond() {
			return k
		}
	}
	return -1
}

func (r *rig) st() Status { return r.l.Status() }

// inState returns a condition: the layer is in state s.
func (r *rig) inState(s State) func() bool { return func() bool { return r.st().State == s } }

// boot steps a fresh layer to running and checks the way it gets there.
func (r *rig) boot() {
	r.t.Helper()
	r.step()
	if s := r.st().State; s != StateSelfTest {
		r.t.Fatalf("after the first tick: %s, want self_test", s)
	}
	k := r.until(r.inState(StateStandby), ticks(r.cfg.SelfTestS))
	if k < 0 {
		r.t.Fatalf("self-test did not pass within self_test_s: %s, failed %b", r.st().State, r.st().SelfTest)
	}
	if k = r.until(r.inState(StateRunning), ticks(2)); k != ticks(1)-1 {
		r.t.Fatalf("standby to running after %d ticks, want %d (state %s)", k, ticks(1)-1, r.st().State)
	}
}

// running returns a rig in steady running: every module at 100 %, no
// warning, no alarm.
func running(t testing.TB) *rig {
	t.Helper()
	r := newRig(t)
	r.boot()
	// The staggered start brings the modules up one level of one module at
	// a time.
	r.steps(ticks(30 + float64(rigMods*shedPerModule)*r.cfg.StartStepS))
	st := r.st()
	if st.State != StateRunning || st.Warnings != 0 || st.Alarms != 0 || r.out.Alarm {
		t.Fatalf("not steady running: %s warnings %b alarms %b alarm %v", st.State, st.Warnings, st.Alarms, r.out.Alarm)
	}
	for i := range rigMods {
		if r.out.Module[i] != hal.Level100 || r.in.Module[i].Power != fullW {
			t.Fatalf("module %d at %s drawing %v, want 100%% at full power", i, r.out.Module[i], r.in.Module[i].Power)
		}
	}
	return r
}

// ramp moves probe id's reading to v at 0.1 K per tick (1 K/s, a rate no
// plausibility check rejects), pinned without flicker from then on.
func (r *rig) ramp(id hal.TempID, v units.Celsius) {
	r.t.Helper()
	p := &r.pin[id]
	if !p.on {
		*p = pin{on: true, v: r.in.Temp[id].Value, exact: true}
	}
	p.exact = true
	for p.v != v {
		d := min(max(v-p.v, -0.1), 0.1)
		if math.Abs(float64(v-p.v-d)) < 1e-9 {
			p.v = v
		} else {
			p.v += d
		}
		r.step()
	}
}

// rampOil moves the oil into the modules (the plant's truth) to v at 0.1 K
// per tick.
func (r *rig) rampOil(v units.Celsius) {
	for r.oilIn != v {
		d := min(max(v-r.oilIn, -0.1), 0.1)
		if math.Abs(float64(v-r.oilIn-d)) < 1e-9 {
			r.oilIn = v
		} else {
			r.oilIn += d
		}
		r.step()
	}
}

// rampPressure moves the pressure to v at 0.01 bar per tick.
func (r *rig) rampPressure(v units.Bar) {
	for r.pressure != v {
		d := min(max(v-r.pressure, -0.01), 0.01)
		if math.Abs(float64(v-r.pressure-d)) < 1e-9 {
			r.pressure = v
		} else {
			r.pressure += d
		}
		r.step()
	}
}

// Safe states, checked on the outputs of the last tick.

type outCheck func(t *testing.T, r *rig)

func modulesAt(want hal.Level) outCheck {
	return func(t *testing.T, r *rig) {
		t.Helper()
		for i := range rigMods {
			if r.out.Module[i] != want {
				t.Errorf("module %d: %s, want %s", i, r.out.Module[i], want)
			}
		}
	}
}

// coolingMax: both pumps at maximum, all to the dump, fan at maximum, no
// electric heat, alarm.
func coolingMax(t *testing.T, r *rig) {
	t.Helper()
	o := &r.out
	if o.Pump != [hal.NumPumps]units.Ratio{1, 1} || o.Valve[hal.ValveDump] != 1 || o.Valve[hal.ValveTank] != 0 ||
		o.Fan != 1 || o.Immersion || !o.Alarm {
		t.Errorf("outputs %+v, want both pumps 1, dump 1, tank 0, fan 1, immersion off, alarm", *o)
	}
}

// overTempSafe is the over-temperature trip: compute cut, cooling at maximum.
func overTempSafe(t *testing.T, r *rig) {
	t.Helper()
	modulesAt(hal.LevelCut)(t, r)
	coolingMax(t, r)
}

// leakSafe: compute cut, oil pump stopped, alarm.
func leakSafe(t *testing.T, r *rig) {
	t.Helper()
	modulesAt(hal.LevelCut)(t, r)
	if o := &r.out; o.Pump[hal.PumpOil] != 0 || o.Immersion || !o.Alarm {
		t.Errorf("outputs %+v, want oil pump 0, immersion off, alarm", *o)
	}
}

// pressureLowSafe: compute cut, water pump stopped (no dry running), oil pump on.
func pressureLowSafe(t *testing.T, r *rig) {
	t.Helper()
	modulesAt(hal.LevelCut)(t, r)
	if o := &r.out; o.Pump[hal.PumpWater] != 0 || o.Pump[hal.PumpOil] != 1 || o.Immersion || !o.Alarm {
		t.Errorf("outputs %+v, want water pump 0, oil pump 1, immersion off, alarm", *o)
	}
}

// gracefulOff: every module told to shut down gracefully, cooling at maximum.
func gracefulOff(t *testing.T, r *rig) {
	t.Helper()
	modulesAt(hal.LevelOff)(t, r)
	coolingMax(t, r)
}

// tempLimits names each temperature limit with the probe that measures it.
var tempLimits = []struct {
	name  string
	probe hal.TempID
	lim   func(*Config) TempLimit
	cause Cause
}{
	{"oil_in_a", hal.TempOilInA, func(c *Config) TempLimit { return c.OilIn }, CauseOilInHigh},
	{"oil_in_b", hal.TempOilInB, func(c *Config) TempLimit { return c.OilIn }, CauseOilInHigh},
	{"oil_out", hal.TempOilOut, func(c *Config) TempLimit { return c.OilOut }, CauseOilOutHigh},
	{"water_flow", hal.TempWaterFlow, func(c *Config) TempLimit { return c.WaterFlow }, CauseWaterFlowHigh},
	{"tank", hal.TempTankTop, func(c *Config) TempLimit { return c.Tank }, CauseTankHigh},
}

// A temperature at its trip limit trips on that very tick, whichever probe
// reads it: compute cut, cooling at maximum, latched.
func TestTemperatureTrip(t *testing.T) {
	for _, tc := range tempLimits {
		t.Run(tc.name, func(t *testing.T) {
			r := running(t)
			lim := tc.lim(&r.cfg)
			r.ramp(tc.probe, lim.TripC-0.1)
			if st := r.st(); st.State == StateTripped {
				t.Fatalf("tripped at %v, below the trip limit %v", lim.TripC-0.1, lim.TripC)
			}
			r.pin[tc.probe].v = lim.TripC
			k := r.until(r.inState(StateTripped), ticks(10))
			if k != 0 {
				t.Fatalf("tripped after %d ticks, want 0", k)
			}
			if st := r.st(); st.Cause != tc.cause || st.TripAt != r.now.Add(-tick) {
				t.Errorf("cause %s at %v, want %s at %v", st.Cause, st.TripAt, tc.cause, r.now.Add(-tick))
			}
			overTempSafe(t, r)
		})
	}
}

// A temperature at its warning limit raises the warning on that tick:
// cooling at maximum, the first shedding step at once (the last module to
// 75 %), alarm; and the warning clears only below warn - hyst.
func TestTemperatureWarnAndHysteresis(t *testing.T) {
	for _, tc := range tempLimits {
		t.Run(tc.name, func(t *testing.T) {
			r := running(t)
			lim := tc.lim(&r.cfg)
			bit := uint32(1) << tc.cause
			r.ramp(tc.probe, lim.WarnC-0.1)
			if st := r.st(); st.Warnings != 0 || st.State != StateRunning {
				t.Fatalf("below warn: %s warnings %b", st.State, st.Warnings)
			}
			r.pin[tc.probe].v = lim.WarnC
			r.step()
			st := r.st()
			if st.Warnings&bit == 0 || !st.CoolHarder || st.Cause != tc.cause {
				t.Fatalf("at warn: warnings %b cool harder %v cause %s, want %s", st.Warnings, st.CoolHarder, st.Cause, tc.cause)
			}
			if st.State != StateShedding || st.ShedSteps != 1 || r.out.Module[rigMods-1] != hal.Level75 ||
				r.out.Module[rigMods-2] != hal.Level100 {
				t.Errorf("at warn: %s, %d shed steps, last two modules %s %s; want shedding, 1, 75%% and 100%%",
					st.State, st.ShedSteps, r.out.Module[rigMods-1], r.out.Module[rigMods-2])
			}
			coolingMax(t, r)

			// Hysteresis: at or above warn - hyst the warning holds.
			floor := lim.WarnC - units.Celsius(lim.HystK)
			r.ramp(tc.probe, floor)
			r.steps(ticks(5))
			if st := r.st(); st.Warnings&bit == 0 {
				t.Errorf("warning cleared at %v, not below warn - hyst = %v", r.in.Temp[tc.probe].Value, floor)
			}
			r.pin[tc.probe].v = floor - flickerK
			r.step()
			if st := r.st(); st.Warnings&bit != 0 || st.CoolHarder {
				t.Errorf("warning held at %v, below warn - hyst", floor-flickerK)
			}
		})
	}
}

// The tank at its warning limit cuts the immersion heater, even with no
// other reason to stop it.
func TestTankWarnCutsImmersion(t *testing.T) {
	r := running(t)
	if !r.out.Immersion {
		t.Fatal("immersion off in steady running, wished on")
	}
	r.ramp(hal.TempTankTop, r.cfg.Tank.WarnC)
	if r.out.Immersion {
		t.Error("immersion on with the tank at its warning limit")
	}
}

// A tank probe that cannot be believed cuts the immersion heater on the
// first sample it is not believed: no electric heat into a tank nobody can
// see. The probe lost for sensor_loss_s, the layer runs degraded.
func TestBlindTankCutsImmersion(t *testing.T) {
	r := running(t)
	r.status[hal.TempTankTop] = hal.StatusCRC
	if k := r.until(func() bool { return !r.out.Immersion }, ticks(30)); k != 0 {
		t.Errorf("immersion cut after %d ticks, want 0", k)
	}
	if k := r.until(r.inState(StateDegraded), ticks(30)); k != ticks(r.cfg.SensorLossS)-1 {
		t.Errorf("degraded %d ticks later, want %d (sensor_loss_s)", k+1, ticks(r.cfg.SensorLossS))
	}
	if st := r.st(); st.Alarms&(1<<CauseSensor) == 0 || r.out.Immersion {
		t.Errorf("alarms %b immersion %v, want a sensor alarm and the heater off", st.Alarms, r.out.Immersion)
	}
}

// With the immersion heater on, the tank's top layer must rise: a probe
// that holds one reading for half of stuck_s with the heater on throughout
// is stuck, and the heater is cut.
func TestTankProbeStuckUnderTheHeater(t *testing.T) {
	r := running(t)
	r.stuck[hal.TempTankTop] = true
	want := ticks(r.cfg.StuckS / 2)
	if k := r.until(func() bool { return !r.out.Immersion }, 2*want); k < want-2 || k > want+2 {
		t.Errorf("immersion cut after %d ticks of a frozen tank probe, want %d (stuck_s / 2)", k, want)
	}
}

// Pressure: a trip limit must hold for debounce_s; warnings act at once and
// clear beyond warn +/- hyst.
func TestPressure(t *testing.T) {
	cfg := DefaultConfig()
	debounce := ticks(cfg.DebounceS)
	cases := []struct {
		name     string
		approach units.Bar // ramped to first, no trip
		at       units.Bar // then set in one step
		cause    Cause
		safe     outCheck
	}{
		{"low", cfg.PressureTripLowBar + 0.1, cfg.PressureTripLowBar, CausePressureLow, pressureLowSafe},
		{"high", cfg.PressureTripHighBar - 0.1, cfg.PressureTripHighBar, CausePressureHigh, overTempSafe},
	}
	for _, tc := range cases {
		t.Run(tc.name+"/trip", func(t *testing.T) {
			r := running(t)
			r.rampPressure(tc.approach)
			if st := r.st(); st.State == StateTripped || st.Warnings&(1<<tc.cause) == 0 || !r.out.Alarm {
				t.Fatalf("past the warning limit: %s warnings %b alarm %v", st.State, st.Warnings, r.out.Alarm)
			}
			r.pressure = tc.at
			if k := r.until(r.inState(StateTripped), 10*debounce); k != debounce {
				t.Fatalf("tripped after %d ticks, want %d (debounce_s)", k, debounce)
			}
			if st := r.st(); st.Cause != tc.cause {
				t.Errorf("cause %s, want %s", st.Cause, tc.cause)
			}
			tc.safe(t, r)
		})
		t.Run(tc.name+"/glitch", func(t *testing.T) {
			r := running(t)
			r.rampPressure(tc.approach)
			r.pressure = tc.at
			r.steps(debounce - 1)
			r.pressure = tc.approach
			if k := r.until(r.inState(StateTripped), 10*debounce); k >= 0 {
				t.Errorf("a %d-tick glitch past the trip limit tripped", debounce-1)
			}
		})
	}
	t.Run("warn_low", func(t *testing.T) {
		r := running(t)
		r.rampPressure(cfg.PressureWarnLowBar + 0.01)
		if r.st().Warnings != 0 {
			t.Fatalf("warning above the warning limit")
		}
		r.pressure = cfg.PressureWarnLowBar
		r.step()
		if st := r.st(); st.Warnings != 1<<CausePressureLow || st.State != StateRunning || !r.out.Alarm || st.CoolHarder {
			t.Errorf("%s warnings %b alarm %v cool harder %v; want running, pressure_low, alarm, no cooling",
				st.State, st.Warnings, r.out.Alarm, st.CoolHarder)
		}
		r.rampPressure(cfg.PressureWarnLowBar + cfg.PressureHystBar - 0.01)
		if r.st().Warnings == 0 {
			t.Errorf("warning cleared within the hysteresis")
		}
		r.rampPressure(cfg.PressureWarnLowBar + cfg.PressureHystBar + 0.01)
		if r.st().Warnings != 0 || r.out.Alarm {
			t.Errorf("warning held beyond the hysteresis")
		}
	})
	t.Run("warn_high", func(t *testing.T) {
		r := running(t)
		r.rampPressure(cfg.PressureWarnHighBar)
		if st := r.st(); st.Warnings != 1<<CausePressureHigh || st.State != StateRunning || !r.out.Alarm {
			t.Errorf("%s warnings %b alarm %v; want running, pressure_high, alarm", st.State, st.Warnings, r.out.Alarm)
		}
		r.rampPressure(cfg.PressureWarnHighBar - cfg.PressureHystBar + 0.01)
		if r.st().Warnings == 0 {
			t.Errorf("warning cleared within the hysteresis")
		}
		r.rampPressure(cfg.PressureWarnHighBar - cfg.PressureHystBar - 0.01)
		if r.st().Warnings != 0 {
			t.Errorf("warning held beyond the hysteresis")
		}
	})
	t.Run("sensor_dead", func(t *testing.T) {
		r := running(t)
		r.pressStatus = hal.StatusOpen
		r.step()
		if st := r.st(); st.State != StateDegraded || st.Alarms != 1<<CauseSensor || !r.out.Alarm {
			t.Errorf("%s alarms %b; want degraded with a sensor alarm", st.State, st.Alarms)
		}
	})
}

// A leak trips after debounce_s, and so does a leak input that cannot be
// read: the loop is normally closed, a broken wire is a leak.
func TestLeak(t *testing.T) {
	debounce := ticks(DefaultConfig().DebounceS)
	cases := []struct {
		name   string
		fault  func(r *rig)
		length int // ticks the fault lasts; 0: for good
		tripAt int // -1: never
	}{
		{"leak", func(r *rig) { r.leak = true }, 0, debounce},
		{"input_open", func(r *rig) { r.leakStatus = hal.StatusOpen }, 0, debounce},
		{"input_missing", func(r *rig) { r.leakStatus = hal.StatusMissing }, 0, debounce},
		// The input stops being renewed: dead after stale_s, then debounced.
		{"input_stale", func(r *rig) {
			r.mark = r.now.Add(-tick)
			r.hook = func(r *rig, in *hal.Inputs) { in.Leak.At = r.mark }
		}, 0, ticks(DefaultConfig().StaleS) + debounce},
		{"splash", func(r *rig) { r.leak = true }, debounce - 1, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := running(t)
			tc.fault(r)
			if tc.length > 0 {
				r.steps(tc.length)
				r.leak = false
			}
			k := r.until(r.inState(StateTripped), 10*debounce)
			if tc.length > 0 && k >= 0 {
				k += tc.length
			}
			if k != tc.tripAt {
				t.Fatalf("tripped after %d ticks, want %d", k, tc.tripAt)
			}
			if k < 0 {
				return
			}
			if c := r.st().Cause; c != CauseLeak {
				t.Errorf("cause %s, want leak", c)
			}
			leakSafe(t, r)
		})
	}
}

// A powered module without proven oil flow trips after flow_proof_s; a stale
// meter is no proof either, after stale_s. Unpowered modules need no flow.
func TestNoOilFlow(t *testing.T) {
	cfg := DefaultConfig()
	proof := ticks(cfg.FlowProofS)
	cases := []struct {
		name   string
		bend   func(r *rig, in *hal.Inputs)
		tripAt int
	}{
		{"low", func(r *rig, in *hal.Inputs) { in.Flow[hal.FlowOil].Value = cfg.MinOilFlowLPM - 0.5 }, proof},
		{"zero", func(r *rig, in *hal.Inputs) { in.Flow[hal.FlowOil].Value = 0 }, proof},
		{"meter_open", func(r *rig, in *hal.Inputs) { in.Flow[hal.FlowOil].Status = hal.StatusOpen }, proof},
		{"meter_stale", func(r *rig, in *hal.Inputs) { in.Flow[hal.FlowOil].At = r.mark }, ticks(cfg.StaleS) + proof},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := running(t)
			r.mark = r.now.Add(-tick) // the last good sample
			r.hook = tc.bend
			if k := r.until(r.inState(StateTripped), 3*tc.tripAt); k != tc.tripAt {
				t.Fatalf("tripped after %d ticks, want %d", k, tc.tripAt)
			}
			if c := r.st().Cause; c != CauseNoOilFlow {
				t.Errorf("cause %s, want no_oil_flow", c)
			}
			overTempSafe(t, r)
		})
	}
	t.Run("unpowered", func(t *testing.T) {
		r := running(t)
		for i := range rigMods {
			r.wish.Module[i] = hal.LevelOff
		}
		r.steps(ticks(gracefulS) + 2)
		for i := range rigMods {
			if r.in.Module[i].Power != 0 {
				t.Fatalf("module %d still draws %v", i, r.in.Module[i].Power)
			}
		}
		r.hook = func(r *rig, in *hal.Inputs) { in.Flow[hal.FlowOil].Value = 0 }
		if k := r.until(r.inState(StateTripped), 10*proof); k >= 0 {
			t.Errorf("tripped on no oil flow with every module unpowered")
		}
	})
}

// Both oil-in probes lost: the measurement every over-temperature trip of the
// modules hangs on is gone; after sensor_loss_s the layer trips.
func TestOilInBothProbesLostTrips(t *testing.T) {
	r := running(t)
	r.status[hal.TempOilInA], r.status[hal.TempOilInB] = hal.StatusOpen, hal.StatusOpen
	want := ticks(r.cfg.SensorLossS)
	if k := r.until(r.inState(StateTripped), 3*want); k != want {
		t.Fatalf("tripped after %d ticks, want %d (sensor_loss_s)", k, want)
	}
	if c := r.st().Cause; c != CauseOilInSensor {
		t.Errorf("cause %s, want oil_in_sensor", c)
	}
	overTempSafe(t, r)
}

// Each plausibility rule makes a probe not believed. One oil-in probe lost
// is lost redundancy: the other governs, the layer runs degraded once the
// probe has been unknown for sensor_loss_s, and nothing trips.
func TestPlausibility(t *testing.T) {
	cfg := DefaultConfig()
	loss := ticks(cfg.SensorLossS)
	a := hal.TempOilInA
	cases := []struct {
		name       string
		fault      func(r *rig)
		rejectAt   int // first tick the probe is not believed
		degradedAt int // -1: never
	}{
		{"open", func(r *rig) { r.status[a] = hal.StatusOpen }, 0, loss},
		{"short", func(r *rig) { r.status[a] = hal.StatusShort }, 0, loss},
		{"crc", func(r *rig) { r.status[a] = hal.StatusCRC }, 0, loss},
		{"missing", func(r *rig) { r.status[a] = hal.StatusMissing }, 0, loss},
		{"driver_range", func(r *rig) { r.status[a] = hal.StatusRange }, 0, loss},
		{"above_range", func(r *rig) { r.pin[a] = pin{on: true, v: 125.5} }, 0, loss},
		{"below_range", func(r *rig) { r.pin[a] = pin{on: true, v: -55.5} }, 0, loss},
		// The sample stops being renewed: believed until it is stale_s old,
		// but a sample seen before renews nothing.
		{"stale", func(r *rig) { r.stale[a] = true }, ticks(cfg.StaleS), loss},
		// Renewed, but not one bit of change for stuck_s.
		{"stuck", func(r *rig) { r.stuck[a] = true }, ticks(cfg.StuckS), ticks(cfg.StuckS) + loss},
		// A power-on 85.0 C from oil at 45 C is a lie, however long it lasts.
		{"power_on_85", func(r *rig) { r.pin[a] = pin{on: true, v: powerOnC, exact: true} }, 0, loss},
		// A jump far beyond max_rate_k_per_s for one sample: not believed,
		// and no warning though 75 C is past oil in's trip limit.
		{"spike", func(r *rig) {
			r.pin[a] = pin{on: true, v: healthyC + 30}
			r.hook = func(r *rig, in *hal.Inputs) { r.pin[a].on = false; r.hook = nil }
		}, 0, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := running(t)
			tc.fault(r)
			p := &r.l.probes[a]
			limit := max(tc.rejectAt, tc.degradedAt) + 3*loss
			rejectAt, degradedAt := -1, -1
			for k := range limit {
				r.step()
				if rejectAt < 0 && !p.valid {
					rejectAt = k
				}
				st := r.st()
				if degradedAt < 0 && st.State == StateDegraded {
					degradedAt = k
					if st.Alarms&(1<<CauseSensor) == 0 || !r.out.Alarm {
						t.Errorf("degraded with alarms %b alarm %v, want a sensor alarm", st.Alarms, r.out.Alarm)
					}
				}
				if st.State != StateRunning && st.State != StateDegraded || st.Warnings != 0 {
					t.Fatalf("tick %d: %s warnings %b cause %s, want running or degraded without warnings",
						k, st.State, st.Warnings, st.Cause)
				}
			}
			if rejectAt != tc.rejectAt {
				t.Errorf("not believed from tick %d, want %d", rejectAt, tc.rejectAt)
			}
			if degradedAt != tc.degradedAt {
				t.Errorf("degraded at tick %d, want %d", degradedAt, tc.degradedAt)
			}
			if tc.degradedAt < 0 {
				return
			}
			// The other probe governs.
			if v, ok := r.l.oil.value, r.l.oil.known; !ok || v > healthyC+flickerK || v < healthyC {
				t.Errorf("oil in governed at %v (known %v), want probe b's %v", v, ok, healthyC)
			}
		})
	}
}

// A probe repaired is believed on its first good sample, and the layer runs
// again with its redundancy back.
func TestProbeRepairedRunsAgain(t *testing.T) {
	r := running(t)
	r.status[hal.TempOilInB] = hal.StatusOpen
	if k := r.until(r.inState(StateDegraded), 3*ticks(r.cfg.SensorLossS)); k < 0 {
		t.Fatal("never degraded")
	}
	r.steps(ticks(60))
	r.status[hal.TempOilInB] = hal.StatusOK
	if k := r.until(r.inState(StateRunning), ticks(10)); k != 0 {
		t.Errorf("running again after %d ticks, want 0", k)
	}
}

// A persistent jump is a spike only until the rate limit could have made it:
// a real step is believed after (jump - 1 K) / max_rate_k_per_s, and trips.
func TestPersistentJumpIsBelievedInTime(t *testing.T) {
	r := running(t)
	jump := units.Celsius(30)
	r.pin[hal.TempOilInA] = pin{on: true, v: r.in.Temp[hal.TempOilInA].Value + jump, exact: true}
	// Believed when MaxRateKPerS x (time since the last believed sample) + 1 >= jump.
	want := int(math.Ceil((float64(jump)-1)/r.cfg.MaxRateKPerS/tick.Seconds())) - 1
	if k := r.until(r.inState(StateTripped), 3*want); k != want {
		t.Fatalf("tripped after %d ticks, want %d", k, want)
	}
	if c := r.st().Cause; c != CauseOilInHigh {
		t.Errorf("cause %s, want oil_in_high", c)
	}
}

// The DS18B20's power-on 85.0 C is believed when the last believed value was
// already near it: then it is a real temperature.
func TestPowerOn85BelievedNearIt(t *testing.T) {
	r := running(t)
	id := hal.TempWaterFlow // 85 C is between its warn and trip limits
	r.ramp(id, powerOnC-0.5)
	r.pin[id].v = powerOnC
	r.step()
	if p := &r.l.probes[id]; !p.valid || p.value != powerOnC {
		t.Errorf("85.0 C after %v: valid %v value %v, want believed", powerOnC-0.5, p.valid, p.value)
	}
	if st := r.st(); st.Warnings&(1<<CauseWaterFlowHigh) == 0 {
		t.Errorf("warnings %b, want water_flow_high", st.Warnings)
	}
}

// At power-on a DS18B20 reads 85.0 C before its first conversion: never a
// reason to trip, and the self-test waits for the real value.
func TestPowerOn85AtBootIsNotBelieved(t *testing.T) {
	r := newRig(t)
	r.pin[hal.TempOilInA] = pin{on: true, v: powerOnC, exact: true}
	r.steps(5)
	if p := &r.l.probes[hal.TempOilInA]; p.valid || p.seen {
		t.Fatalf("power-on 85.0 C believed at boot")
	}
	r.pin[hal.TempOilInA].on = false
	if k := r.until(r.inState(StateRunning), ticks(r.cfg.SelfTestS)); k < 0 {
		t.Fatalf("not running after the first conversion: %s cause %s", r.st().State, r.st().Cause)
	}
}

// The two oil-in probes may disagree by disagree_k for disagree_s; beyond it
// the layer runs degraded, the hotter probe governs, nothing trips.
func TestOilInDisagreement(t *testing.T) {
	r := running(t)
	cfg := &r.cfg
	b := hal.TempOilInB
	// Probe b drifts down to the edge of the band, flickering with a.
	r.pin[b] = pin{on: true, v: healthyC}
	for r.pin[b].v > healthyC-units.Celsius(cfg.DisagreeK) {
		r.pin[b].v -= 0.01
		r.step()
	}
	r.pin[b].v = healthyC - units.Celsius(cfg.DisagreeK)
	r.steps(2 * ticks(cfg.DisagreeS))
	if st := r.st(); st.State != StateRunning {
		t.Fatalf("%s alarms %b with the probes %v K apart, within the band", st.State, st.Alarms, cfg.DisagreeK)
	}
	r.pin[b].v -= 0.1
	want := ticks(cfg.DisagreeS)
	if k := r.until(r.inState(StateDegraded), 3*want); k != want {
		t.Fatalf("degraded after %d ticks, want %d (disagree_s)", k, want)
	}
	if st := r.st(); st.Alarms != 1<<CauseOilInDisagree || !r.out.Alarm {
		t.Errorf("alarms %b alarm %v, want oil_in_disagree", st.Alarms, r.out.Alarm)
	}
	if v := r.l.oil.value; v < healthyC {
		t.Errorf("oil in governed at %v, want the hotter probe's %v", v, healthyC)
	}
}

// Thermal runaway: cooling at its maximum (a warning in force) and oil into
// the modules still climbing faster than runaway_k_per_min over runaway_s.
func TestThermalRunaway(t *testing.T) {
	cfg := DefaultConfig()
	window := ticks(cfg.RunawayS)
	cases := []struct {
		name   string
		kPerS  float64
		tripAt int
	}{
		{"rising", 1.5 * cfg.RunawayKPerMin / 60, window},
		{"levelling", 0.5 * cfg.RunawayKPerMin / 60, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := running(t)
			r.ramp(hal.TempOilInA, cfg.OilIn.WarnC-0.1)
			r.ramp(hal.TempOilInB, cfg.OilIn.WarnC-0.1)
			start := cfg.OilIn.WarnC
			k0 := r.n
			r.hook = func(r *rig, in *hal.Inputs) {
				v := start + units.Celsius(tc.kPerS*float64(r.n-k0)*tick.Seconds())
				in.Temp[hal.TempOilInA].Value, in.Temp[hal.TempOilInB].Value = v, v
			}
			k := r.until(r.inState(StateTripped), 3*window)
			if k != tc.tripAt {
				t.Fatalf("tripped after %d ticks (cause %s), want %d", k, r.st().Cause, tc.tripAt)
			}
			if k < 0 {
				if st := r.st(); st.State != StateShedding || !st.CoolHarder {
					t.Errorf("%s cool harder %v, want shedding and cooling", st.State, st.CoolHarder)
				}
				return
			}
			if c := r.st().Cause; c != CauseRunaway {
				t.Errorf("cause %s, want thermal_runaway", c)
			}
			overTempSafe(t, r)
		})
	}
}

// Energy balance. A meter that reads twice the true flow within what its
// pump can give (a pump worn to half behind a meter on the new pump's
// curve) makes the oil carry more heat than the modules give: at once the
// heat carried plus the heat stored is 1.5 x the power (the oil starts to
// warm), rising to 2 x with the modules' oil time constant T = C / (flow x
// cp). The averages (time constant balance_s) pass balance_tolerance when
// y(t) = 1 - e^(-t/tau) - 0.5 T/(T-tau) (e^(-t/T) - e^(-t/tau)) reaches it
// (plus what is left of the figure before the fault, decaying),
// and balance_hold_s later the layer trips no_oil_flow on the energy
// balance. The oil warming at start-up is stored heat, not imbalance; a
// meter reading low is an alarm; below balance_min_w of power and of heat
// carried it is not judged.
func TestEnergyBalance(t *testing.T) {
	t.Run("meter_reads_twice_the_flow", func(t *testing.T) {
		r := running(t)
		r.steps(ticks(6 * r.cfg.BalanceS)) // the averages settled (e^-6)
		if st := r.st(); st.State != StateRunning || !(math.Abs(st.Imbalance) < 0.02) {
			t.Fatalf("%s imbalance %v before the fault, want running and balanced", st.State, st.Imbalance)
		}
		y0 := r.st().Imbalance // what is left of the start as the averages settle
		r.oilFlowTrue = 0.5
		trueRate := units.OilRate(units.LitrePerMin(r.out.Pump[hal.PumpOil]*oilMaxLPM) / 2)
		T := r.cfg.ModuleOilL * units.OilDensityKgPerL * units.OilCpJPerKgK / float64(trueRate)
		tau := r.cfg.BalanceS
		y := func(t float64) float64 {
			return y0*math.Exp(-t/tau) + 1 - math.Exp(-t/tau) - 0.5*T/(T-tau)*(math.Exp(-t/T)-math.Exp(-t/tau))
		}
		lo, hi := 0.0, tau
		for range 60 {
			if mid := (lo + hi) / 2; y(mid) < r.cfg.BalanceTolerance {
				lo = mid
			} else {
				hi = mid
			}
		}
		want := ticks(lo + r.cfg.BalanceHoldS)
		if k := r.until(r.inState(StateTripped), 2*want); k < want-ticks(3) || k > want+ticks(3) {
			t.Fatalf("tripped after %d ticks, want %d +/- 3 s", k, want)
		}
		if st := r.st(); st.Cause != CauseNoOilFlow || st.Witness != WitnessEnergyBalance {
			t.Errorf("cause %s witness %s, want no_oil_flow on energy_balance", st.Cause, st.Witness)
		}
		overTempSafe(t, r)
	})
	t.Run("meter_reads_low", func(t *testing.T) {
		r := running(t)
		r.steps(ticks(r.cfg.BalanceS))
		r.hook = func(r *rig, in *hal.Inputs) { in.Flow[hal.FlowOil].Value *= 0.6 }
		if k := r.until(r.inState(StateDegraded), ticks(3*r.cfg.BalanceS)); k < 0 {
			t.Fatalf("a meter reading 60 %% of the flow: %s imbalance %v", r.st().State, r.st().Imbalance)
		}
		if st := r.st(); st.Alarms != CauseEnergyBalance.Bit() || !r.out.Alarm {
			t.Errorf("alarms %b alarm %v, want energy_balance", st.Alarms, r.out.Alarm)
		}
	})
	t.Run("start_up_is_stored_heat", func(t *testing.T) {
		// A cold start: the oil warms by 15 K under full power; the heat it
		// stores is no imbalance.
		r := newRig(t)
		r.oilIn, r.oilOut = 25, 25
		r.boot()
		for range ticks(3 * r.cfg.BalanceS) {
			r.oilIn = min(r.oilIn+0.0005, healthyC) // 0.3 K/min
			r.step()
			if st := r.st(); st.Alarms != 0 || st.State == StateTripped {
				t.Fatalf("warming: %s alarms %b imbalance %v", st.State, st.Alarms, st.Imbalance)
			}
		}
	})
	t.Run("below_min_power", func(t *testing.T) {
		r := running(t)
		for i := 1; i < rigMods; i++ {
			r.wish.Module[i] = hal.LevelOff // one module at full: 450 W
		}
		r.steps(ticks(6 * r.cfg.BalanceS)) // the averages forget the full hub (e^-6)
		r.oilFlowTrue = 0.5                // 900 W carried: under balance_min_w too
		if k := r.until(func() bool { return r.st().State != StateRunning }, 2*ticks(r.cfg.BalanceS)); k >= 0 {
			t.Errorf("%s at %v of compute, below balance_min_w", r.st().State, r.in.Module[0].Power)
		}
	})
}

// A water pump that reports a blocked rotor: heat cannot leave, so compute
// is shut down gracefully (LevelOff, cooling at maximum), then stop to
// standby when every module is unpowered; not latched.
func TestWaterPumpBlockedShutsDown(t *testing.T) {
	r := running(t)
	r.pumpAlarm[hal.PumpWater] = hal.PumpBlocked
	debounce := ticks(r.cfg.DebounceS)
	if k := r.until(r.inState(StateShutdown), 3*debounce); k != debounce {
		t.Fatalf("shutdown after %d ticks, want %d (debounce_s)", k, debounce)
	}
	if c := r.st().Cause; c != CauseWaterPump {
		t.Errorf("cause %s, want water_pump", c)
	}
	gracefulOff(t, r)
	// The modules see the command on the next tick and take gracefulS to
	// shut down; the layer stops on the tick it sees the last one unpowered.
	want := ticks(gracefulS)
	if k := r.until(r.inState(StateStandby), 2*ticks(r.cfg.ShutdownDeadlineS)); k != want {
		t.Fatalf("standby after %d ticks, want %d", k, want)
	}
	if st := r.st(); st.Isolated != 0 || st.Cause != CauseWaterPump {
		t.Errorf("isolated %b cause %s: a compliant shutdown cuts no module", st.Isolated, st.Cause)
	}
	// Held in standby while the pump stays blocked.
	r.steps(ticks(60))
	if s := r.st().State; s != StateStandby {
		t.Fatalf("%s with the water pump still blocked, want standby", s)
	}
	r.pumpAlarm[hal.PumpWater] = hal.PumpNormal
	if k := r.until(r.inState(StateRunning), ticks(5)); k != 0 {
		t.Errorf("running again after %d ticks, want 0", k)
	}
}

// A pump alarm on the feedback line (warning, electrical) raises an alarm
// after debounce_s; while flow is proven nothing else happens.
func TestPumpFeedbackAlarm(t *testing.T) {
	for _, a := range []hal.PumpAlarm{hal.PumpWarning, hal.PumpElectrical} {
		t.Run(a.String(), func(t *testing.T) {
			r := running(t)
			r.pumpAlarm[hal.PumpOil] = a
			want := ticks(r.cfg.DebounceS)
			if k := r.until(func() bool { return r.st().Alarms&(1<<CausePumpAlarm) != 0 }, 3*want); k != want {
				t.Fatalf("alarm after %d ticks, want %d", k, want)
			}
			if st := r.st(); st.State != StateRunning || !r.out.Alarm {
				t.Errorf("%s alarm %v, want running with the alarm on", st.State, r.out.Alarm)
			}
		})
	}
}

// A module that does not comply is cut on its own: the others run on.
func TestModuleEscalation(t *testing.T) {
	cfg := DefaultConfig()
	cases := []struct {
		name   string
		module int
		fault  func(r *rig, i int)
		cutAt  int
	}{
		// Told 50 %, it stays at 100 %: cut once it has run above its
		// command for throttle_deadline_s (it is seen there from the tick
		// after the command).
		{"ignores_throttle", 2, func(r *rig, i int) {
			r.mod[i].ignoreThrottle = true
			r.wish.Module[i] = hal.Level50
		}, ticks(cfg.ThrottleDeadlineS) + 1},
		// Told to shut down, still powered after shutdown_deadline_s.
		{"ignores_shutdown", 3, func(r *rig, i int) {
			r.mod[i].ignoreShutdown = true
			r.wish.Module[i] = hal.LevelOff
		}, ticks(cfg.ShutdownDeadlineS) + 1},
		// Its agent stops answering: cut after silent_s.
		{"silent", 5, func(r *rig, i int) { r.mod[i].silent = true }, ticks(cfg.SilentS)},
		// A compliant module told to shut down is never cut.
		{"complies_shutdown", 4, func(r *rig, i int) { r.wish.Module[i] = hal.LevelOff }, -1},
		{"complies_throttle", 1, func(r *rig, i int) { r.wish.Module[i] = hal.LevelIdle }, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := running(t)
			tc.fault(r, tc.module)
			bit := uint32(1) << tc.module
			k := r.until(func() bool { return r.st().Isolated != 0 }, 3*ticks(cfg.ShutdownDeadlineS))
			if k != tc.cutAt {
				t.Fatalf("cut after %d ticks, want %d", k, tc.cutAt)
			}
			if k < 0 {
				return
			}
			st := r.st()
			if st.Isolated != bit || st.Cap[tc.module] != hal.LevelCut || r.out.Module[tc.module] != hal.LevelCut {
				t.Errorf("isolated %b cap %s out %s, want module %d alone cut", st.Isolated, st.Cap[tc.module],
					r.out.Module[tc.module], tc.module)
			}
			for i := range rigMods {
				if i != tc.module && r.out.Module[i] != r.wish.Module[i] {
					t.Errorf("module %d at %s, wished %s: only the culprit is touched", i, r.out.Module[i], r.wish.Module[i])
				}
			}
			if st.State != StateRunning || st.Alarms&(1<<CauseModule) == 0 || !r.out.Alarm {
				t.Errorf("%s alarms %b alarm %v, want running with a module alarm", st.State, st.Alarms, r.out.Alarm)
			}
			// Isolation holds until an engineer's reset.
			r.steps(ticks(60))
			if r.out.Module[tc.module] != hal.LevelCut {
				t.Errorf("module %d back to %s without a reset", tc.module, r.out.Module[tc.module])
			}
			r.mod[tc.module] = rigModule{}
			r.wish.Module[tc.module] = hal.Level100
			r.reset = true
			r.steps(2)
			if st := r.st(); st.Isolated != 0 || r.out.Module[tc.module] != hal.LevelIdle {
				t.Errorf("after a reset: isolated %b module at %s, want it back at idle", st.Isolated, r.out.Module[tc.module])
			}
			// It comes back level by level, one per start_step_s.
			r.steps(ticks(4 * r.cfg.StartStepS))
			if r.out.Module[tc.module] != hal.Level100 {
				t.Errorf("after a reset and four steps: module at %s, want 100%%", r.out.Module[tc.module])
			}
		})
	}
}

// A module that ignores its throttle while the layer sheds it step by step
// is cut throttle_deadline_s after it first ran above its command: each new
// step down does not start its deadline again.
func TestModuleIgnoringThrottleWhileShedding(t *testing.T) {
	r := running(t)
	last := rigMods - 1 // shed first
	r.mod[last].ignoreThrottle = true
	r.ramp(hal.TempOilInA, r.cfg.OilIn.WarnC-0.1)
	r.pin[hal.TempOilInA].v = r.cfg.OilIn.WarnC
	k := r.until(func() bool { return r.st().Isolated != 0 }, 10*ticks(r.cfg.ShedStepS))
	if want := ticks(r.cfg.ThrottleDeadlineS) + 1; k != want {
		t.Fatalf("cut after %d ticks, want %d", k, want)
	}
	if st := r.st(); st.Isolated != 1<<last || r.out.Module[last] != hal.LevelCut {
		t.Errorf("isolated %b, module %d at %s; want it alone cut", st.Isolated, last, r.out.Module[last])
	}
}

// wantCaps returns each module's cap with n shedding steps in force: the last
// module (lowest priority) loses a level per step first, down to off.
func wantCaps(n int) (caps [rigMods]hal.Level) {
	for i := range caps {
		s := min(max(n-shedPerModule*(rigMods-1-i), 0), shedPerModule)
		caps[i] = hal.Level100 - hal.Level(s)
	}
	return caps
}

func (r *rig) caps() (caps [rigMods]hal.Level) {
	st := r.st()
	copy(caps[:], st.Cap[:rigMods])
	return caps
}

// While an over-temperature warning persists, compute is shed one step per
// shed_step_s, module by module from the last; with every warning clear, a
// step is given back per restore_s, the first module first. However long the
// warning lasted, the first step comes back restore_s after it cleared.
func TestShedAndRestore(t *testing.T) {
	r := running(t)
	cfg := &r.cfg
	step, restore := ticks(cfg.ShedStepS), ticks(cfg.RestoreS)
	total := shedPerModule * rigMods
	// The oil itself heats (both probes, and oil out with them): a plant
	// that agrees with itself, so no plausibility alarm muddles the states.
	r.rampOil(cfg.OilIn.WarnC - 0.1)
	r.oilIn = cfg.OilIn.WarnC
	for n := 1; n <= total; n++ {
		for k := range step {
			r.step()
			st := r.st()
			want := n
			if st.ShedSteps != want || r.caps() != wantCaps(want) {
				t.Fatalf("step %d tick %d: %d shed steps, caps %v; want %d, %v", n, k, st.ShedSteps, r.caps(), want, wantCaps(want))
			}
			if st.State != StateShedding || st.Cause != CauseOilInHigh {
				t.Fatalf("step %d: %s cause %s, want shedding on oil_in_high", n, st.State, st.Cause)
			}
			for i := range rigMods {
				if r.out.Module[i] != min(r.wish.Module[i], st.Cap[i]) {
					t.Fatalf("module %d at %s, cap %s", i, r.out.Module[i], st.Cap[i])
				}
			}
		}
	}
	if st := r.st(); st.ModuleCap != hal.LevelOff || st.Isolated != 0 {
		t.Fatalf("every step shed: module cap %s isolated %b, want off and none cut", st.ModuleCap, st.Isolated)
	}
	// The warning lasts on with nothing left to shed.
	r.steps(10 * step)
	if n := r.st().ShedSteps; n != total {
		t.Errorf("%d shed steps with %d modules, want at most %d", n, rigMods, total)
	}
	// Clear: below warn - hyst. Restore counts from the last warned tick.
	r.rampOil(cfg.OilIn.WarnC - units.Celsius(cfg.OilIn.HystK) - 0.5)
	if r.st().CoolHarder {
		t.Fatal("still warned below warn - hyst")
	}
	at := r.lastWarn
	for n := total - 1; n >= 0; n-- {
		base := r.n
		k := r.until(func() bool { return r.st().ShedSteps == n }, 2*restore)
		if k < 0 || base+k != at+restore {
			t.Fatalf("restored to %d steps at tick %d, want %d (restore_s after the last)", n, base+k, at+restore)
		}
		at = base + k
		if r.caps() != wantCaps(n) {
			t.Fatalf("%d steps: caps %v, want %v", n, r.caps(), wantCaps(n))
		}
		if s := r.st().State; n > 0 && s != StateShedding || n == 0 && s != StateRunning {
			t.Fatalf("%d steps: %s", n, s)
		}
	}
}

// tripWith drives the rig into a latched trip of the given kind and returns
// a function that clears the cause on the plant.
type tripKind struct {
	name  string
	cause Cause
	trip  func(r *rig)
	clear func(r *rig)
	// half clears it partly: no longer past the trip limit, but not cleared
	// (still above warn - hyst, or a warning still in force).
	half func(r *rig)
}

var tripKinds = []tripKind{
	{"leak", CauseLeak,
		func(r *rig) { r.leak = true; r.steps(ticks(r.cfg.DebounceS) + 1) },
		func(r *rig) { r.leak = false; r.step() },
		nil},
	{"oil_in_high", CauseOilInHigh,
		func(r *rig) { r.ramp(hal.TempOilInA, r.cfg.OilIn.TripC) },
		func(r *rig) { r.ramp(hal.TempOilInA, healthyC); r.pin[hal.TempOilInA].on = false },
		func(r *rig) { r.ramp(hal.TempOilInA, r.cfg.OilIn.WarnC-1) }},
	{"pressure_low", CausePressureLow,
		func(r *rig) { r.rampPressure(r.cfg.PressureTripLowBar); r.steps(ticks(r.cfg.DebounceS) + 1) },
		func(r *rig) { r.rampPressure(healthyP) },
		func(r *rig) { r.rampPressure(r.cfg.PressureWarnLowBar + r.cfg.PressureHystBar/2) }},
	{"no_oil_flow", CauseNoOilFlow,
		func(r *rig) {
			r.hook = func(r *rig, in *hal.Inputs) { in.Flow[hal.FlowOil].Value = 0 }
			r.steps(ticks(r.cfg.FlowProofS) + 1)
		},
		func(r *rig) { r.hook = nil; r.step() },
		nil},
}

// resetProves lists the trips whose cause cannot persist once compute is
// cut (no oil flow matters only to a powered module): a reset is let through
// and the self-test must prove the cause gone.
var resetProves = map[Cause]bool{CauseNoOilFlow: true}

// A latched trip stays latched with its cause cleared and no reset, and with
// a reset while its cause has not cleared; a reset with the cause cleared
// re-arms through self_test and standby to running.
func TestTripLatches(t *testing.T) {
	for _, tk := range tripKinds {
		t.Run(tk.name, func(t *testing.T) {
			r := running(t)
			tk.trip(r)
			if st := r.st(); st.State != StateTripped || st.Cause != tk.cause {
				t.Fatalf("%s cause %s, want tripped on %s", st.State, st.Cause, tk.cause)
			}
			tripAt := r.st().TripAt
			hold := func(why string) {
				t.Helper()
				for range ticks(30) {
					r.step()
					st := r.st()
					if st.State != StateTripped || st.Cause != tk.cause || st.TripAt != tripAt {
						t.Fatalf("%s: %s cause %s at %v, want the latch on %s at %v", why, st.State, st.Cause,
							st.TripAt, tk.cause, tripAt)
					}
					for i := range rigMods {
						if r.out.Module[i] != hal.LevelCut || r.in.Module[i].Relay {
							t.Fatalf("%s: module %d at %s relay %v", why, i, r.out.Module[i], r.in.Module[i].Relay)
						}
					}
				}
			}
			if !resetProves[tk.cause] {
				r.reset = true
				hold("reset with the cause present")
			}
			if tk.half != nil {
				tk.half(r)
				r.reset = true
				hold("reset with the cause not cleared")
			}
			tk.clear(r)
			hold("cause cleared, no reset")
			r.steps(ticks(600))
			hold("cause cleared ten minutes, no reset")
			r.reset = true
			r.step()
			if s := r.st().State; s != StateSelfTest {
				t.Fatalf("reset with the cause cleared: %s, want self_test", s)
			}
			if k := r.until(r.inState(StateStandby), ticks(r.cfg.SelfTestS)); k < 0 {
				t.Fatalf("self-test did not pass: %s failed %b", r.st().State, r.st().SelfTest)
			}
			if k := r.until(r.inState(StateRunning), ticks(2)); k < 0 {
				t.Fatalf("not running after standby: %s", r.st().State)
			}
			if st := r.st(); st.Cause != CauseNone {
				t.Errorf("running with cause %s", st.Cause)
			}
		})
	}
}

// After a power cut the edge restores a persisted trip: the new layer is
// latched from its first tick, imposes the cause's safe state on a healthy
// plant, and leaves only by a reset.
func TestRestoreAfterPowerCutStaysLatched(t *testing.T) {
	cases := []struct {
		cause Cause
		safe  outCheck
	}{
		{CauseLeak, leakSafe},
		{CausePressureLow, pressureLowSafe},
		{CauseOilInHigh, overTempSafe},
		{CauseSelfTest, overTempSafe}, // a record that cannot be read
	}
	for _, tc := range cases {
		t.Run(tc.cause.String(), func(t *testing.T) {
			r := newRig(t)
			at := units.Time(123 * units.Second) // the old boot's clock
			r.l.Restore(tc.cause, at)
			for range ticks(120) {
				r.step()
				st := r.st()
				if st.State != StateTripped || st.Cause != tc.cause || st.TripAt != at {
					t.Fatalf("%s cause %s at %v, want tripped on %s at %v", st.State, st.Cause, st.TripAt, tc.cause, at)
				}
				tc.safe(t, r)
			}
			r.reset = true
			if k := r.until(r.inState(StateRunning), ticks(r.cfg.SelfTestS+5)); k < 0 {
				t.Fatalf("reset: %s, want running", r.st().State)
			}
		})
	}
}

// Maintenance: an engineer's hold on a running plant shuts compute down
// gracefully, holds it cut, and hands back through self_test.
func TestMaintenance(t *testing.T) {
	r := running(t)
	r.maintenance = true
	r.step()
	if st := r.st(); st.State != StateShutdown || st.Cause != CauseNone {
		t.Fatalf("maintenance asked: %s cause %s, want shutdown", st.State, st.Cause)
	}
	modulesAt(hal.LevelOff)(t, r)
	if k := r.until(r.inState(StateMaintenance), 2*ticks(gracefulS)); k != ticks(gracefulS)+1 {
		t.Fatalf("maintenance after %d ticks, want %d (the graceful shutdown, stop, then maintenance)", k, ticks(gracefulS)+1)
	}
	for range ticks(60) {
		r.step()
		if s := r.st().State; s != StateMaintenance {
			t.Fatalf("%s during maintenance", s)
		}
		modulesAt(hal.LevelCut)(t, r)
		if o := &r.out; o.Pump != r.wish.Pump || o.Valve != r.wish.Valve || o.Fan != r.wish.Fan {
			t.Fatalf("hydraulics %+v, want the engineer's %+v", *o, r.wish)
		}
	}
	// Protection stays on: a leak during maintenance trips.
	r.leak = true
	if k := r.until(r.inState(StateTripped), ticks(10)); k != ticks(r.cfg.DebounceS) {
		t.Fatalf("leak in maintenance: tripped after %d ticks, want %d", k, ticks(r.cfg.DebounceS))
	}
	leakSafe(t, r)
	// The leak persists: the latch and its safe state hold, maintenance or not.
	for range ticks(30) {
		r.step()
		if st := r.st(); st.State != StateTripped {
			t.Fatalf("%s with the leak still there", st.State)
		}
		leakSafe(t, r)
	}
	// Mopped up: maintenance from tripped; handing back needs every cause
	// cleared, like a reset.
	r.leak = false
	if k := r.until(r.inState(StateMaintenance), ticks(10)); k != 0 {
		t.Fatalf("maintenance from tripped after %d ticks, want 0", k)
	}
	floor := r.cfg.OilIn.WarnC - units.Celsius(r.cfg.OilIn.HystK)
	r.ramp(hal.TempOilInA, floor) // not below warn - hyst
	r.maintenance = false
	r.steps(ticks(30))
	if s := r.st().State; s != StateMaintenance {
		t.Fatalf("handed back with a cause not cleared: %s", s)
	}
	r.pin[hal.TempOilInA] = pin{on: true, v: floor - 0.1, exact: true}
	if k := r.until(r.inState(StateSelfTest), ticks(1)); k != 0 {
		t.Fatalf("handed back after %d ticks: %s, want self_test", k, r.st().State)
	}
	if k := r.until(r.inState(StateRunning), ticks(r.cfg.SelfTestS+5)); k < 0 {
		t.Fatalf("not running after maintenance: %s", r.st().State)
	}
}

// A trip that happens during the self-test must not leave the valve test
// armed from that attempt: after the reset the dump valve proves again that
// it moves, from where it is now.
func TestSelfTestAfterTripRetestsTheValve(t *testing.T) {
	r := newRig(t)
	r.leak = true // present at power-on: trips during the self-test
	r.step()
	if k := r.until(r.inState(StateTripped), ticks(r.cfg.SelfTestS)); k < 0 {
		t.Fatalf("no trip: %s", r.st().State)
	}
	r.steps(ticks(60)) // the valve travels to control's wish meanwhile
	r.valveStuck[hal.ValveDump] = true
	r.leak = false
	r.step()
	r.reset = true
	r.step()
	if s := r.st().State; s != StateSelfTest {
		t.Fatalf("reset: %s, want self_test", s)
	}
	k := r.until(func() bool { return r.st().State != StateSelfTest }, 2*ticks(r.cfg.SelfTestS))
	if st := r.st(); st.State != StateTripped || st.Cause != CauseSelfTest || st.SelfTest != 1<<CauseSelfTest {
		t.Fatalf("stuck dump valve: %s cause %s failed %b, want tripped on self_test", st.State, st.Cause, st.SelfTest)
	}
	if want := ticks(r.cfg.SelfTestS) - 1; k != want {
		t.Errorf("self-test failed after %d ticks, want %d", k, want)
	}
}

// The self-test's checks, each failing alone: configuration or watchdog,
// a probe, the pressure sensor, each pump's flow, the dump valve. It fails
// after self_test_s into a latched trip, cause self_test, the failed checks
// reported.
func TestSelfTestFailures(t *testing.T) {
	cases := []struct {
		name   string
		fault  func(r *rig)
		failed uint32
	}{
		{"watchdog", func(r *rig) { r.watchdog = false }, 1 << CauseSelfTest},
		{"configuration", func(r *rig) { r.l.cfg.OilIn.TripC-- }, 1 << CauseSelfTest},
		{"tank_probe", func(r *rig) { r.status[hal.TempTankTop] = hal.StatusOpen }, 1 << CauseSensor},
		{"pressure_sensor", func(r *rig) { r.pressStatus = hal.StatusShort }, 1 << CausePressureLow},
		{"oil_pump", func(r *rig) {
			r.hook = func(r *rig, in *hal.Inputs) { in.Flow[hal.FlowOil].Value = r.cfg.SelfTestFlowLPM - 1 }
		}, 1 << CauseNoOilFlow},
		{"water_pump", func(r *rig) { r.pumpAlarm[hal.PumpWater] = hal.PumpBlocked }, 1 << CauseWaterPump},
		{"dump_valve", func(r *rig) { r.valveStuck[hal.ValveDump] = true }, 1 << CauseSelfTest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			tc.fault(r)
			r.step()
			if s := r.st().State; s != StateSelfTest {
				t.Fatalf("first tick: %s", s)
			}
			k := r.until(func() bool { return r.st().State != StateSelfTest }, 2*ticks(r.cfg.SelfTestS))
			if want := ticks(r.cfg.SelfTestS) - 1; k != want {
				t.Errorf("left self_test after %d ticks, want %d", k, want)
			}
			st := r.st()
			if st.State != StateTripped || st.Cause != CauseSelfTest || st.SelfTest != tc.failed {
				t.Fatalf("%s cause %s failed %b, want tripped on self_test with %b", st.State, st.Cause, st.SelfTest, tc.failed)
			}
			overTempSafe(t, r)
		})
	}
}

// No oil flow matters only while a module is powered, so once compute is cut
// the reset is let through; the self-test then refuses a pump or meter that
// still proves no flow, and latches again.
func TestResetWithOilFlowUnprovenFailsSelfTest(t *testing.T) {
	r := running(t)
	r.hook = func(r *rig, in *hal.Inputs) { in.Flow[hal.FlowOil].Value = 0 }
	if k := r.until(r.inState(StateTripped), 2*ticks(r.cfg.FlowProofS)); k < 0 {
		t.Fatal("no trip")
	}
	r.steps(ticks(30))
	r.reset = true
	r.step()
	if s := r.st().State; s != StateSelfTest {
		t.Fatalf("reset: %s, want self_test", s)
	}
	if k := r.until(r.inState(StateTripped), 2*ticks(r.cfg.SelfTestS)); k != ticks(r.cfg.SelfTestS)-1 {
		t.Fatalf("self-test failed after %d ticks, want %d", k, ticks(r.cfg.SelfTestS)-1)
	}
	if st := r.st(); st.Cause != CauseSelfTest || st.SelfTest != 1<<CauseNoOilFlow {
		t.Errorf("cause %s failed %b, want self_test on no_oil_flow", st.Cause, st.SelfTest)
	}
	for range ticks(10) {
		r.step()
		overTempSafe(t, r)
	}
}

// chaos lays random faults on the rig's plant, each for a random while.
type chaos struct {
	rng     *rand.Rand
	end     [numFaults]int // step at which an active fault ends; 0: inactive
	hotC    units.Celsius  // where the oil is heading
	probe   hal.TempID
	module  int
	visited [NumStates]bool
}

const (
	faultLeak = iota
	faultPressure
	faultHot
	faultPumpBlocked
	faultProbe
	faultMaintenance
	faultSilent
	numFaults
)

// startP is each fault's chance per tick of starting; lastS its longest span.
var chaosFaults = [numFaults]struct {
	startP float64
	lastS  float64
}{
	faultLeak:        {1.0 / 36000, 60},
	faultPressure:    {1.0 / 24000, 60},
	faultHot:         {1.0 / 6000, 900},
	faultPumpBlocked: {1.0 / 36000, 120},
	faultProbe:       {1.0 / 12000, 120},
	faultMaintenance: {1.0 / 36000, 600},
	faultSilent:      {1.0 / 24000, 60},
}

func (c *chaos) apply(r *rig, f int, on bool) {
	switch f {
	case faultLeak:
		r.leak = on
	case faultPressure:
		r.pressure = healthyP
		if on {
			r.pressure = units.Bar(0.3 + 2.7*c.rng.Float64())
		}
	case faultHot:
		c.hotC = healthyC
		if on {
			c.hotC = units.Celsius(50 + 10*c.rng.Float64())
		}
	case faultPumpBlocked:
		r.pumpAlarm[hal.PumpWater] = hal.PumpNormal
		if on {
			r.pumpAlarm[hal.PumpWater] = hal.PumpBlocked
		}
	case faultProbe:
		if on {
			c.probe = [...]hal.TempID{hal.TempOilInA, hal.TempOilInB, hal.TempOilOut, hal.TempWaterFlow,
				hal.TempTankTop}[c.rng.IntN(5)]
			r.status[c.probe] = hal.Status(2 + c.rng.IntN(4)) // open, short, crc, range
		} else {
			r.status[c.probe] = hal.StatusOK
		}
	case faultMaintenance:
		r.maintenance = on
	case faultSilent:
		if on {
			c.module = c.rng.IntN(rigMods)
		}
		r.mod[c.module].silent = on
	}
}

// tick starts and ends faults, moves the oil and writes a random wish.
func (c *chaos) tick(r *rig) {
	for f := range numFaults {
		switch {
		case c.end[f] == 0 && c.rng.Float64() < chaosFaults[f].startP:
			c.end[f] = r.n + 1 + c.rng.IntN(ticks(chaosFaults[f].lastS))
			c.apply(r, f, true)
		case c.end[f] != 0 && r.n >= c.end[f]:
			c.end[f] = 0
			c.apply(r, f, false)
		}
	}
	r.oilIn += min(max(c.hotC-r.oilIn, -0.02), 0.02)
	r.reset = c.rng.Float64() < 1.0/600
	w := &r.wish
	for i := range w.Module {
		w.Module[i] = hal.Level(c.rng.IntN(int(hal.NumLevels) + 3)) // levels past the last too
	}
	for p := range w.Pump {
		w.Pump[p] = units.Ratio(0.3 + 0.9*c.rng.Float64())
	}
	for v := range w.Valve {
		w.Valve[v] = units.Ratio(c.rng.Float64())
	}
	w.Fan = units.Ratio(c.rng.Float64())
	w.Immersion = c.rng.IntN(2) == 0
	w.Alarm = false
}

// checkArbitration asserts what the layer promises of every output, whatever
// control wished: no module above its cap nor above its wish, the state's
// caps, isolation, the immersion heater only when it is safe, the safe state
// of the cause, cooling at maximum under a warning, and the alarm.
func checkArbitration(t *testing.T, r *rig, wish *hal.Outputs) {
	t.Helper()
	st, out := r.st(), &r.out
	fail := func(what string) {
		t.Helper()
		t.Fatalf("tick %d, %s (cause %s): %s\nwish %+v\nout  %+v", r.n, st.State, st.Cause, what, *wish, *out)
	}
	var stateCap hal.Level
	switch st.State {
	case StateTripped, StateMaintenance:
		stateCap = hal.LevelCut
	case StateBoot, StateSelfTest, StateStandby, StateShutdown:
		stateCap = hal.LevelOff
	default:
		stateCap = hal.Level100
	}
	for i := range out.Module {
		switch m := out.Module[i]; {
		case m > st.Cap[i]:
			fail("a module above its cap")
		case m > wish.Module[i]:
			fail("a module above control's wish")
		case m > stateCap:
			fail("a module above what the state allows")
		case i < rigMods && m > st.ModuleCap:
			fail("a module above the module cap")
		case st.Isolated&(1<<i) != 0 && m != hal.LevelCut:
			fail("an isolated module not cut")
		}
	}
	tank := &r.l.probes[hal.TempTankTop]
	if out.Immersion && (!wish.Immersion || st.CoolHarder || !r.l.known(hal.TempTankTop, r.in.Now) ||
		tank.value >= r.cfg.Tank.WarnC || st.State == StateSelfTest || st.State == StateShutdown || st.State == StateTripped) {
		fail("immersion heater on")
	}
	coolMaxed := out.Pump == [hal.NumPumps]units.Ratio{1, 1} && out.Valve[hal.ValveDump] == 1 &&
		out.Valve[hal.ValveTank] == 0 && out.Fan == 1 && !out.Immersion
	// Tripped, the safe states of every cause in force combine: a leak stops
	// the oil pump, low pressure the water pump, and the rest cools at its
	// maximum.
	leak, low := st.TripCauses&CauseLeak.Bit() != 0, st.TripCauses&CausePressureLow.Bit() != 0
	switch {
	case st.State == StateTripped:
		wantOil, wantWater := units.Ratio(1), units.Ratio(1)
		if leak {
			wantOil = 0
		}
		if low {
			wantWater = 0
		}
		if out.Pump[hal.PumpOil] != wantOil || out.Pump[hal.PumpWater] != wantWater || out.Valve[hal.ValveDump] != 1 ||
			out.Valve[hal.ValveTank] != 0 || out.Fan != 1 || out.Immersion || !out.Alarm {
			fail("not the combined safe state of the causes in force")
		}
		if st.TripCauses&st.Cause.Bit() == 0 || !st.Latched {
			fail("the first cause not among the causes in force, or not latched")
		}
	case st.State == StateShutdown:
		if !coolMaxed || !out.Alarm {
			fail("not cooling at maximum")
		}
	case st.CoolHarder && st.State != StateSelfTest && !st.Latched:
		if !coolMaxed {
			fail("a warning and not cooling at maximum")
		}
	}
	if st.Latched && (leak && out.Pump[hal.PumpOil] != 0 || low && out.Pump[hal.PumpWater] != 0) {
		fail("a pump a latched cause stopped runs again")
	}
	if (st.Warnings != 0 || st.Alarms != 0) && !out.Alarm {
		fail("warnings or alarms and no alarm")
	}
	// A trip condition in force is latched, whatever the engineer asks.
	held := func(tm *timer) bool { return tm.on && r.in.Now.Sub(tm.since).Seconds() >= r.cfg.DebounceS }
	if (held(&r.l.leak) || held(&r.l.pressLow)) && st.State != StateTripped {
		fail("a leak or low pressure in force and not tripped")
	}
}

// Property: whatever control wishes and whatever goes wrong, every output
// passes arbitration. Random wishes (levels past the last included) and
// random faults, each seed three hours at 10 Hz.
func TestArbitrationProperty(t *testing.T) {
	seeds, hours := 6, 3.0
	if testing.Short() {
		seeds, hours = 2, 1
	}
	var visited [NumStates]int
	for seed := range seeds {
		c := &chaos{rng: rand.New(rand.NewPCG(uint64(seed), 0x6865617274)), hotC: healthyC}
		r := newRig(t)
		for range ticks(hours * 3600) {
			c.tick(r)
			wish := r.wish
			r.step()
			checkArbitration(t, r, &wish)
			visited[r.st().State]++
		}
	}
	for s := StateSelfTest; s < NumStates; s++ {
		if visited[s] == 0 {
			t.Errorf("state %s never visited: the property says nothing of it", s)
		}
	}
	t.Logf("ticks per state: %v", visited)
}

// steadyTick advances steady-running inputs by one tick in place: every
// sample renewed, every probe flickering by one step.
func steadyTick(in *hal.Inputs) {
	in.Now = in.Now.Add(tick)
	now := in.Now
	f := flickerK
	if (now/units.Time(tick))%2 == 0 {
		f = -flickerK
	}
	for id := range in.Temp {
		in.Temp[id].Value += f
		in.Temp[id].At = now
	}
	in.Pressure.At, in.Leak.At, in.OilLow.At, in.Fan.At = now, now, now, now
	in.Pressure.Value += units.Bar(f / 64) // one ADC count
	for i := range in.Flow {
		in.Flow[i].At = now
		in.Flow[i].Value += units.LitrePerMin(f * 16 / 5.5) // one pulse
	}
	for i := range in.Pump {
		in.Pump[i].At = now
	}
	for i := range in.Valve {
		in.Valve[i].At = now
	}
	for i := range in.NumModules {
		in.Module[i].At, in.Module[i].Feed.At = now, now
	}
}

// BenchmarkLayerStep is one tick of steady running with realistic inputs.
func BenchmarkLayerStep(b *testing.B) {
	r := running(b)
	b.ReportAllocs()
	for b.Loop() {
		steadyTick(&r.in)
		r.l.Step(&r.in, &r.wish, &r.out)
	}
	if s := r.st().State; s != StateRunning {
		b.Fatalf("%s after the benchmark, want running", s)
	}
}

// A tick of steady running allocates nothing (looplab/fsm allocates on a
// transition; steady ticks fire none).
func TestLayerStepDoesNotAllocate(t *testing.T) {
	r := running(t)
	allocs := testing.AllocsPerRun(1000, func() {
		steadyTick(&r.in)
		r.l.Step(&r.in, &r.wish, &r.out)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per tick, want 0", allocs)
	}
	if st := r.st(); st.State != StateRunning || st.Alarms != 0 {
		t.Errorf("%s alarms %b: not steady running", st.State, st.Alarms)
	}
}

// A reading that is not a number is not believed, whatever the driver says:
// it compares false with every limit, and as the hotter of two oil-in probes
// it would blind the other.
func TestNaNReadingIsNotBelieved(t *testing.T) {
	r := running(t)
	r.hook = func(r *rig, in *hal.Inputs) { in.Temp[hal.TempOilInB].Value = units.Celsius(math.NaN()) }
	r.step()
	if p := &r.l.probes[hal.TempOilInB]; p.valid {
		t.Errorf("NaN believed")
	}
	r.ramp(hal.TempOilInA, r.cfg.OilIn.TripC)
	if st := r.st(); st.State != StateTripped || st.Cause != CauseOilInHigh {
		t.Errorf("oil in a at its trip limit, b NaN: %s cause %s, want tripped on oil_in_high", st.State, st.Cause)
	}
}

// A pressure that is not a number is a sensor fault, not a pressure in band.
func TestNaNPressureIsASensorFault(t *testing.T) {
	r := running(t)
	r.pressure = units.Bar(math.NaN())
	r.step()
	if st := r.st(); st.State != StateDegraded || st.Alarms != 1<<CauseSensor || !r.out.Alarm {
		t.Errorf("%s alarms %b alarm %v, want degraded with a sensor alarm", st.State, st.Alarms, r.out.Alarm)
	}
}
