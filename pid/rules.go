package pid

import (
	"errors"
	"math"
	"strconv"

	"hearth/units"
)

// Result is what a relay experiment yields.
type Result struct {
	// Ku is the ultimate gain (output units per measurement unit, a
	// magnitude) and Tu the ultimate period: where a P controller would
	// hold the loop in a steady oscillation.
	Ku float64
	Tu units.Duration
	// FromModel says Ku and Tu come from the FOPDT fit (where its phase is
	// −180°); otherwise they are the relay's own estimates, HarmonicKu and
	// the oscillation period, which a hysteresis biases low in frequency.
	FromModel bool
	// Model is the first-order-plus-dead-time fit, when Valid.
	Model FOPDT
	// Second is the second-order-plus-dead-time fit, when Valid: the
	// static gain and relay point of Model, the lags' ratio from the step
	// from rest to the first switch.
	Second SOPDT
	// NoiseBand is the peak-to-peak noise measured in the quiet window
	// (0 without one), Hysteresis the ε the relay used.
	NoiseBand, Hysteresis float64
	// Relay holds the raw figures of the converged cycles.
	Relay RelayFigures
}

// FOPDT is a first-order-plus-dead-time model K·e^{−Ls}/(Ts + 1).
type FOPDT struct {
	// K is the static gain, measurement units per output unit; negative
	// for a plant under reverse action.
	K float64
	T units.Duration
	L units.Duration
	// Valid is false when the experiment could not support a fit: the mean
	// output hardly moved from RestOutput, or the static gain came out
	// smaller than the gain at the oscillation (the plant did not rest
	// when the tuner started, or is not of this kind).
	Valid bool
}

// RelayFigures are the averages over the converged cycles.
type RelayFigures struct {
	Cycles    int            // complete cycles run, the first included
	Period    units.Duration // of the oscillation
	High, Low units.Duration // time at the high and at the low output
	Amplitude float64        // half the peak-to-peak measurement
	Bias      float64        // relay centre (adapted, if AdaptiveBias)
	Swing     float64        // relay half-swing d
	// DescribingKu is the classic estimate 4d/(π·Amplitude) (Marlin's,
	// Klipper's), which ignores the harmonics and the hysteresis.
	DescribingKu float64
	// HarmonicKu is 1/|G(jω)| with G(jω) = Y1/U1, the ratio of the first
	// Fourier coefficients of measurement and output over a cycle: exact
	// at the oscillation frequency ω for a linear plant.
	HarmonicKu float64
	// Phase is arg G(jω) in radians, in (−2π, 0]: −π without hysteresis
	// for a plant that a describing function describes well.
	Phase float64
	// MeanMeasurement and MeanOutput are the averages over a cycle.
	MeanMeasurement, MeanOutput float64
}

// summarise averages the last n cycles and fits the model.
func (t *Tuner) summarise(n int) Result {
	n = min(n, t.nc, keptCycles)
	var per, high, amp, yMean, uMean, bias, d float64
	var g complex128
	for k := t.nc - n; k < t.nc; k++ {
		c := t.cycles[k%keptCycles]
		per += c.period
		high += c.high
		amp += (c.yMax - c.yMin) / 2
		yMean += c.yMean
		uMean += c.uMean
		bias += c.bias
		d += c.amplitude
		g += complex(c.gRe, c.gIm)
	}
	f := float64(n)
	per, high, amp, yMean, uMean, bias, d = per/f, high/f, amp/f, yMean/f, uMean/f, bias/f, d/f
	g /= complex(f, 0)
	gain := math.Hypot(real(g), imag(g))
	phase := math.Atan2(imag(g), real(g))
	if phase > 0 {
		phase -= 2 * math.Pi
	}
	r := Result{Relay: RelayFigures{
		Cycles: t.nc, Period: units.DurationOf(per), High: units.DurationOf(high),
		Low: units.DurationOf(per - high), Amplitude: amp, Bias: bias, Swing: d,
		DescribingKu: 4 * d / (math.Pi * amp), HarmonicKu: 1 / gain, Phase: phase,
		MeanMeasurement: yMean, MeanOutput: uMean,
	}}
	r.NoiseBand, r.Hysteresis = t.band, t.eps
	r.Ku, r.Tu = r.Relay.HarmonicKu, r.Relay.Period
	w := 2 * math.Pi / per
	if du := uMean - t.cfg.RestOutput; math.Abs(du) >= 0.02*(t.cfg.OutMax-t.cfg.OutMin) {
		k := t.sign * (yMean - t.y0) / du // direct-sense static gain, > 0
		if ratio := k / gain; ratio >= 0.98 {
			tau := 0.0
			if ratio > 1 {
				tau = math.Sqrt(ratio*ratio-1) / w
			}
			l := (-phase - math.Atan(w*tau)) / w
			if l >= -0.02*per {
				l = math.Max(l, 0)
				r.Model = FOPDT{K: t.sign * k, T: units.DurationOf(tau), L: units.DurationOf(l), Valid: true}
				r.Second = t.fitSOPDT(t.sign*k, gain, phase, w, per)
				if ku, tu, ok := r.Model.Ultimate(); ok {
					r.Ku, r.Tu, r.FromModel = ku, tu, true
				}
			}
		}
	}
	return r
}

// Ultimate returns the model's ultimate gain and period: the frequency ωu
// where atan(ωT) + ωL = π, Ku = √(1 + (ωu·T)²)/|K|, Tu = 2π/ωu. A model
// without dead time has none.
func (m FOPDT) Ultimate() (ku float64, tu units.Duration, ok bool) {
	k, tau, l := math.Abs(m.K), m.T.Seconds(), m.L.Seconds()
	if !m.Valid || !(k > 0) || !(l > 0) || tau < 0 {
		return 0, 0, false
	}
	lo, hi := 0.0, math.Pi/l // phase lag 0 at lo, at least π at hi
	for range 200 {
		mid := (lo + hi) / 2
		if math.Atan(mid*tau)+mid*l < math.Pi {
			lo = mid
		} else {
			hi = mid
		}
	}
	w := (lo + hi) / 2
	return math.Sqrt(1+w*w*tau*tau) / k, units.DurationOf(2 * math.Pi / w), true
}

// Rule is a tuning rule.
type Rule uint8

// The rules. Those on Ku and Tu come from the relay experiment alone; those
// on the FOPDT model need a valid fit. For the lag-dominant thermal loops of
// Hearth prefer SIMCPI (or AMIGOPI): Ziegler-Nichols aims at a quarter
// decay ratio and gives an integral time far too short for them.
const (
	ZieglerNicholsPI  Rule = iota + 1 // Kp = 0.45·Ku, Ti = Tu/1.2
	ZieglerNicholsPID                 // Kp = 0.6·Ku, Ti = Tu/2, Td = Tu/8
	TyreusLuybenPI                    // Kp = Ku/3.2, Ti = 2.2·Tu
	TyreusLuybenPID                   // Kp = Ku/2.2, Ti = 2.2·Tu, Td = Tu/6.3
	SIMCPI                            // Skogestad, τc = L: Kp = T/(2KL), Ti = min(T, 8L)
	AMIGOPI                           // Åström-Hägglund, from the FOPDT fit
	AMIGOPID                          // Åström-Hägglund, from the FOPDT fit
	// MsIAE is the rule chosen for the plant (Result.Recommend): IAE
	// optimal on the SOPDT fit under a robustness bound, with a setpoint
	// weight; Result.Gains answers ErrRecommendOnly for it.
	MsIAE
)

var ruleNames = [...]string{
	ZieglerNicholsPI: "zn-pi", ZieglerNicholsPID: "zn-pid", TyreusLuybenPI: "tl-pi",
	TyreusLuybenPID: "tl-pid", SIMCPI: "simc-pi", AMIGOPI: "amigo-pi", AMIGOPID: "amigo-pid",
	MsIAE: "ms-iae",
}

// Rules returns every rule, in order.
func Rules() []Rule {
	return []Rule{ZieglerNicholsPI, ZieglerNicholsPID, TyreusLuybenPI, TyreusLuybenPID, SIMCPI, AMIGOPI, AMIGOPID, MsIAE}
}

// String returns the rule's short name, as ParseRule reads it.
func (r Rule) String() string {
	if int(r) < len(ruleNames) && ruleNames[r] != "" {
		return ruleNames[r]
	}
	return "rule(" + strconv.Itoa(int(r)) + ")"
}

// ParseRule reads a rule's short name ("simc-pi", "zn-pid", ...).
func ParseRule(s string) (Rule, error) {
	for r, n := range ruleNames {
		if n != "" && n == s {
			return Rule(r), nil
		}
	}
	return 0, errors.New("pid: unknown tuning rule " + s)
}

// ModelBased reports whether the rule needs the FOPDT fit.
func (r Rule) ModelBased() bool { return r == SIMCPI || r == AMIGOPI || r == AMIGOPID }

// Gains are a rule's proposal, in Config's parallel form.
type Gains struct {
	Rule       Rule
	Kp, Ki, Kd float64
}

// Ti returns the integral time Kp/Ki.
func (g Gains) Ti() units.Duration { return units.DurationOf(g.Kp / g.Ki) }

// Td returns the derivative time Kd/Kp.
func (g Gains) Td() units.Duration { return units.DurationOf(g.Kd / g.Kp) }

// Apply returns cfg with the gains set, everything else kept.
func (g Gains) Apply(cfg Config) Config {
	cfg.Kp, cfg.Ki, cfg.Kd = g.Kp, g.Ki, g.Kd
	return cfg
}

// Errors of the tuning rules.
var (
	ErrNoModel    = errors.New("pid: the rule needs a valid FOPDT model with dead time")
	ErrNoUltimate = errors.New("pid: the rule needs a finite, positive Ku and Tu")
	ErrRule       = errors.New("pid: unknown tuning rule")
)

// Gains returns the gains the rule proposes for the experiment's result.
func (r Result) Gains(rule Rule) (Gains, error) {
	if rule == MsIAE {
		return Gains{}, ErrRecommendOnly
	}
	if rule.ModelBased() {
		return r.Model.Gains(rule)
	}
	return UltimateGains(rule, r.Ku, r.Tu)
}

// UltimateGains applies a rule on the ultimate gain and period.
func UltimateGains(rule Rule, ku float64, tu units.Duration) (Gains, error) {
	p := tu.Seconds()
	if !(ku > 0) || !finite(ku) || !(p > 0) {
		return Gains{}, ErrNoUltimate
	}
	var kp, ti, td float64
	switch rule {
	case ZieglerNicholsPI:
		kp, ti = 0.45*ku, p/1.2
	case ZieglerNicholsPID:
		kp, ti, td = 0.6*ku, p/2, p/8
	case TyreusLuybenPI:
		kp, ti = ku/3.2, 2.2*p
	case TyreusLuybenPID:
		kp, ti, td = ku/2.2, 2.2*p, p/6.3
	default:
		return Gains{}, ErrRule
	}
	return Gains{Rule: rule, Kp: kp, Ki: kp / ti, Kd: kp * td}, nil
}

// Gains applies a model-based rule to the FOPDT model.
func (m FOPDT) Gains(rule Rule) (Gains, error) {
	k, tau, l := math.Abs(m.K), m.T.Seconds(), m.L.Seconds()
	if !m.Valid || !(k > 0) || !(l > 0) || tau < 0 {
		return Gains{}, ErrNoModel
	}
	var kp, ti, td float64
	switch rule {
	case SIMCPI:
		// τc = L, the "tight but robust" choice; Ti is cut to 4(τc + L)
		// for lag-dominant plants so that loads are rejected in time.
		kp, ti = tau/(k*2*l), math.Min(tau, 8*l)
		if ti == 0 { // a pure dead time: integral control alone
			return Gains{Rule: rule, Ki: 1 / (k * 2 * l)}, nil
		}
	case AMIGOPI:
		kp = 0.15/k + (0.35-l*tau/((l+tau)*(l+tau)))*tau/(k*l)
		ti = 0.35*l + 13*l*tau*tau/(tau*tau+12*l*tau+7*l*l)
	case AMIGOPID:
		kp = (0.2 + 0.45*tau/l) / k
		ti = (0.4*l + 0.8*tau) * l / (l + 0.1*tau)
		td = 0.5 * l * tau / (0.3*l + tau)
	default:
		return Gains{}, ErrRule
	}
	return Gains{Rule: rule, Kp: kp, Ki: kp / ti, Kd: kp * td}, nil
}
