package control

import (
	"errors"

	"hearth/pid"
	"hearth/units"
)

// Loop names one of control's loops that an outside driver may take over
// for a while: a live tuning session's relay (package core/livetune), in
// place of the loop's PID output. Everything else stays under control,
// and the safety layer, after control, still has the last word on every
// output.
type Loop uint8

// The loops a driver may take.
const (
	LoopNone Loop = iota
	// LoopDump is the dump's loop (DumpGains): the fan, and the dump valve
	// where the house or the tank does not set it, on the oil into the
	// modules (through OilFilterS).
	LoopDump
	// LoopWaterPump is the water pump on the weather curve (WaterPumpGains),
	// on the water flow temperature, where the radiators have the water.
	LoopWaterPump
	// LoopTank is the tank's share in the heating season (TankGains), on
	// the oil into the modules (through OilFilterS).
	LoopTank
	numLoops
)

// Loops returns every loop a driver may take, in order.
func Loops() []Loop { return []Loop{LoopDump, LoopWaterPump, LoopTank} }

// String returns the loop's configuration key (the table of its gains).
func (l Loop) String() string {
	switch l {
	case LoopDump:
		return "dump"
	case LoopWaterPump:
		return "water_pump"
	case LoopTank:
		return "tank"
	}
	return "none"
}

// Driver drives one loop in place of its PID. Drive is called on every
// step at the point the loop's PID updates, with the PID's setpoint, its
// measurement, its last output and the time; it returns the output to use
// instead, or ok false to leave the loop to its PID (which then resumes
// without a bump from the driver's last output). It must not allocate.
type Driver interface {
	Drive(setpoint, measurement, last float64, now units.Time) (u float64, ok bool)
}

var errLoop = errors.New("control: no such loop")

// SetDriver hands loop l to d from the next step (nil hands it back).
func (c *Controller) SetDriver(l Loop, d Driver) error {
	if l == LoopNone || l >= numLoops {
		return errLoop
	}
	c.drivers[l] = d
	return nil
}

// pidOf returns the loop's controller and its configured gains' field.
func (c *Controller) pidOf(l Loop) (*pid.Controller, *pid.Config) {
	switch l {
	case LoopDump:
		return &c.dump, &c.cfg.DumpGains
	case LoopWaterPump:
		return &c.water, &c.cfg.WaterPumpGains
	case LoopTank:
		return &c.tank, &c.cfg.TankGains
	}
	return nil, nil
}

// LoopConfig returns the configuration of loop l's PID in force.
func (c *Controller) LoopConfig(l Loop) (pid.Config, error) {
	p, _ := c.pidOf(l)
	if p == nil {
		return pid.Config{}, errLoop
	}
	return p.Config(), nil
}

// SetGains puts g into loop l's running PID, without a bump (pid's
// Configure: the integrator absorbs the change), and into the
// configuration Config returns. Everything else of the loop's
// configuration is kept. Invalid gains leave the loop as it was.
func (c *Controller) SetGains(l Loop, g pid.Gains) error {
	cur, err := c.LoopConfig(l)
	if err != nil {
		return err
	}
	return c.SetLoopConfig(l, g.Apply(cur))
}

// SetLoopConfig puts next (gains, setpoint weight, derivative filter: what
// a tuning rule sets) into loop l's running PID as SetGains does. An
// invalid configuration leaves the loop as it was.
func (c *Controller) SetLoopConfig(l Loop, next pid.Config) error {
	p, cfg := c.pidOf(l)
	if p == nil {
		return errLoop
	}
	if err := p.Configure(next); err != nil {
		return err
	}
	*cfg = next
	return nil
}

// update is p.Update for loop l, or its driver's output while one drives
// it: the PID then runs in manual mode at that output, so it follows what
// the driver does and resumes from there when the driver hands it back.
func (c *Controller) update(l Loop, p *pid.Controller, sp, meas float64, now units.Time) float64 {
	if d := c.drivers[l]; d != nil {
		if u, ok := d.Drive(sp, meas, p.Output(), now); ok {
			p.SetManual(u)
			c.driven[l] = true
			return p.Update(sp, meas, 0, now)
		}
	}
	if c.driven[l] {
		c.driven[l] = false
		p.SetAuto()
	}
	return p.Update(sp, meas, 0, now)
}
