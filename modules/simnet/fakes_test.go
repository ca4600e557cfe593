package simnet

import (
	"errors"

	"hearth/hal"
	"hearth/units"
)

// board is a compute module's boards as the agent sees them.
type board struct {
	level     hal.Level
	applies   int
	shutdowns int
	failApply bool
}

func (b *board) Apply(l hal.Level) error {
	if b.failApply {
		return errors.New("cpufreq write failed")
	}
	b.level = l
	b.applies++
	return nil
}

func (b *board) Shutdown() error { b.shutdowns++; return nil }

func (b *board) Measure() (units.Watt, units.Celsius) {
	f, _ := b.level.Fraction()
	return 3 + 4*units.Watt(f), 50
}

// relay is a module's power relay.
type relay struct {
	closed bool
	sets   int
}

func (r *relay) Set(on bool) error { r.closed = on; r.sets++; return nil }
