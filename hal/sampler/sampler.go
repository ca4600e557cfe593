// Package sampler puts a controller's inputs behind samplers: goroutines
// that read the devices at their own pace and publish each timestamped
// sample, so that the tick reads the latest one and never waits on a bus. A
// slow 1-wire conversion or an I2C transaction that hangs delays only its
// own sampler; the samples it holds age, and the safety layer judges them
// stale by their timestamps.
//
// Outputs and modules pass through: a write goes to its driver in the
// tick's goroutine (the edge loop writes the modules first), and
// modules.Power never waits on the network. The modules' feed meters, on
// a bus, are sampled like the inputs (a group of their own).
package sampler

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"hearth/hal"
	"hearth/units"
)

// slot holds the latest sample of one input. Its lock is held only for a
// copy, by the sampler that publishes and the tick that reads.
type slot[T any] struct {
	mu sync.Mutex
	v  T
}

func (s *slot[T]) load() T {
	s.mu.Lock()
	v := s.v
	s.mu.Unlock()
	return v
}

func (s *slot[T]) store(v T) {
	s.mu.Lock()
	s.v = v
	s.mu.Unlock()
}

// Group is one sampler: the devices on one bus, read in turn.
type Group struct {
	Name   string
	Period time.Duration
	read   []func()
	// Counters, for the daemon's stats.
	rounds  atomic.Uint64
	lastNs  atomic.Int64 // duration of the last round
	worstNs atomic.Int64
}

// GroupStats is a snapshot of a group's counters.
type GroupStats struct {
	Name        string  `json:"name"`
	Rounds      uint64  `json:"rounds"`
	LastRoundMs float64 `json:"last_round_ms"`
	MaxRoundMs  float64 `json:"max_round_ms"`
}

// Stats returns the group's counters.
func (g *Group) Stats() GroupStats {
	return GroupStats{Name: g.Name, Rounds: g.rounds.Load(),
		LastRoundMs: float64(g.lastNs.Load()) / 1e6, MaxRoundMs: float64(g.worstNs.Load()) / 1e6}
}

func (g *Group) round() {
	t0 := time.Now()
	for _, r := range g.read {
		r()
	}
	d := time.Since(t0).Nanoseconds()
	g.lastNs.Store(d)
	if d > g.worstNs.Load() {
		g.worstNs.Store(d)
	}
	g.rounds.Add(1)
}

// Run reads the group every Period until ctx ends. The first round runs at
// once.
func (g *Group) Run(ctx context.Context) {
	t := time.NewTicker(g.Period)
	defer t.Stop()
	for {
		g.round()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Set is every input of one hub behind its samplers.
type Set struct {
	Groups []*Group
	temp   [hal.NumTemps]slot[hal.Sample[units.Celsius]]
	press  slot[hal.Sample[units.Bar]]
	flow   [hal.NumFlows]slot[hal.Sample[units.LitrePerMin]]
	leak   slot[hal.Sample[bool]]
	oilLow slot[hal.Sample[bool]]
	pump   [hal.NumPumps]slot[hal.PumpFeedback]
	valve  [hal.NumValves]slot[hal.Sample[units.Ratio]]
	fan    slot[hal.Sample[units.Ratio]]
}

// Periods are the samplers' periods.
type Periods struct {
	Temp    time.Duration // the 1-wire and RTD probes
	Analog  time.Duration // pressure, flow meters, pump feedback, valve and fan positions
	Digital time.Duration // the leak and level switches
}

// DefaultPeriods sample every input at least twice a tick at 10 Hz.
var DefaultPeriods = Periods{Temp: 50 * time.Millisecond, Analog: 50 * time.Millisecond, Digital: 50 * time.Millisecond}

// New puts src's inputs behind samplers and returns the devices the tick
// uses: inputs read from the samplers' slots, outputs and modules src's own.
// Call Run to start the samplers.
func New(src hal.Devices, p Periods) (*Set, hal.Devices) {
	s := &Set{}
	out := src
	temps := &Group{Name: "temp", Period: p.Temp}
	analog := &Group{Name: "analog", Period: p.Analog}
	digital := &Group{Name: "digital", Period: p.Digital}
	for i := range src.Temp {
		d, sl := src.Temp[i], &s.temp[i]
		temps.read = append(temps.read, func() { sl.store(d.Temperature()) })
		out.Temp[i] = tempIn{sl}
	}
	analog.read = append(analog.read, func() { s.press.store(src.Pressure.Pressure()) })
	out.Pressure = pressIn{&s.press}
	for i := range src.Flow {
		d, sl := src.Flow[i], &s.flow[i]
		analog.read = append(analog.read, func() { sl.store(d.Flow()) })
		out.Flow[i] = flowIn{sl}
	}
	for i := range src.Pump {
		d, sl := src.Pump[i], &s.pump[i]
		analog.read = append(analog.read, func() { sl.store(d.Feedback()) })
		out.Pump[i] = pumpIn{d, sl}
	}
	for i := range src.Valve {
		d, sl := src.Valve[i], &s.valve[i]
		analog.read = append(analog.read, func() { sl.store(d.Position()) })
		out.Valve[i] = valveIn{d, sl}
	}
	analog.read = append(analog.read, func() { s.fan.store(src.Fan.Speed()) })
	out.Fan = fanIn{src.Fan, &s.fan}
	digital.read = append(digital.read, func() { s.leak.store(src.Leak.Leak()) })
	out.Leak = leakIn{&s.leak}
	if src.OilLow != nil {
		digital.read = append(digital.read, func() { s.oilLow.store(src.OilLow.Leak()) })
		out.OilLow = leakIn{&s.oilLow}
	}
	s.Groups = []*Group{temps, analog, digital}
	if feeds := s.feeds(src, &out, p.Analog); feeds != nil {
		s.Groups = append(s.Groups, feeds)
	}
	return s, out
}

// feeds puts the modules' feed meters (hal.MeteredModule's Meter: an
// INA219 on I2C for each module) behind a sampler of their own, so that
// the tick, which reads every module's Status, never waits on their bus.
// The module's power itself (the channel to its agent, its relay) passes
// through. It returns nil when no module has a meter.
func (s *Set) feeds(src hal.Devices, out *hal.Devices, period time.Duration) *Group {
	g := &Group{Name: "feed", Period: period}
	out.Modules = append([]hal.ModulePower(nil), src.Modules...)
	for i, m := range src.Modules {
		mm, ok := m.(hal.MeteredModule)
		if !ok || mm.Meter == nil {
			continue
		}
		sl := &slot[hal.Sample[units.Watt]]{}
		meter := mm.Meter
		g.read = append(g.read, func() { sl.store(meter.Feed()) })
		out.Modules[i] = hal.MeteredModule{ModulePower: mm.ModulePower, Meter: feedIn{sl}}
	}
	if len(g.read) == 0 {
		return nil
	}
	return g
}

type feedIn struct{ s *slot[hal.Sample[units.Watt]] }

func (f feedIn) Feed() hal.Sample[units.Watt] { return f.s.load() }

// Run starts every sampler and returns at once; they stop with ctx.
func (s *Set) Run(ctx context.Context, wg *sync.WaitGroup) {
	for _, g := range s.Groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.Run(ctx)
		}()
	}
}

// Sample runs every group's round once, in the caller's goroutine: for a
// first tick that must not find the slots empty, and for tests.
func (s *Set) Sample() {
	for _, g := range s.Groups {
		g.round()
	}
}

type tempIn struct {
	s *slot[hal.Sample[units.Celsius]]
}

func (t tempIn) Temperature() hal.Sample[units.Celsius] { return t.s.load() }

type pressIn struct{ s *slot[hal.Sample[units.Bar]] }

func (p pressIn) Pressure() hal.Sample[units.Bar] { return p.s.load() }

type flowIn struct {
	s *slot[hal.Sample[units.LitrePerMin]]
}

func (f flowIn) Flow() hal.Sample[units.LitrePerMin] { return f.s.load() }

type leakIn struct{ s *slot[hal.Sample[bool]] }

func (l leakIn) Leak() hal.Sample[bool] { return l.s.load() }

type pumpIn struct {
	hal.Pump
	s *slot[hal.PumpFeedback]
}

func (p pumpIn) Feedback() hal.PumpFeedback { return p.s.load() }

type valveIn struct {
	hal.Valve
	s *slot[hal.Sample[units.Ratio]]
}

func (v valveIn) Position() hal.Sample[units.Ratio] { return v.s.load() }

type fanIn struct {
	hal.Fan
	s *slot[hal.Sample[units.Ratio]]
}

func (f fanIn) Speed() hal.Sample[units.Ratio] { return f.s.load() }
