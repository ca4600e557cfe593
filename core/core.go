// Package core is Hearth's pure step: a sample of every input and the current
// time in, a command for every output out. Control computes its wishes; the
// safety layer runs after it, on the same raw inputs, and has the last word.
//
// The daemon on the Pi and the HIL bench are two thin callers of this step,
// through the edge loop (package core/edge). It must never do I/O, start
// goroutines, read the wall clock or allocate.
package core

import (
	"hearth/control"
	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

// Config is the whole controller's configuration.
type Config struct {
	Control control.Config `toml:"control"`
	Safety  safety.Config  `toml:"safety"`
}

// DefaultConfig returns the reference configuration.
func DefaultConfig() Config {
	return Config{Control: control.DefaultConfig(), Safety: safety.DefaultConfig()}
}

// Controller is the control layer as the core sees it: it wishes, and it
// learns what was applied. control.Controller is Hearth's; the HIL bench
// also runs a plain thermostat through the same seam, for comparison. Either
// way the safety layer has the last word.
type Controller interface {
	Step(in *hal.Inputs, adv control.Advice, out *hal.Outputs)
	Applied(out *hal.Outputs)
}

// Core is the controller: control and safety, stepped together.
type Core struct {
	Control Controller
	Safety  *safety.Layer
	wish    hal.Outputs
	ctl     hal.Outputs // control's own wish, kept while an override replaces part of it
	calIn   hal.Inputs  // the inputs control sees while a calibration is in force
	out     hal.Outputs
	// overridden: an override was in force on the last tick.
	overridden bool
	st         safety.Status
	durable    bool // the latch as the store last held it (Restore, then every Ready persisted)
}

// New builds a core from its configuration.
// A safety configuration past any hard bound is refused.
func New(cfg Config) (*Core, error) {
	ctl, err := control.New(cfg.Control)
	if err != nil {
		return nil, err
	}
	return NewWith(ctl, cfg.Safety)
}

// NewWith builds a core around another control layer, under the same
// safety layer.
func NewWith(ctl Controller, sc safety.Config) (*Core, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	c := &Core{Control: ctl, Safety: safety.New(sc)}
	c.st = c.Safety.Status()
	return c, nil
}

// Step runs one tick: control wishes, safety decides, control learns what
// was applied. The Ready it returns points into the core and is valid until
// the next Step: its caller persists Ready.Record (when Ready.Persist) and
// writes Ready.Out, in the order package core/edge documents.
func (c *Core) Step(in *hal.Inputs) Ready {
	st := &c.st
	cin := in
	if in.Offset != ([hal.NumTemps]units.Kelvin{}) {
		// Control's loops see the calibrated readings; safety judges the
		// raw ones and calibrates what it believes.
		c.calIn = *in
		for id := range c.calIn.Temp {
			c.calIn.Temp[id].Value = in.Calibrated(hal.TempID(id))
		}
		cin = &c.calIn
	}
	c.Control.Step(cin, control.Advice{CoolHarder: st.CoolHarder, Cap: st.Cap, Untrusted: st.Untrusted}, &c.wish)
	c.overridden = in.Override.Mask != 0
	if c.overridden {
		c.ctl = c.wish
		in.Override.Apply(&c.wish) // an engineer's hand: safety still has the last word
	}
	c.Safety.Step(in, &c.wish, &c.out)
	c.Control.Applied(&c.out)
	c.st = c.Safety.Status()
	return c.ready()
}

// Wish returns the wish of the last tick safety judged: control's, with
// an engineer's override in place.
func (c *Core) Wish() *hal.Outputs { return &c.wish }

// ControlWish returns control's own wish of the last tick, before any
// override.
func (c *Core) ControlWish() *hal.Outputs {
	if c.overridden {
		return &c.ctl
	}
	return &c.wish
}

// Status returns the safety layer's status after the last Step (or Restore).
func (c *Core) Status() *safety.Status { return &c.st }
