// Package units holds the physical quantities Hearth reasons about, as small
// typed floats, and the controller's notion of time.
//
// Every quantity that crosses a package boundary carries its unit in its type
// so that a flow cannot be passed where a temperature is expected. The types
// are plain float64 (or int64 for time) so that arithmetic on the control path
// costs nothing and allocates nothing.
//
// This package must never do I/O or read the wall clock: Time is whatever the
// caller says it is (the Pi's monotonic clock, or the HIL bench's virtual one).
package units

import "math"

// Celsius is a temperature in degrees Celsius.
type Celsius float64

// Kelvin is a temperature difference (K). Absolute temperatures are Celsius.
type Kelvin float64

// Watt is a power.
type Watt float64

// Joule is an energy.
type Joule float64

// KWh converts an energy to kilowatt-hours.
func (j Joule) KWh() float64 { return float64(j) / 3.6e6 }

// WattPerKelvin is a thermal conductance (UA) or a heat-capacity rate (m_dot x cp).
type WattPerKelvin float64

// JoulePerKelvin is a heat capacity (m x cp).
type JoulePerKelvin float64

// LitrePerMin is a volumetric flow.
type LitrePerMin float64

// Bar is a gauge pressure.
type Bar float64

// Ratio is a dimensionless fraction, 0..1 unless stated otherwise (pump speed,
// valve position, fan speed, duty).
type Ratio float64

// Clamp limits r to [0, 1]. NaN maps to 0.
func (r Ratio) Clamp() Ratio {
	switch {
	case !(r > 0): // also catches NaN
		return 0
	case r > 1:
		return 1
	}
	return r
}

// Duration is a span of controller time in nanoseconds. It has the same
// representation as time.Duration so the edges convert with a plain cast, but
// the core does not import package time.
type Duration int64

// Common durations.
const (
	Nanosecond  Duration = 1
	Millisecond          = 1e6 * Nanosecond
	Second               = 1e3 * Millisecond
	Minute               = 60 * Second
	Hour                 = 60 * Minute
)

// Seconds returns d in seconds.
func (d Duration) Seconds() float64 { return float64(d) / float64(Second) }

// DurationOf converts seconds to a Duration.
func DurationOf(s float64) Duration { return Duration(math.Round(s * float64(Second))) }

// Time is a point on the controller's monotonic clock: nanoseconds since an
// epoch chosen by the caller (boot on the Pi, scenario start in the bench).
type Time int64

// Add returns t+d.
func (t Time) Add(d Duration) Time { return t + Time(d) }

// Sub returns t-u.
func (t Time) Sub(u Time) Duration { return Duration(t - u) }

// Seconds returns t in seconds since the epoch.
func (t Time) Seconds() float64 { return float64(t) / float64(Second) }

// Physical constants of the fluids, used by the plant model and by the safety
// layer's energy-balance check. Reference figures from docs/domain.md.
const (
	WaterDensityKgPerL = 0.997  // kg/L near 40 C
	WaterCpJPerKgK     = 4180.0 // J/(kg K)
	OilDensityKgPerL   = 0.820  // dielectric oil, kg/L
	OilCpJPerKgK       = 2100.0 // J/(kg K)
)

// WaterRate returns the heat-capacity rate of a water flow.
func WaterRate(f LitrePerMin) WattPerKelvin {
	return WattPerKelvin(float64(f) / 60 * WaterDensityKgPerL * WaterCpJPerKgK)
}

// OilRate returns the heat-capacity rate of an oil flow.
func OilRate(f LitrePerMin) WattPerKelvin {
	return WattPerKelvin(float64(f) / 60 * OilDensityKgPerL * OilCpJPerKgK)
}
