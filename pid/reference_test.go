package pid

import (
	"math"

	"hearth/units"
)

// This file is the independent reference for the benchmark figures: the
// continuous-time PID of docs/pid.md written as an ODE (no sampling, no
// discretisation of the filter or the integrator) and integrated together
// with the plant by RK4 at a fine step. It shares the plant model with the
// sampled runs, and nothing with the controller under test.

// refCtl is the continuous controller: the documented defaults for the
// filter and tracking time constants are applied here from their
// definitions, not taken from the package.
type refCtl struct {
	kp, ki, kd, b, tf, tt, lo, hi float64
}

func refFromConfig(cfg Config) refCtl {
	r := refCtl{kp: cfg.Kp, ki: cfg.Ki, kd: cfg.Kd, b: cfg.SetpointWeight, lo: cfg.OutMin, hi: cfg.OutMax}
	r.tf = cfg.DerivativeFilter.Seconds()
	if r.tf == 0 && r.kd > 0 {
		r.tf = r.kd / r.kp / 8 // Tf = Td/N with N = 8
	}
	r.tt = cfg.TrackingTime.Seconds()
	if r.tt == 0 && r.ki > 0 {
		ti := r.kp / r.ki
		r.tt = ti
		if r.kd > 0 {
			r.tt = math.Sqrt(ti * r.kd / r.kp)
		}
	}
	return r
}

// refLoop runs the continuous loop with an RK4 step h and records the plant
// output every sample seconds.
func refLoop(p plant, c refCtl, sc scenario, h, sample float64) loopRecord {
	s := newSim(p, h, 0) // for its plant model and delay line only
	n := len(p.lags)
	var z, k1, k2, k3, k4, tmp [10]float64
	var x [8]float64
	var out [8]float64
	ctl := func(z *[10]float64, in, r float64) (u, v, y float64) {
		copy(x[:], z[:8])
		y = s.output(&x, in)
		d := 0.0
		if c.kd > 0 {
			d = -c.kd * (y - z[n+1]) / c.tf
		}
		v = c.kp*(c.b*r-y) + z[n] + d
		return math.Max(c.lo, math.Min(c.hi, v)), v, y
	}
	f := func(z *[10]float64, delayed float64, useDelayed bool, r, load float64, dz *[10]float64) {
		u, v, y := ctl(z, delayed, r)
		in := u + load
		if useDelayed {
			in = delayed
		}
		copy(x[:], z[:8])
		s.deriv(&x, in, &out)
		copy(dz[:8], out[:])
		dz[n] = c.ki * (r - y)
		if c.tt > 0 {
			dz[n] += (u - v) / c.tt
		}
		dz[n+1] = 0
		if c.kd > 0 {
			dz[n+1] = (y - z[n+1]) / c.tf
		}
	}
	var rec loopRecord
	every := int(math.Round(sample / h))
	steps := int(math.Round(sc.end / h))
	delayed := len(s.line) > 0
	for k := 0; k <= steps; k++ {
		t := float64(k) * h
		r := sc.setpoint
		load := 0.0
		if t >= sc.loadAt-1e-12 {
			load = sc.load
		}
		in := 0.0
		if delayed {
			// The input that reaches the lags now left the controller one
			// dead time ago; what leaves now enters the line.
			in = s.line[s.head]
			u, _, _ := ctl(&z, in, r)
			s.line[s.head] = u + load
			s.head = (s.head + 1) % len(s.line)
		}
		if k%every == 0 {
			_, _, y := ctl(&z, in, r)
			u, _, _ := ctl(&z, in, r)
			rec.t = append(rec.t, units.Time(units.DurationOf(t)))
			rec.y, rec.u = append(rec.y, y), append(rec.u, u)
		}
		if k == steps {
			break
		}
		f(&z, in, delayed, r, load, &k1)
		for i := range n + 2 {
			tmp[i] = z[i] + h/2*k1[i]
		}
		f(&tmp, in, delayed, r, load, &k2)
		for i := range n + 2 {
			tmp[i] = z[i] + h/2*k2[i]
		}
		f(&tmp, in, delayed, r, load, &k3)
		for i := range n + 2 {
			tmp[i] = z[i] + h*k3[i]
		}
		f(&tmp, in, delayed, r, load, &k4)
		for i := range n + 2 {
			z[i] += h / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
		}
	}
	return rec
}
