package max31865

import "math"

// Callendar-Van Dusen coefficients of IEC 60751 (alpha = 0.00385):
// R(T) = R0·(1 + A·T + B·T²) for T ≥ 0 °C, and
// R(T) = R0·(1 + A·T + B·T² + C·(T-100)·T³) for -200 ≤ T < 0 °C.
const (
	cvdA = 3.9083e-3
	cvdB = -5.775e-7
	cvdC = -4.183e-12
)

// The range over which IEC 60751 defines the curve. Outside it a resistance
// is not a temperature of this sensor.
const (
	minCelsius = -200.0
	maxCelsius = 850.0
)

// resistance is the Callendar-Van Dusen curve, R(T) in ohms for a probe of
// R0 ohms at 0 °C.
func resistance(t, r0 float64) float64 {
	r := 1 + cvdA*t + cvdB*t*t
	if t < 0 {
		r += cvdC * (t - 100) * t * t * t
	}
	return r0 * r
}

// temperature inverts the Callendar-Van Dusen curve. At or above 0 °C (r ≥
// r0) the curve is a quadratic and its root is exact. Below, the quadratic's
// root is the start of a Newton iteration on the full quartic, which is
// monotonic and smooth over -200..0 °C: four steps bring it below 1e-9 K
// from the start's error of at most 0.3 K (at -200 °C). A NaN comes back for
// a resistance no temperature gives (negative, or beyond the quadratic's
// vertex near 6.6·R0).
func temperature(r, r0 float64) float64 {
	x := r/r0 - 1
	disc := cvdA*cvdA + 4*cvdB*x
	if disc < 0 || r < 0 {
		return math.NaN()
	}
	// The root of B·T² + A·T - x = 0 near 0, in the form that does not cancel.
	t := 2 * x / (cvdA + math.Sqrt(disc))
	if t >= 0 {
		return t
	}
	for range 6 {
		f := resistance(t, r0) - r
		df := r0 * (cvdA + 2*cvdB*t + cvdC*(4*t*t*t-300*t*t))
		step := f / df
		t -= step
		if math.Abs(step) < 1e-12 {
			break
		}
	}
	return t
}
