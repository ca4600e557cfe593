package core_test

import (
	"testing"

	"hearth/hil"
	"hearth/units"
)

// A full tick of the core, on realistic inputs from the reference plant,
// allocates nothing; so does a tick of the whole bench (plant and devices).
func TestStepAllocatesNothing(t *testing.T) {
	cfg, err := hil.DefaultConfig(hil.Winter, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Duration = 2 * units.Hour
	s, err := hil.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range 3000 { // past boot, loops settled
		s.Step()
	}
	in := *s.Inputs()
	if a := testing.AllocsPerRun(1000, func() {
		in.Now = in.Now.Add(hil.Tick)
		s.Core.Step(&in)
	}); a != 0 {
		t.Errorf("core.Step allocates %.1f times per tick, want 0", a)
	}
	if a := testing.AllocsPerRun(1000, s.Step); a != 0 {
		t.Errorf("a bench tick allocates %.1f times, want 0", a)
	}
}

func BenchmarkCoreStep(b *testing.B) {
	cfg, _ := hil.DefaultConfig(hil.Winter, 1)
	s, err := hil.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for range 3000 {
		s.Step()
	}
	in := *s.Inputs()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		in.Now = in.Now.Add(hil.Tick)
		s.Core.Step(&in)
	}
}
