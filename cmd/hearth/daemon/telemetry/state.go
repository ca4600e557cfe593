package telemetry

import (
	"math"
	"math/bits"
	"time"

	"hearth/hal"
	"hearth/safety"
)

// State is the hub as telemetry shows it: the JSON retained on
// hearth/<hub_id>/state, and what /metrics reads. A value that is not
// believed (its driver does not vouch for it, or safety does not trust
// the channel) is null in the JSON and absent from /metrics.
type State struct {
	Hub     string    `json:"hub"`
	Time    time.Time `json:"time"`
	Ticks   uint64    `json:"ticks"`
	Safety  string    `json:"safety_state"`
	Cause   string    `json:"cause"`
	Latched bool      `json:"latched"`

	Temps       map[string]*float64 `json:"temperatures_c"`
	Flows       map[string]*float64 `json:"flows_lpm"`
	PressureBar *float64            `json:"pressure_bar"`

	// ComputeW is the modules' draw on their feed meters (the agents'
	// word where a feed meter is not believed).
	ComputeW float64 `json:"compute_power_w"`
	// HeatW is the heat the primary water carries from the exchanger,
	// split by the valves: to the tank, the radiators and the dump.
	HeatW Heat `json:"heat_w"`
	// Energies since the daemon started, integrated at 1 Hz (kWh).
	ComputeKWh float64 `json:"compute_energy_kwh"`
	HeatKWh    Heat    `json:"heat_energy_kwh"`
	// ERF is the heat delivered to the home (tank and radiators) over the
	// energy the modules drew, since the start; null before any.
	ERF *float64 `json:"erf"`

	Modules []Module `json:"modules"`
	Faults  Faults   `json:"faults"`

	// Counters for /metrics, not published in the JSON.
	counts *counts
}

// Heat is a figure per heat sink.
type Heat struct {
	Tank      float64 `json:"tank"`
	Radiators float64 `json:"radiators"`
	Dump      float64 `json:"dump"`
}

// Module is one compute module.
type Module struct {
	Slot     int     `json:"slot"`
	Relay    bool    `json:"relay"`
	Level    string  `json:"level"`
	PowerW   float64 `json:"power_w"`
	FeedW    float64 `json:"feed_w"`
	Isolated bool    `json:"isolated"`
}

// Faults is what is wrong now, by cause and channel name. Active is every
// cause that is a trip cause (while latched), an alarm or a warning.
type Faults struct {
	Trips     []string `json:"trip_causes"`
	Alarms    []string `json:"alarms"`
	Warnings  []string `json:"warnings"`
	Untrusted []string `json:"untrusted"`
	Active    []string `json:"active"`
}

// counts are the running totals the builder keeps.
type counts struct {
	ComputeJ float64
	HeatJ    Heat
	Trips    [safety.NumCauses]uint64 // latched trips by first-out cause
	Alarms   [safety.NumCauses]uint64 // alarms raised, by cause
	Faults   [hal.NumChannels]uint64  // channel faults (safety's own counts, held monotonic)
	State    safety.State
	Untrust  uint32
}

// waterJPerLK is the primary water's heat capacity per litre.
const waterJPerLK = 4186.0

// builder turns snapshots into States, integrating energy between them.
type builder struct {
	hub     string
	prev    Raw
	have    bool
	c       counts
	rawSeen [hal.NumChannels]uint16
}

func believed(st *safety.Status, c hal.Channel, ok bool) bool {
	return ok && st.Untrusted&c.Bit() == 0
}

func val(v float64, ok bool) *float64 {
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	r := math.Round(v*100) / 100
	return &r
}

// build returns the State of r, taken at wall.
func (b *builder) build(r *Raw, wall time.Time) *State {
	in, st := &r.In, &r.St
	s := &State{Hub: b.hub, Time: wall.UTC(), Ticks: r.Ticks, Safety: st.State.String(), Cause: st.Cause.String(),
		Latched: st.Latched, Temps: map[string]*float64{}, Flows: map[string]*float64{}, Modules: []Module{}}
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		s.Temps[id.String()] = val(float64(in.Calibrated(id)), believed(st, hal.TempChannel(id), in.Temp[id].OK()))
	}
	for f := hal.FlowID(0); f < hal.NumFlows; f++ {
		s.Flows[f.String()] = val(float64(in.Flow[f].Value), believed(st, hal.FlowChannel(f), in.Flow[f].OK()))
	}
	s.PressureBar = val(float64(in.Pressure.Value), believed(st, hal.ChanPressure, in.Pressure.OK()))
	for i := 0; i < in.NumModules; i++ {
		m := &in.Module[i]
		p := float64(m.Feed.Value)
		if !m.Feed.OK() || st.ModuleFeeds&(1<<i) != 0 {
			p = float64(m.Power)
		}
		if !m.Relay {
			p = 0
		}
		s.ComputeW += p
		s.Modules = append(s.Modules, Module{Slot: i + 1, Relay: m.Relay, Level: m.Level.String(),
			PowerW: round1(float64(m.Power)), FeedW: round1(float64(m.Feed.Value)), Isolated: st.Isolated&(1<<i) != 0})
	}
	s.ComputeW = round1(s.ComputeW)
	s.HeatW = heat(in, st)
	b.count(r, s)
	s.Faults = faults(st)
	return s
}

// heat splits the exchanger's heat (water flow times its rise) by the
// valves: ValveDump's share to the dump, ValveTank's share of the rest to
// the tank, the rest to the radiators. Zero while a channel it needs is
// not believed.
func heat(in *hal.Inputs, st *safety.Status) Heat {
	fl, tf, tr := in.Flow[hal.FlowWater], in.Temp[hal.TempWaterFlow], in.Temp[hal.TempWaterReturn]
	if !believed(st, hal.FlowChannel(hal.FlowWater), fl.OK()) || !believed(st, hal.TempChannel(hal.TempWaterFlow), tf.OK()) ||
		!believed(st, hal.TempChannel(hal.TempWaterReturn), tr.OK()) {
		return Heat{}
	}
	q := float64(fl.Value) / 60 * waterJPerLK * float64(in.Calibrated(hal.TempWaterFlow)-in.Calibrated(hal.TempWaterReturn))
	q = max(q, 0)
	dump := clamp01(float64(in.Valve[hal.ValveDump].Value))
	tank := clamp01(float64(in.Valve[hal.ValveTank].Value))
	return Heat{Dump: round1(q * dump), Tank: round1(q * (1 - dump) * tank), Radiators: round1(q * (1 - dump) * (1 - tank))}
}

// count integrates the energies over the time since the last snapshot
// (at most 5 s: a longer gap is not guessed at) and counts the trips,
// alarms and faults that began.
func (b *builder) count(r *Raw, s *State) {
	st := &r.St
	if b.have {
		dt := r.In.Now.Sub(b.prev.In.Now).Seconds()
		if dt > 0 && dt <= 5 {
			b.c.ComputeJ += s.ComputeW * dt
			b.c.HeatJ.Tank += s.HeatW.Tank * dt
			b.c.HeatJ.Radiators += s.HeatW.Radiators * dt
			b.c.HeatJ.Dump += s.HeatW.Dump * dt
		}
		if st.Latched && !b.prev.St.Latched {
			b.c.Trips[min(st.Cause, safety.NumCauses-1)]++
		}
		for m := st.Alarms &^ b.prev.St.Alarms; m != 0; m &= m - 1 {
			b.c.Alarms[bits.TrailingZeros32(m)]++
		}
	} else if st.Latched {
		b.c.Trips[min(st.Cause, safety.NumCauses-1)]++ // latched at boot: counted once
	}
	for ch := range st.FaultCount {
		if n := st.FaultCount[ch]; n > b.rawSeen[ch] {
			b.c.Faults[ch] += uint64(n - b.rawSeen[ch])
		}
		b.rawSeen[ch] = st.FaultCount[ch] // safety's count may restart: the total stays monotonic
	}
	b.c.State, b.c.Untrust = st.State, st.Untrusted
	b.prev, b.have = *r, true
	c := b.c
	s.counts = &c
	s.ComputeKWh = kwh(c.ComputeJ)
	s.HeatKWh = Heat{Tank: kwh(c.HeatJ.Tank), Radiators: kwh(c.HeatJ.Radiators), Dump: kwh(c.HeatJ.Dump)}
	if c.ComputeJ > 0 {
		s.ERF = val((c.HeatJ.Tank+c.HeatJ.Radiators)/c.ComputeJ, true)
	}
}

func faults(st *safety.Status) Faults {
	f := Faults{Trips: []string{}, Alarms: safety.CauseNames(st.Alarms), Warnings: safety.CauseNames(st.Warnings),
		Untrusted: hal.ChannelNames(st.Untrusted)}
	active := st.Alarms | st.Warnings
	if st.Latched {
		f.Trips = safety.CauseNames(st.TripCauses)
		active |= st.TripCauses
	}
	f.Active = safety.CauseNames(active &^ safety.CauseNone.Bit())
	return f
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func kwh(j float64) float64    { return math.Round(j/3.6e6*1e4) / 1e4 }
func clamp01(v float64) float64 {
	return math.Min(math.Max(v, 0), 1)
}
