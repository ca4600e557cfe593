package simnet

import (
	"hearth/hal"
	"hearth/modules"
	"hearth/units"
)

// tracedBoard is the caller's Board with every call in the trace.
type tracedBoard struct {
	c *Channel
	i int
	b modules.Board
}

func (t tracedBoard) Apply(l hal.Level) error {
	err := t.b.Apply(l)
	t.c.net.Note("apply", uint64(t.i), uint64(l), b2u(err != nil))
	return err
}

func (t tracedBoard) Shutdown() error {
	err := t.b.Shutdown()
	t.c.net.Note("shutdown", uint64(t.i), b2u(err != nil))
	return err
}

func (t tracedBoard) Measure() (units.Watt, units.Celsius) { return t.b.Measure() }

// tracedRelay is the caller's relay with every command in the trace.
type tracedRelay struct {
	c *Channel
	i int
	s hal.Switch
}

func (t tracedRelay) Set(on bool) error {
	err := t.s.Set(on)
	t.c.net.Note("relay", uint64(t.i), b2u(on), b2u(err != nil))
	return err
}
