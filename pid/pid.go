package pid

import (
	"math"

	"hearth/units"
)

// Config is a controller's tuning and limits. Gains are in the parallel form
//
//	u = Kp·(b·r − y) + Ki·∫(r − y)dt + Kd·d(−y_f)/dt + ff
//
// with y_f the measurement through a first-order filter, each error sign
// flipped for Reverse action, and u limited to [OutMin, OutMax] and, if
// RateLimit > 0, in its rate of change. docs/pid.md has the discrete form.
//
// Zero values of the durations select the documented defaults; the zero
// SetpointWeight is taken as given (b = 0: setpoint changes act through the
// integral only), so start from DefaultConfig to get b = 1.
type Config struct {
	// Kp is the proportional gain, output units per measurement unit.
	Kp float64
	// Ki is the integral gain, output units per measurement unit per second
	// (Kp/Ti).
	Ki float64
	// Kd is the derivative gain, output units per measurement unit per
	// measurement-unit-per-second, that is seconds × Kp (Kp·Td).
	Kd float64

	// SetpointWeight is b in [0, 1], the share of the setpoint in the
	// proportional term. 1 is the textbook PID; smaller values soften the
	// response to a setpoint step without changing the response to a load.
	SetpointWeight float64

	// DerivativeFilter is the time constant Tf of the first-order filter on
	// the derivative. 0 selects Td/8 (Td = Kd/Kp); it must be set when Kd > 0
	// and Kp = 0.
	DerivativeFilter units.Duration

	// OutMin and OutMax bound the output; OutMin < OutMax.
	OutMin, OutMax float64

	// RateLimit bounds |du/dt| in output units per second; 0 = no limit.
	RateLimit float64

	// Reverse selects reverse action: the output rises when the measurement
	// rises above the setpoint (a cooling fan, a valve to the dump, a pump
	// that lowers a flow temperature). Direct (false) suits a heater.
	Reverse bool

	// TrackingTime is Tt, the time constant with which back-calculation
	// pulls the integrator back when the output saturates or is rate
	// limited. 0 selects sqrt(Ti·Td) for a PID and Ti for a PI
	// (Ti = Kp/Ki, Td = Kd/Kp); it must be set when Ki > 0 and Kp = 0.
	TrackingTime units.Duration

	// MaxInterval caps the elapsed time one update integrates over, so a
	// stalled loop or a clock jump cannot dump a large step into the
	// integrator. Longer intervals are counted in TimeFaults. 0 selects the
	// integral time Ti = Kp/Ki (Tt when Kp = 0), which bounds one update's
	// integral step to one proportional kick, Ki·Ti·e = Kp·e; no cap without
	// integral action. It must stay well above the loop's period.
	MaxInterval units.Duration
}

// DefaultConfig returns a valid starting point: a P controller with unit
// gain, full setpoint weight, and output limits [0, 1].
func DefaultConfig() Config {
	return Config{Kp: 1, SetpointWeight: 1, OutMin: 0, OutMax: 1}
}

// ConfigError reports the first invalid field of a Config.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return "pid: invalid config: " + e.Field + " " + e.Reason }

// Validate reports whether cfg can be used, and why not.
func (cfg *Config) Validate() error {
	for _, f := range [...]struct {
		name string
		v    float64
	}{
		{"Kp", cfg.Kp}, {"Ki", cfg.Ki}, {"Kd", cfg.Kd}, {"SetpointWeight", cfg.SetpointWeight},
		{"OutMin", cfg.OutMin}, {"OutMax", cfg.OutMax}, {"RateLimit", cfg.RateLimit},
	} {
		if !finite(f.v) {
			return &ConfigError{f.name, "is not finite"}
		}
		if f.v < 0 && f.name != "OutMin" && f.name != "OutMax" {
			return &ConfigError{f.name, "is negative (action is set by Reverse)"}
		}
	}
	switch {
	case cfg.SetpointWeight > 1:
		return &ConfigError{"SetpointWeight", "is above 1"}
	case !(cfg.OutMin < cfg.OutMax):
		return &ConfigError{"OutMax", "is not above OutMin"}
	case !finite(cfg.OutMax - cfg.OutMin):
		return &ConfigError{"OutMax", "minus OutMin overflows"}
	case cfg.DerivativeFilter < 0:
		return &ConfigError{"DerivativeFilter", "is negative"}
	case cfg.TrackingTime < 0:
		return &ConfigError{"TrackingTime", "is negative"}
	case cfg.MaxInterval < 0:
		return &ConfigError{"MaxInterval", "is negative"}
	case cfg.Kd > 0 && cfg.Kp == 0 && cfg.DerivativeFilter == 0:
		return &ConfigError{"DerivativeFilter", "must be set when Kd > 0 and Kp = 0"}
	case cfg.Ki > 0 && cfg.Kp == 0 && cfg.TrackingTime == 0:
		return &ConfigError{"TrackingTime", "must be set when Ki > 0 and Kp = 0"}
	}
	return nil
}

// Controller is one PID loop. It is a plain value: no pointers, no
// allocation, safe to copy before the first Update (a copy afterwards is an
// independent controller with the same history). The zero Controller is
// unconfigured: its Update returns 0 and counts a fault.
type Controller struct {
	cfg        Config
	configured bool
	sign       float64 // +1 direct, −1 reverse: inputs are multiplied by it
	tf         float64 // derivative filter time constant, s
	tt         float64 // tracking time constant, s (0 without integral action)
	maxStep    float64 // integration cap per update, s (0 = none)

	running bool    // a previous sample exists
	pending bool    // the first Update starts the output at base
	base    float64 // set by Reset, Track or SetManual before running

	manual    bool
	manualOut float64
	// exact makes the next update rebase the integrator on the applied
	// output instead of back-calculating with Tt: set by an override
	// (Track with a value other than the output) and by manual mode.
	exact bool

	last    units.Time
	rs, ys  float64 // last setpoint and measurement, times sign
	e       float64 // last error r − y, times sign
	p, i, d float64 // proportional, integral and derivative terms, output units
	ff      float64 // last feed-forward
	v       float64 // last unconstrained output p + i + d + ff
	u       float64 // last output returned
	a       float64 // output applied since the last update (Track), else u

	faults, timeFaults uint64

	// Cached back-calculation factor 1 - exp(-h/Tt) for the last interval.
	pullH, pullTt, pull float64
}

// New returns a controller configured with cfg.
func New(cfg Config) (Controller, error) {
	var c Controller
	err := c.Configure(cfg)
	return c, err
}

// Configure validates cfg and adopts it. On an invalid cfg it returns a
// *ConfigError and leaves the controller as it was. On a running controller
// the change is bumpless: the integrator absorbs the change of the
// proportional and derivative terms at the last inputs, so the next output
// moves from the last one only by what the new inputs ask.
func (c *Controller) Configure(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	sign := 1.0
	if cfg.Reverse {
		sign = -1
	}
	if c.configured && c.running {
		// Re-express the last inputs under the new action, then keep v.
		r, y := c.sign*c.rs, c.sign*c.ys
		rs, ys := sign*r, sign*y
		p := cfg.Kp * (cfg.SetpointWeight*rs - ys)
		d := 0.0
		if cfg.Kd > 0 && c.cfg.Kd > 0 {
			d = c.d * (cfg.Kd / c.cfg.Kd) * (sign * c.sign)
		}
		i := c.v - p - d - c.ff
		if finite(i) && finite(d) {
			c.rs, c.ys, c.e, c.p, c.i, c.d = rs, ys, rs-ys, p, i, d
		} else {
			// Gains so large that the terms overflow: restart at u.
			c.running, c.pending, c.base = false, true, c.u
		}
	}
	c.cfg, c.sign = cfg, sign
	c.tf, c.tt, c.maxStep = 0, 0, 0
	if cfg.Kd > 0 {
		c.tf = cfg.DerivativeFilter.Seconds()
		if cfg.DerivativeFilter == 0 {
			c.tf = cfg.Kd / cfg.Kp / 8
		}
	}
	if cfg.Ki > 0 {
		c.tt = cfg.TrackingTime.Seconds()
		if cfg.TrackingTime == 0 {
			ti := cfg.Kp / cfg.Ki
			c.tt = ti
			if cfg.Kd > 0 {
				c.tt = math.Sqrt(ti * cfg.Kd / cfg.Kp)
			}
		}
		c.maxStep = c.tt
		if cfg.Kp > 0 {
			c.maxStep = cfg.Kp / cfg.Ki
		}
	}
	if cfg.MaxInterval > 0 {
		c.maxStep = cfg.MaxInterval.Seconds()
	}
	c.configured = true
	switch {
	case c.running:
		c.u, c.a = c.clamp(c.u), c.clamp(c.a)
	case c.pending:
		c.u = c.clamp(c.base)
		c.a = c.u
	default:
		c.u = c.clamp(0)
		c.a = c.u
	}
	return nil
}

// Config returns the configuration in force.
func (c *Controller) Config() Config { return c.cfg }

// Update computes the output for the setpoint, measurement and feed-forward
// at time now, and returns it within [OutMin, OutMax].
//
// The first call after construction or Reset initialises the controller: no
// derivative kick, no integration. Later calls integrate over the real
// elapsed time, capped at MaxInterval; a time that does not advance
// integrates nothing, and one that goes backwards re-anchors the clock (both
// it and an over-long interval count in TimeFaults). A NaN or infinite
// input, or terms that would overflow, leave the state untouched, count in
// Faults, and return the last output.
func (c *Controller) Update(setpoint, measurement, feedForward float64, now units.Time) float64 {
	if !c.configured || !finite(setpoint) || !finite(measurement) || !finite(feedForward) {
		c.faults++
		return c.u
	}
	rs, ys := c.sign*setpoint, c.sign*measurement
	p := c.cfg.Kp * (c.cfg.SetpointWeight*rs - ys)
	i, d, h := 0.0, 0.0, 0.0
	if c.running {
		var hi float64
		h, hi = c.elapsed(now)
		i, d = c.i, c.d
		// Close the interval that ended now: the integral of the error
		// held since the last update, and the pull toward what was applied.
		switch gap := c.a - c.v; {
		case c.exact:
			i += gap
		case gap != 0 && c.tt > 0:
			if hi != c.pullH || c.tt != c.pullTt {
				// The tick is regular: compute the pull's factor once.
				c.pullH, c.pullTt, c.pull = hi, c.tt, -math.Expm1(-hi/c.tt)
			}
			i += gap * c.pull
		}
		i += c.cfg.Ki * c.e * hi
		if h > 0 && c.cfg.Kd > 0 {
			d = (c.tf*d - c.cfg.Kd*(ys-c.ys)) / (c.tf + h)
		}
	}
	v := p + i + d + feedForward
	var u float64
	switch {
	case c.manual:
		u = c.clamp(c.manualOut)
		i, v = u-p-d-feedForward, u
	case !c.running && c.pending:
		u = c.clamp(c.base)
		i, v = u-p-d-feedForward, u
	default:
		u = c.clamp(v)
		if c.cfg.RateLimit > 0 && c.running {
			step := c.cfg.RateLimit * h
			u = math.Max(c.a-step, math.Min(c.a+step, u))
		}
	}
	if !finite(i) || !finite(d) || !finite(v) || !finite(u) {
		c.faults++
		return c.u
	}
	c.running, c.pending, c.exact = true, false, c.manual
	c.last, c.rs, c.ys, c.e = now, rs, ys, rs-ys
	c.p, c.i, c.d, c.ff, c.v, c.u, c.a = p, i, d, feedForward, v, u, u
	return u
}

// elapsed returns the seconds since the last update and the seconds to
// integrate over, counting a backwards clock or an over-long interval.
func (c *Controller) elapsed(now units.Time) (h, hi float64) {
	if now < c.last {
		c.timeFaults++
		return 0, 0
	}
	// Unsigned difference: no overflow whatever the two instants.
	h = float64(uint64(now)-uint64(c.last)) / float64(units.Second)
	hi = h
	if c.maxStep > 0 && h > c.maxStep {
		c.timeFaults++
		hi = c.maxStep
	}
	return h, hi
}

// Track tells the controller the output actually applied since the last
// Update, when it differs from what Update returned: a safety override, an
// actuator's own limit, a quantised drive. The next Update rebases the
// integrator on it (back-calculation with a zero tracking time), so however
// long the override lasts nothing winds up, and when it ends the output
// moves from the applied value only by one update's worth of control action.
// A value equal to the output changes nothing; values outside the limits are
// clamped; before the first Update, Track sets where the output starts.
func (c *Controller) Track(applied float64) {
	if !finite(applied) {
		c.faults++
		return
	}
	a := c.clamp(applied)
	if !c.running {
		// Kept unclamped: a Configure to come sets the limits.
		c.pending, c.base, c.u, c.a = true, applied, a, a
		return
	}
	c.a = a
	c.exact = c.manual || a != c.u
}

// SetManual puts the controller in manual mode: Update returns out (clamped
// to the limits) while the controller tracks it, so SetAuto resumes without
// a bump. Calling it again changes the manual output.
func (c *Controller) SetManual(out float64) {
	if !finite(out) {
		c.faults++
		return
	}
	c.manual, c.manualOut, c.exact = true, out, true
	c.u, c.a = c.clamp(out), c.clamp(out)
	if !c.running {
		c.pending, c.base = true, out
	}
}

// SetAuto returns to automatic mode. The next Update starts from the manual
// output and moves by one update's worth of control action.
func (c *Controller) SetAuto() {
	if c.manual {
		c.manual, c.exact = false, true
	}
}

// Manual reports whether the controller is in manual mode.
func (c *Controller) Manual() bool { return c.manual }

// Reset reinitialises the controller: the next Update is a first update
// (no derivative kick, no integration) whose output is out, clamped, with the
// integrator set to match. Manual mode and the fault counts are kept.
func (c *Controller) Reset(out float64) {
	if !finite(out) {
		c.faults++
		return
	}
	c.running, c.pending, c.base, c.exact = false, true, out, false
	c.p, c.i, c.d, c.v = 0, 0, 0, 0
	c.u = c.clamp(out)
	c.a = c.u
}

// Output returns the last output: the last Update's, or what Reset, Track or
// SetManual set since; 0 clamped to the limits before any of them.
func (c *Controller) Output() float64 { return c.u }

// Terms returns the proportional, integral, derivative and feed-forward terms
// of the last Update, in output units, for telemetry.
func (c *Controller) Terms() (p, i, d, ff float64) {
	return c.p, c.i, c.d, c.ff
}

// Faults returns how many calls were rejected: NaN or infinite inputs,
// terms that would overflow, or an Update before Configure.
func (c *Controller) Faults() uint64 { return c.faults }

// TimeFaults returns how many updates saw the clock go backwards or an
// interval longer than MaxInterval.
func (c *Controller) TimeFaults() uint64 { return c.timeFaults }

func (c *Controller) clamp(x float64) float64 {
	return max(c.cfg.OutMin, min(c.cfg.OutMax, x)) // x is finite here; the builtins are branch-free
}

// finite reports whether x is neither NaN nor infinite: x-x is 0 only then.
func finite(x float64) bool { return x-x == 0 }
