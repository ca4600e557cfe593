package sampler_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hearth/hal"
	"hearth/hal/sampler"
	"hearth/hil"
	"hearth/hil/plant"
	"hearth/units"
)

// slowProbe is a 1-wire probe on a bus that hangs: each read takes 300 ms.
type slowProbe struct {
	reads atomic.Int64
	block chan struct{}
}

func (p *slowProbe) Temperature() hal.Sample[units.Celsius] {
	n := p.reads.Add(1)
	if n > 1 {
		<-p.block
	}
	return hal.Sample[units.Celsius]{Value: 40, At: units.Time(n), Status: hal.StatusOK}
}

// A read on the tick never waits on a bus: with one probe's bus hung, the
// tick still reads every input at once, the hung probe's last sample
// (its old timestamp) among them, while the other buses go on publishing.
func TestHungBusNeverDelaysTheTick(t *testing.T) {
	cfg, err := hil.DefaultConfig(plant.Winter, 1)
	if err != nil {
		t.Fatal(err)
	}
	pl := plant.NewPlant(cfg.Params, cfg.Weather, cfg.Init, 1)
	src := pl.Devices()
	slow := &slowProbe{block: make(chan struct{})}
	src.Temp[hal.TempOilInA] = slow
	set, dev := sampler.New(src, sampler.Periods{Temp: 10 * time.Millisecond, Analog: 10 * time.Millisecond, Digital: 10 * time.Millisecond})
	var in hal.Inputs
	dev.Read(&in)
	if in.Temp[hal.TempOilInA].OK() {
		t.Fatalf("a slot never sampled reads %+v, want StatusMissing", in.Temp[hal.TempOilInA])
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	set.Run(ctx, &wg)
	defer func() { close(slow.block); cancel(); wg.Wait() }()
	for slow.reads.Load() < 2 { // the temp sampler is now stuck in its second read, for good
		time.Sleep(time.Millisecond)
	}
	// Reads do not wait on the hung bus: were one to, this would never end
	// (the bus stays hung until the test is over); the deadline catches
	// that hang, not a slow read.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			dev.Read(&in)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a read waits on the hung bus")
	}
	if got := in.Temp[hal.TempOilInA]; !got.OK() || got.At != 1 {
		t.Errorf("hung probe reads %+v, want its first sample (At 1)", got)
	}
	analog := set.Groups[1]
	if analog.Name != "analog" {
		t.Fatalf("group 1 is %q, want analog", analog.Name)
	}
	for start := analog.Stats().Rounds; analog.Stats().Rounds < start+5; {
		time.Sleep(time.Millisecond) // the analog bus goes on beside the hung one
	}
	dev.Read(&in)
	if !in.Pressure.OK() || !in.Flow[hal.FlowOil].OK() {
		t.Errorf("pressure %+v, oil flow %+v: want published samples", in.Pressure, in.Flow[hal.FlowOil])
	}
}

// Reading the sampled devices allocates nothing (the tick's path).
func TestReadAllocatesNothing(t *testing.T) {
	cfg, _ := hil.DefaultConfig(plant.Winter, 1)
	pl := plant.NewPlant(cfg.Params, cfg.Weather, cfg.Init, 1)
	set, dev := sampler.New(pl.Devices(), sampler.DefaultPeriods)
	set.Sample()
	var in hal.Inputs
	if a := testing.AllocsPerRun(100, func() { dev.Read(&in) }); a != 0 {
		t.Errorf("a read allocates %.1f times", a)
	}
}

// slowMeter is a feed meter whose read waits on its bus until it is let go.
type slowMeter struct{ reads chan struct{} }

func (m slowMeter) Feed() hal.Sample[units.Watt] {
	<-m.reads
	return hal.Sample[units.Watt]{Value: 96, Status: hal.StatusOK}
}

type nopPower struct{}

func (nopPower) SetLevel(hal.Level) error { return nil }
func (nopPower) Status() hal.ModuleStatus { return hal.ModuleStatus{Status: hal.StatusOK} }

// TestFeedMetersSampled: a module's feed meter is read by the feed group,
// never by the tick: the tick's Status returns at once with what the group
// last read, even while the meter's bus hangs.
func TestFeedMetersSampled(t *testing.T) {
	cfg, err := hil.DefaultConfig(plant.Winter, 1)
	if err != nil {
		t.Fatal(err)
	}
	src := plant.NewPlant(cfg.Params, cfg.Weather, cfg.Init, 1).Devices()
	m := slowMeter{reads: make(chan struct{})}
	src.Modules = []hal.ModulePower{hal.MeteredModule{ModulePower: nopPower{}, Meter: m}, nopPower{}}
	set, dev := sampler.New(src, sampler.Periods{Temp: 10 * time.Millisecond, Analog: 10 * time.Millisecond, Digital: 10 * time.Millisecond})
	if g := set.Groups[len(set.Groups)-1]; g.Name != "feed" {
		t.Fatalf("last group %q, want feed", g.Name)
	}
	if _, metered := dev.Modules[1].(hal.MeteredModule); metered {
		t.Error("a module without a meter got one")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	set.Run(ctx, &wg)
	defer func() { cancel(); close(m.reads); wg.Wait() }()
	// The feed group is blocked in its first read: the tick is not.
	for i := 0; i < 100; i++ {
		if s := dev.Modules[0].Status(); s.Status != hal.StatusOK || s.Feed.Status != hal.StatusMissing {
			t.Fatalf("status while the meter's bus hangs: %+v", s)
		}
	}
	m.reads <- struct{}{} // one read completes
	for dev.Modules[0].Status().Feed.Value != 96 {
		time.Sleep(time.Millisecond) // ends when the group publishes; the test's deadline catches a hang
	}
	if s := dev.Modules[0].Status(); !s.Feed.OK() {
		t.Fatalf("after the round: %+v", s.Feed)
	}
}
