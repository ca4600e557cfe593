package pid

import (
	"errors"
	"math"
	"strconv"

	"hearth/units"
)

// RecommendOptions set up Result.Recommend. Zero values select the defaults.
type RecommendOptions struct {
	// Period is the controller's sample period; 0 selects (L + the lags)/200,
	// at most L/5.
	Period units.Duration
	// MaxSensitivity bounds Ms, the peak of the model loop's sensitivity
	// |1/(1 + CG)|; 0 selects DefaultMaxSensitivity.
	MaxSensitivity float64
	// MaxOvershoot bounds the overshoot of a setpoint step on the model;
	// 0 selects DefaultMaxOvershoot (a margin below the 20 % the loop on
	// the real plant must meet).
	MaxOvershoot float64
	// LoadWeight sets the load step of the design criterion, at the plant
	// input: LoadWeight/|K| per unit of setpoint step; 0 selects 0.5.
	LoadWeight float64
	// Quantum is the measurement's resolution (1/16 K for a DS18B20); with
	// the noise band it sets the derivative filter (DerivativeKick).
	Quantum float64
	// OutputSpan is the output's range the derivative kick is bounded
	// against; 0 selects the relay's full swing 2d.
	OutputSpan float64
	// SetpointStep is the setpoint step of the design criterion, in
	// measurement units: it scales the quantum and the noise band the
	// model's loop sees (the design is otherwise linear). 0 selects the
	// relay's peak-to-peak amplitude.
	SetpointStep float64
	// ActuatorRange, when above 0, bounds the controller's noise gain: its
	// gain at high frequency (Kp, plus Kd/Tf for a PID) times the
	// measurement's noise (the larger of the noise band and the quantum,
	// peak to peak) at most NoiseShare of ActuatorRange, so the noise does
	// not move the actuator by more than that: a fan or a pump kept from
	// chattering (Åström and Hägglund's noise-sensitivity constraint).
	// 0: no bound.
	ActuatorRange float64
	// NoiseShare is that share; 0 selects DefaultNoiseShare.
	NoiseShare float64
}

// Defaults of RecommendOptions.
const (
	DefaultMaxSensitivity = 2.0
	DefaultMaxOvershoot   = 0.10
	DefaultLoadWeight     = 0.5
	// DerivativeKick bounds the derivative term's jump on one quantum (or
	// one noise band) of the measurement, as a fraction of OutputSpan:
	// Tf ≥ Kd·q/(DerivativeKick·span).
	DerivativeKick = 0.05
	// DelayDominant is the normalised dead time from which the rule is a
	// PI: there derivative action buys little and only amplifies noise.
	DelayDominant = 0.5
	// DerivativePays is the share of the PI's criterion a PID must save
	// to be chosen.
	DerivativePays = 0.10
	// DefaultNoiseShare is the noise's share of the actuator's range at
	// most (ActuatorRange): 4 %, under the 5 % move that counts as a
	// reversal of the actuator (docs/pid.md §6.6).
	DefaultNoiseShare = 0.04
)

// Recommendation is the ms-iae rule's proposal for the plant.
type Recommendation struct {
	Rule             Rule  // MsIAE
	Gains            Gains // Kp, Ki, Kd
	SetpointWeight   float64
	DerivativeFilter units.Duration // 0 for a PI
	// Tau is the model's normalised dead time, Order its order (1 or 2).
	Tau   float64
	Order int
	// Ms, ModelIAE and ModelOvershoot are the figures of the design on the
	// identified model: sensitivity peak, criterion, setpoint overshoot.
	Ms, ModelIAE, ModelOvershoot float64
	// Reason says in one line why these gains.
	Reason string
}

// Apply returns cfg with the gains, the setpoint weight and the derivative
// filter set, everything else kept.
func (rc Recommendation) Apply(cfg Config) Config {
	cfg = rc.Gains.Apply(cfg)
	cfg.SetpointWeight, cfg.DerivativeFilter = rc.SetpointWeight, rc.DerivativeFilter
	return cfg
}

// ErrRecommendOnly is Result.Gains's answer for MsIAE, whose gains come with
// a setpoint weight and a derivative filter: use Result.Recommend.
var ErrRecommendOnly = errors.New("pid: the ms-iae rule's gains come from Result.Recommend")

// design is what the search on the model works with.
type design struct {
	m                    SOPDT
	h, load, loadAt, end float64
	msMax, osMax         float64
	qEff, span           float64
	noiseMax             float64 // the bound on the high-frequency gain; 0: none
	probe                probe
	pid                  bool
	kp, ti, td, b, tf    float64
	score                loopScore
	ms                   float64
}

// Recommend chooses the controller for the identified plant: the SOPDT
// fit (the FOPDT one when there is none), a PI on delay-dominant plants
// and a PID with setpoint weight where derivative action pays, the gains
// minimising IAE(setpoint step) + IAE(load step) on the model under
// Ms ≤ MaxSensitivity and overshoot ≤ MaxOvershoot (docs/pid.md §2.5).
func (r Result) Recommend(opts RecommendOptions) (Recommendation, error) {
	m := r.Second
	if !m.Valid {
		if !r.Model.Valid {
			return Recommendation{}, ErrNoModel
		}
		m = SOPDT{K: r.Model.K, T1: r.Model.T, L: r.Model.L, Valid: true}
	}
	tar := m.residence()
	if !(math.Abs(m.K) > 0) || !(tar > 0) {
		return Recommendation{}, ErrNoModel
	}
	d := design{m: m, msMax: orDefault(opts.MaxSensitivity, DefaultMaxSensitivity),
		osMax: orDefault(opts.MaxOvershoot, DefaultMaxOvershoot),
		qEff:  math.Max(opts.Quantum, r.NoiseBand), span: orDefault(opts.OutputSpan, 2*r.Relay.Swing)}
	if opts.ActuatorRange > 0 && d.qEff > 0 {
		d.noiseMax = orDefault(opts.NoiseShare, DefaultNoiseShare) * opts.ActuatorRange / d.qEff
	}
	d.h = opts.Period.Seconds()
	if d.h <= 0 {
		d.h = tar / 200
		if l := m.L.Seconds(); l > 0 {
			d.h = math.Min(d.h, l/5)
		}
	}
	// The model's probe: noise of ± half the larger of the band and the
	// quantum (a quantised probe reading steady at rest hides noise below
	// its step; a DS18B20's is about one step), then the quantum.
	if step := orDefault(opts.SetpointStep, 2*r.Relay.Amplitude); step > 0 {
		d.probe = probe{noise: math.Max(r.NoiseBand, opts.Quantum) / 2 / step, quant: opts.Quantum / step, seed: 3}
	}
	d.load = -orDefault(opts.LoadWeight, DefaultLoadWeight) / math.Abs(m.K)
	d.loadAt, d.end = 6*tar, 12*tar
	tau := m.NormalisedDeadTime()
	pi := d.optimise(false)
	best, why := pi, "PI: delay-dominant, derivative action buys little"
	if tau < DelayDominant {
		pd := d.optimise(true)
		why = "PI: a PID would save only " + fixed(100*(1-pd.score.j/pi.score.j), 0) + " %"
		if !pd.score.ok || pd.score.j >= pi.score.j {
			why = "PI: a PID does no better"
		}
		if pd.score.ok && pd.score.j <= (1-DerivativePays)*pi.score.j {
			best, why = pd, "PID"
		}
	}
	if !best.score.ok {
		return Recommendation{}, errors.New("pid: no stable design on the identified model")
	}
	return best.recommendation(tau, why), nil
}

func orDefault(v, d float64) float64 {
	if v > 0 {
		return v
	}
	return d
}

func (d design) recommendation(tau float64, why string) Recommendation {
	rc := Recommendation{Rule: MsIAE, Gains: Gains{Rule: MsIAE, Kp: d.kp, Ki: d.kp / d.ti, Kd: d.kp * d.td},
		SetpointWeight: d.b, Tau: tau, Order: d.m.Order(), Ms: d.ms, ModelIAE: d.score.j, ModelOvershoot: d.score.overshoot}
	if d.pid {
		rc.DerivativeFilter = units.DurationOf(d.tf)
	}
	band := "lag-dominant"
	switch {
	case tau >= DelayDominant:
		band = "delay-dominant"
	case tau >= 0.2:
		band = "balanced"
	}
	order := "first order"
	switch {
	case rc.Order == 2:
		order = "second order"
	case rc.Order > 2:
		order = strconv.Itoa(rc.Order) + " equal lags"
	}
	rc.Reason = "τ = " + fixed(tau, 2) + ", " + band + ", " + order + ": " + why + " with b = " + fixed(d.b, 2) +
		" for IAE under Ms ≤ " + fixed(d.msMax, 1) + " (Ms " + fixed(d.ms, 2) + ", overshoot " +
		fixed(100*d.score.overshoot, 0) + " % on the model)"
	if d.noiseMax > 0 && d.noiseGain() >= 0.98*d.noiseMax {
		rc.Reason += "; gain at high frequency held to " + strconv.FormatFloat(d.noiseMax, 'g', 3, 64) +
			" by the measurement's noise of " + strconv.FormatFloat(d.qEff, 'g', 3, 64) + " (no chatter)"
	}
	if d.pid && d.tf > d.td/8*1.001 {
		rc.Reason += "; derivative filter " + strconv.FormatFloat(d.tf, 'g', 3, 64) + " s for steps of " +
			strconv.FormatFloat(d.qEff, 'g', 3, 64)
	}
	return rc
}

func fixed(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
