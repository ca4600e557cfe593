package pid

import (
	"math"
	"testing"
)

// fopdtLoop is a closed FOPDT loop ticked by hand, 1 s per tick.
type fopdtLoop struct {
	s *sim
	k int
}

func newFopdtLoop(u0 float64) *fopdtLoop { return &fopdtLoop{s: newSim(fopdtPlant, 0.1, u0)} }

// tick reads the plant, lets f choose the output applied, and advances.
func (l *fopdtLoop) tick(f func(y float64, k int) float64) {
	a := f(l.s.y(), l.k)
	l.s.advance(a, 1)
	l.k++
}

// After manual mode, the first automatic output is the manual output moved
// by one update of control action: −Kp·Δy + Ki·e·h here (the setpoint is
// constant, no derivative). A controller that did not track would jump to
// Kp·e + I.
func TestBumplessManualToAuto(t *testing.T) {
	cfg := pidCfg(2.5, 100, 0, 1)
	cfg.OutMin, cfg.OutMax = 0, 2
	c := mustNew(t, cfg)
	l := newFopdtLoop(0)
	const r, manual = 1.0, 0.3
	c.SetManual(manual)
	if !c.Manual() || c.Output() != manual {
		t.Fatalf("SetManual: manual %v, output %v", c.Manual(), c.Output())
	}
	var yPrev float64
	for range 300 {
		l.tick(func(y float64, k int) float64 {
			yPrev = y
			u := c.Update(r, y, 0, sec(float64(k)))
			if u != manual {
				t.Fatalf("tick %d: manual output %v, want %v", k, u, manual)
			}
			return u
		})
	}
	c.SetAuto()
	var u, y float64
	l.tick(func(yy float64, k int) float64 {
		y = yy
		u = c.Update(r, y, 0, sec(float64(k)))
		return u
	})
	want := manual - cfg.Kp*(y-yPrev) + cfg.Ki*(r-yPrev)*1
	t.Logf("manual %v → first auto output %.6f (a non-tracking controller: %.3f)", manual, u, cfg.Kp*(r-y))
	if c.Manual() || !near(u, want, 1e-12) {
		t.Errorf("first auto output %v, want %v", u, want)
	}
	if math.Abs(u-manual) > 0.02 { // one tick of integral action is Ki·e·h ≈ 0.0175
		t.Errorf("bump of %v at the transfer", u-manual)
	}
	// Manual values outside the limits are clamped.
	c.SetManual(7)
	if c.Output() != 2 || c.Update(r, y, 0, sec(1000)) != 2 {
		t.Errorf("manual 7 with OutMax 2: output %v", c.Output())
	}
}

// A gain change on a running controller does not bump: with the inputs
// held, the next output differs from the last only by the integral of the
// error over the tick; and in a closed loop mid-transient the step at the
// change is no larger than the steps around it, where a naive change would
// jump by ΔKp·e.
func TestBumplessGainChange(t *testing.T) {
	cfg := Config{Kp: 1, Ki: 0.05, SetpointWeight: 1, OutMin: -10, OutMax: 10}
	c := mustNew(t, cfg)
	c.Update(2, 0.5, 0, sec(0))
	u1 := c.Update(2, 0.5, 0, sec(1))
	next := Config{Kp: 3, Ki: 0.2, SetpointWeight: 0.4, OutMin: -10, OutMax: 10}
	if err := c.Configure(next); err != nil {
		t.Fatal(err)
	}
	if u2 := c.Update(2, 0.5, 0, sec(2)); !near(u2, u1+next.Ki*1.5*1, 1e-12) {
		t.Errorf("after the gain change the output went %v → %v, want %v", u1, u2, u1+next.Ki*1.5)
	}

	// Closed loop, PID, changing every gain, the weight and the filter.
	cfg = pidCfg(2.45, 58.67, 9.434, 0.5)
	c = mustNew(t, cfg)
	l := newFopdtLoop(0)
	var us []float64
	var yAtChange float64
	for range 200 {
		l.tick(func(y float64, k int) float64 {
			if k == 60 {
				next := pidCfg(1.2, 90, 4, 1)
				if err := c.Configure(next); err != nil {
					t.Fatal(err)
				}
				yAtChange = y
			}
			u := c.Update(1, y, 0, sec(float64(k)))
			us = append(us, u)
			return u
		})
	}
	naive := math.Abs((1.2*1-2.45*0.5)*1 - (1.2-2.45)*yAtChange)
	jump := math.Abs(us[60] - us[59])
	around := math.Max(math.Abs(us[59]-us[58]), math.Abs(us[61]-us[60]))
	t.Logf("step at the change %.5f, around it %.5f, a naive change would jump %.3f", jump, around, naive)
	if jump > 2*around || jump > 0.05*naive {
		t.Errorf("step at the gain change %v; steps around it %v; naive bump %v", jump, around, naive)
	}
}

// When an override ends, the output starts from the value that was applied
// and moves by one update of control action; a controller that was not told
// would jump back to where its integrator wound.
func TestBumplessOverrideRelease(t *testing.T) {
	cfg := pidCfg(2.5, 100, 0, 1)
	cfg.OutMin, cfg.OutMax = 0, 2
	told, untold := mustNew(t, cfg), mustNew(t, cfg)
	told.Reset(1)
	untold.Reset(1)
	l := newFopdtLoop(1)
	const r, forced, from, to = 1.0, 0.4, 20, 140
	var yPrev, y, uTold, uUntold float64
	for range to + 1 {
		l.tick(func(yy float64, k int) float64 {
			yPrev, y = y, yy
			uTold = told.Update(r, y, 0, sec(float64(k)))
			uUntold = untold.Update(r, y, 0, sec(float64(k)))
			if k >= from && k < to {
				told.Track(forced)
				return forced
			}
			return uTold
		})
	}
	want := forced - cfg.Kp*(y-yPrev) + cfg.Ki*(r-yPrev)*1
	t.Logf("override %v released: told %.5f, untold %.5f", forced, uTold, uUntold)
	if !near(uTold, want, 1e-12) {
		t.Errorf("first output after the override %v, want %v", uTold, want)
	}
	if math.Abs(uTold-forced) > 0.02 || math.Abs(uUntold-forced) < 0.5 {
		t.Errorf("release: told %v, untold %v, override %v", uTold, uUntold, forced)
	}
}

// Track with the very output Update returned changes nothing.
func TestTrackOfOwnOutputIsNeutral(t *testing.T) {
	cfg := pidCfg(2.45, 58.67, 9.434, 1)
	cfg.OutMin, cfg.OutMax = 0, 1.2 // saturates during the step
	a, b := mustNew(t, cfg), mustNew(t, cfg)
	l := newFopdtLoop(0)
	for range 400 {
		l.tick(func(y float64, k int) float64 {
			ua := a.Update(1, y, 0, sec(float64(k)))
			ub := b.Update(1, y, 0, sec(float64(k)))
			b.Track(ub)
			if ua != ub {
				t.Fatalf("tick %d: %v without Track, %v with Track of the output", k, ua, ub)
			}
			return ua
		})
	}
}
