package hil

import (
	"context"
	"sync"
	"time"

	"hearth/hal"
	"hearth/hil/plant"
	"hearth/units"
)

// Live is the simulated plant on the real clock, for the daemon's --sim: the
// same plant the bench steps, stepped by its own goroutine as the wall clock
// advances, behind devices that are safe to call from the daemon's
// goroutines. Every device call takes the plant's lock for the time of a
// copy; a plant step holds it for microseconds.
type Live struct {
	mu    sync.Mutex
	plant *plant.Plant
	clock func() units.Time
}

// NewLive builds the plant a run's configuration describes, at time now on
// clock (the daemon's controller time). Its modules obey their commands
// without a lease of their own: on the daemon the module channel's agents
// keep the leases.
func NewLive(cfg Config, clock func() units.Time) *Live {
	pl := plant.NewPlant(cfg.Params, cfg.Weather, cfg.Init, cfg.Seed)
	pl.StartAt(clock())
	for i := range pl.Modules {
		// The channel's agent keeps the lease, and the Hub opens the relay
		// when a graceful shutdown has had its time.
		pl.Modules[i].Lease = 0
		pl.Modules[i].OffDeadline = 1 << 62
	}
	return &Live{plant: pl, clock: clock}
}

// Run steps the plant by Tick while the clock is ahead of it, until ctx ends.
func (l *Live) Run(ctx context.Context) {
	t := time.NewTicker(time.Duration(Tick) / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := l.clock()
		l.mu.Lock()
		for l.plant.Now.Add(Tick) <= now {
			l.plant.Step(Tick)
		}
		l.mu.Unlock()
	}
}

// With runs f with the plant locked: for reading its true state.
func (l *Live) With(f func(*plant.Plant)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(l.plant)
}

// Devices returns the plant's devices behind the lock. Its Modules are the
// plant's modules as a direct hal.ModulePower (relay and agent in one);
// ModuleBoard and ModuleRelay split them for the module channel.
func (l *Live) Devices() hal.Devices {
	var pd hal.Devices
	l.With(func(pl *plant.Plant) { pd = pl.Devices() })
	var d hal.Devices
	for i := range pd.Temp {
		d.Temp[i] = lockedTemp{l, pd.Temp[i]}
	}
	d.Pressure = lockedPressure{l, pd.Pressure}
	for i := range pd.Flow {
		d.Flow[i] = lockedFlow{l, pd.Flow[i]}
	}
	d.Leak, d.OilLow = lockedLeak{l, pd.Leak}, lockedLeak{l, pd.OilLow}
	for i := range pd.Pump {
		d.Pump[i] = lockedPump{l, pd.Pump[i]}
	}
	for i := range pd.Valve {
		d.Valve[i] = lockedValve{l, pd.Valve[i]}
	}
	d.Fan, d.Heater, d.Alarm = lockedFan{l, pd.Fan}, lockedSwitch{l, pd.Heater}, lockedSwitch{l, pd.Alarm}
	for _, m := range pd.Modules {
		d.Modules = append(d.Modules, lockedModule{l, m})
	}
	return d
}

func locked[T any](l *Live, f func() T) T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return f()
}

type lockedTemp struct {
	l *Live
	d hal.TemperatureProbe
}

func (x lockedTemp) Temperature() hal.Sample[units.Celsius] { return locked(x.l, x.d.Temperature) }

type lockedPressure struct {
	l *Live
	d hal.PressureSensor
}

func (x lockedPressure) Pressure() hal.Sample[units.Bar] { return locked(x.l, x.d.Pressure) }

type lockedFlow struct {
	l *Live
	d hal.FlowMeter
}

func (x lockedFlow) Flow() hal.Sample[units.LitrePerMin] { return locked(x.l, x.d.Flow) }

type lockedLeak struct {
	l *Live
	d hal.LeakInput
}

func (x lockedLeak) Leak() hal.Sample[bool] { return locked(x.l, x.d.Leak) }

type lockedPump struct {
	l *Live
	d hal.Pump
}

func (x lockedPump) SetSpeed(r units.Ratio) error {
	x.l.mu.Lock()
	defer x.l.mu.Unlock()
	return x.d.SetSpeed(r)
}
func (x lockedPump) Feedback() hal.PumpFeedback { return locked(x.l, x.d.Feedback) }

type lockedValve struct {
	l *Live
	d hal.Valve
}

func (x lockedValve) SetPosition(r units.Ratio) error {
	x.l.mu.Lock()
	defer x.l.mu.Unlock()
	return x.d.SetPosition(r)
}
func (x lockedValve) Position() hal.Sample[units.Ratio] { return locked(x.l, x.d.Position) }

type lockedFan struct {
	l *Live
	d hal.Fan
}

func (x lockedFan) SetSpeed(r units.Ratio) error {
	x.l.mu.Lock()
	defer x.l.mu.Unlock()
	return x.d.SetSpeed(r)
}
func (x lockedFan) Speed() hal.Sample[units.Ratio] { return locked(x.l, x.d.Speed) }

type lockedSwitch struct {
	l *Live
	d hal.Switch
}

func (x lockedSwitch) Set(on bool) error {
	x.l.mu.Lock()
	defer x.l.mu.Unlock()
	return x.d.Set(on)
}

type lockedModule struct {
	l *Live
	d hal.ModulePower
}

func (x lockedModule) SetLevel(v hal.Level) error {
	x.l.mu.Lock()
	defer x.l.mu.Unlock()
	return x.d.SetLevel(v)
}
func (x lockedModule) Status() hal.ModuleStatus { return locked(x.l, x.d.Status) }

// Modules returns the plant's module count.
func (l *Live) Modules() int { return l.plant.P.Modules }

// ModuleAnswering reports whether module i's boards run or shut down, so
// that its agent can answer: not while its relay is open, nor while it boots.
func (l *Live) ModuleAnswering(i int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.plant.Modules[i].Status().Status == hal.StatusOK
}

// ModuleFeed returns module i's feed meter, behind the plant's lock.
func (l *Live) ModuleFeed(i int) hal.FeedMeter { return liveFeed{l, plantFeed{l.plant, i}} }

// ModuleBoard returns module i's boards as its agent drives them (a level
// applied, a shutdown begun, the draw and the hottest SoC measured), behind
// the plant's lock. A board without power does nothing.
func (l *Live) ModuleBoard(i int) *LiveBoard { return &LiveBoard{l, plantBoard{l.plant, i}} }

// ModuleRelay returns module i's power relay as the controller drives it,
// behind the plant's lock.
func (l *Live) ModuleRelay(i int) hal.Switch { return liveRelay{l, plantRelay{l.plant, i}} }

// LiveBoard is one simulated module's boards (modules.Board): the bench's
// plantBoard, behind the plant's lock.
type LiveBoard struct {
	l *Live
	b plantBoard
}

// Apply runs the boards at level v.
func (b *LiveBoard) Apply(v hal.Level) error {
	b.l.mu.Lock()
	defer b.l.mu.Unlock()
	return b.b.Apply(v)
}

// Shutdown starts the boards' graceful shutdown.
func (b *LiveBoard) Shutdown() error {
	b.l.mu.Lock()
	defer b.l.mu.Unlock()
	return b.b.Shutdown()
}

// Measure returns the boards' draw and their hottest SoC.
func (b *LiveBoard) Measure() (units.Watt, units.Celsius) {
	b.l.mu.Lock()
	defer b.l.mu.Unlock()
	return b.b.Measure()
}

type liveRelay struct {
	l *Live
	r plantRelay
}

func (r liveRelay) Set(on bool) error {
	r.l.mu.Lock()
	defer r.l.mu.Unlock()
	return r.r.Set(on)
}

type liveFeed struct {
	l *Live
	f plantFeed
}

func (f liveFeed) Feed() hal.Sample[units.Watt] {
	f.l.mu.Lock()
	defer f.l.mu.Unlock()
	return f.f.Feed()
}

// ModulePowered reports whether module i's boards have power.
func (l *Live) ModulePowered(i int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.plant.Modules[i].Powered()
}

// Deenergise is what the hardware does when the controller is gone: see
// Plant.Deenergise. The simulated hub's watchdog calls it when it fires.
func (l *Live) Deenergise() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.plant.Deenergise()
}
