package pid

import (
	"errors"
	"math"

	"hearth/units"
)

// TunerConfig sets up a relay experiment. The relay drives the output to
// Bias + d while the measurement is below Setpoint − Hysteresis and to
// Bias − d while it is above Setpoint + Hysteresis (the other way round for
// Reverse), so the loop settles into a limit cycle whose period and
// amplitude reveal the plant. Zero values of the optional fields select the
// documented defaults; the bounds have none, a tuner must be bounded.
type TunerConfig struct {
	// Setpoint is the measurement the relay oscillates around; pick the
	// loop's operating point, the plant is not linear.
	Setpoint float64
	// Hysteresis is the noise band ε ≥ 0: the relay switches only when the
	// measurement is ε beyond the setpoint. Set it to 2-3 times the
	// measurement's noise (peak); it lengthens the period a little, which
	// the FOPDT fit accounts for. With QuietTime > 0 and Hysteresis 0 the
	// tuner chooses it from the measured noise band (HysteresisPerBand).
	Hysteresis float64
	// QuietTime > 0 holds RestOutput for this long before the relay
	// starts and measures the noise band there: the peak-to-peak of the
	// measurement about its straight-line trend. The band anchors the
	// static gain (its mean is y0) and, when Hysteresis is 0, sets ε to
	// HysteresisPerBand times the band: 0 on a clean signal. 0 starts the
	// relay at once, as before, with ε = Hysteresis.
	QuietTime units.Duration

	// OutMin and OutMax bound the relay's output.
	OutMin, OutMax float64
	// Bias is the relay's initial centre, strictly inside (OutMin, OutMax):
	// ideally the output that holds the setpoint.
	Bias float64
	// Amplitude is the relay's half-swing d. 0 selects the largest swing
	// the limits allow around the bias; a larger value is reduced to it.
	Amplitude float64
	// AdaptiveBias re-centres the bias after each cycle so that the times
	// at the high and the low output match, as Marlin's M303 does: it
	// keeps an asymmetric plant (heats fast, cools slowly) oscillating
	// around the setpoint. The bias stays 5 % of the range inside the
	// limits, and d follows it when Amplitude is 0.
	AdaptiveBias bool
	// Reverse: a higher output lowers the measurement (a cooler).
	Reverse bool

	// RestOutput is the output at which the plant rested, settled, when
	// the tuner started: with the first measurement it anchors the static
	// gain of the FOPDT fit. Step returns it once the experiment is over.
	RestOutput float64

	// MaxDeviation > 0 aborts the experiment when, after the relay's first
	// switch, the measurement strays further than this from the setpoint.
	MaxDeviation float64
	// MaxDuration > 0 aborts the experiment when it runs longer.
	MaxDuration units.Duration

	// MinCycles is how many successive cycles must agree; 0 selects 3, and
	// at least 2 are needed.
	MinCycles int
	// MaxCycles aborts the experiment when this many cycles have not
	// converged; 0 selects 20.
	MaxCycles int
	// Tolerance is the relative agreement required of the cycles' periods
	// and amplitudes (and of the bias, relative to d); 0 selects 0.05.
	Tolerance float64
	// MaxBadSamples is how many NaN, infinite or out-of-order samples in a
	// row are held through before aborting; 0 selects 3.
	MaxBadSamples int
}

// Defaults of the optional TunerConfig fields.
const (
	DefaultMinCycles     = 3
	DefaultMaxCycles     = 20
	DefaultTolerance     = 0.05
	DefaultMaxBadSamples = 3
	// HysteresisPerBand is ε over the measured noise band (peak-to-peak):
	// ε equal to the band is twice the noise's peak about its mean, so a
	// noise excursion alone cannot carry the measurement from one switch
	// level to the other.
	HysteresisPerBand = 1.0
)

// Why an experiment ended without a result.
var (
	ErrTuning         = errors.New("pid: tuning not finished")
	ErrDeviation      = errors.New("pid: tuning aborted: the measurement left the deviation bound")
	ErrDuration       = errors.New("pid: tuning aborted: the duration bound was reached")
	ErrNoConvergence  = errors.New("pid: tuning aborted: the cycles did not converge to a usable result")
	ErrBadMeasurement = errors.New("pid: tuning aborted: measurements not finite or out of order")
	ErrAborted        = errors.New("pid: tuning aborted by the caller")
	ErrUnconfigured   = errors.New("pid: tuner not configured")
	ErrNoisy          = errors.New("pid: tuning aborted: the hysteresis the noise band needs reaches the deviation bound")
)

// Validate reports whether cfg can be used, and why not.
func (cfg *TunerConfig) Validate() error {
	for _, f := range [...]struct {
		name string
		v    float64
	}{
		{"Setpoint", cfg.Setpoint}, {"Hysteresis", cfg.Hysteresis}, {"OutMin", cfg.OutMin},
		{"OutMax", cfg.OutMax}, {"Bias", cfg.Bias}, {"Amplitude", cfg.Amplitude},
		{"RestOutput", cfg.RestOutput}, {"MaxDeviation", cfg.MaxDeviation}, {"Tolerance", cfg.Tolerance},
	} {
		if !finite(f.v) {
			return &ConfigError{f.name, "is not finite"}
		}
	}
	switch {
	case !(cfg.OutMin < cfg.OutMax) || !finite(cfg.OutMax-cfg.OutMin):
		return &ConfigError{"OutMax", "is not above OutMin"}
	case !(cfg.Bias > cfg.OutMin && cfg.Bias < cfg.OutMax):
		return &ConfigError{"Bias", "is not strictly inside the output limits"}
	case cfg.RestOutput < cfg.OutMin || cfg.RestOutput > cfg.OutMax:
		return &ConfigError{"RestOutput", "is outside the output limits"}
	case cfg.Hysteresis < 0:
		return &ConfigError{"Hysteresis", "is negative"}
	case cfg.Amplitude < 0:
		return &ConfigError{"Amplitude", "is negative"}
	case cfg.QuietTime < 0:
		return &ConfigError{"QuietTime", "is negative"}
	case !(cfg.MaxDeviation > cfg.Hysteresis):
		return &ConfigError{"MaxDeviation", "must exceed the hysteresis"}
	case cfg.MaxDuration <= 0:
		return &ConfigError{"MaxDuration", "must be positive"}
	case cfg.MinCycles < 0 || cfg.MinCycles == 1:
		return &ConfigError{"MinCycles", "must be 0 (default) or at least 2"}
	case cfg.MaxCycles < 0:
		return &ConfigError{"MaxCycles", "is negative"}
	case cfg.Tolerance < 0 || cfg.Tolerance >= 1:
		return &ConfigError{"Tolerance", "must be in [0, 1)"}
	case cfg.MaxBadSamples < 0:
		return &ConfigError{"MaxBadSamples", "is negative"}
	}
	minC, maxC := withDefault(cfg.MinCycles, DefaultMinCycles), withDefault(cfg.MaxCycles, DefaultMaxCycles)
	if maxC <= minC {
		return &ConfigError{"MaxCycles", "must exceed MinCycles"}
	}
	return nil
}

func withDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

// tunerSamples bounds the samples kept of one cycle; a longer cycle is kept
// at a halved resolution, as often as needed.
const tunerSamples = 2048

// stepSamples bounds the samples kept of the step from rest to the first
// switch, and of the quiet window, each halved in resolution when full.
const stepSamples = 512

// keptCycles bounds the cycles remembered for the convergence check.
const keptCycles = 16

type tunerState uint8

const (
	tunerIdle tunerState = iota
	tunerRunning
	tunerDone
	tunerAborted
)

type sample struct{ tau, y float64 } // seconds since the cycle began, measurement

// cycle holds the figures of one complete relay cycle, from a switch to the
// high output to the next.
type cycle struct {
	period, high    float64 // s
	hi, lo          float64 // output levels
	yMax, yMin      float64
	yMean, uMean    float64
	gRe, gIm        float64 // first-harmonic G(jω) = Y1/U1, in the direct sense
	bias, amplitude float64
}

// Tuner is a relay autotuner. Like the controller it is a pure step: feed it
// the measurement and the time, apply the output it returns, until it says
// it is done; then Result has the figures. It allocates nothing and holds
// about 50 KB, so keep it behind a pointer.
type Tuner struct {
	cfg      TunerConfig
	sign     float64
	minC     int
	maxC     int
	tol      float64
	maxBad   int
	state    tunerState
	err      error
	started  bool
	start    units.Time
	last     units.Time
	y0       float64
	high     bool
	switched bool
	bias, d  float64
	out      float64
	bad      int
	faults   uint64

	inCycle    bool
	cycleStart units.Time
	highEnd    float64 // s into the cycle when the relay went low
	cycleBias  float64
	cycleD     float64
	yMax, yMin float64
	stride     int
	steps      int
	n          int
	buf        [tunerSamples]sample

	// The quiet window and the step from rest to the first switch.
	quiet      bool       // in the quiet window
	eps        float64    // the hysteresis in force
	band       float64    // measured noise band
	relayStart units.Time // when the relay began (the step's origin)
	stepDu     float64    // the step's output change from RestOutput
	quietRec   trace
	stepRec    trace

	cycles [keptCycles]cycle
	nc     int // complete cycles so far
	result Result
}

// trace keeps samples at a resolution halved whenever the buffer fills.
type trace struct {
	n, stride, steps int
	buf              [stepSamples]sample
}

func (tr *trace) add(s sample) {
	tr.steps++
	if tr.stride == 0 {
		tr.stride = 1
	}
	if (tr.steps-1)%tr.stride != 0 {
		return
	}
	if tr.n == len(tr.buf) {
		for i := 0; i < tr.n/2; i++ {
			tr.buf[i] = tr.buf[2*i]
		}
		tr.n /= 2
		tr.stride *= 2
		if (tr.steps-1)%tr.stride != 0 {
			return
		}
	}
	tr.buf[tr.n] = s
	tr.n++
}

func (tr *trace) samples() []sample { return tr.buf[:tr.n] }

// Configure validates cfg and readies the tuner for a new experiment.
func (t *Tuner) Configure(cfg TunerConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	*t = Tuner{cfg: cfg, sign: 1, state: tunerRunning, err: ErrTuning}
	if cfg.Reverse {
		t.sign = -1
	}
	t.minC = withDefault(cfg.MinCycles, DefaultMinCycles)
	t.maxC = withDefault(cfg.MaxCycles, DefaultMaxCycles)
	t.maxBad = withDefault(cfg.MaxBadSamples, DefaultMaxBadSamples)
	t.tol = cfg.Tolerance
	if t.tol == 0 {
		t.tol = DefaultTolerance
	}
	t.bias = cfg.Bias
	t.d = t.swing(t.bias)
	t.out = cfg.RestOutput
	t.eps = cfg.Hysteresis
	return nil
}

// swing returns the relay's half-swing around bias.
func (t *Tuner) swing(bias float64) float64 {
	d := math.Min(bias-t.cfg.OutMin, t.cfg.OutMax-bias)
	if t.cfg.Amplitude > 0 {
		d = math.Min(d, t.cfg.Amplitude)
	}
	return d
}

// Step takes the measurement at now and returns the output to apply until
// the next step, and whether the experiment is over (then the output is
// RestOutput and Result tells how it went). A NaN, infinite or out-of-order
// sample holds the output; more than MaxBadSamples of them in a row abort.
func (t *Tuner) Step(measurement float64, now units.Time) (output float64, done bool) {
	if t.state != tunerRunning {
		return t.cfg.RestOutput, true
	}
	if !finite(measurement) || (t.started && now <= t.last) {
		t.faults++
		if t.bad++; t.bad > t.maxBad {
			return t.abort(ErrBadMeasurement)
		}
		return t.out, false
	}
	t.bad = 0
	ys, sp := t.sign*measurement, t.sign*t.cfg.Setpoint
	if !t.started {
		t.started, t.start, t.y0, t.high = true, now, measurement, ys < sp
		t.relayStart, t.quiet = now, t.cfg.QuietTime > 0
	} else if uint64(now)-uint64(t.start) > uint64(t.cfg.MaxDuration) { // now > start: no overflow
		return t.abort(ErrDuration)
	}
	t.last = now
	if t.quiet {
		if now.Sub(t.start) < t.cfg.QuietTime {
			t.quietRec.add(sample{now.Sub(t.start).Seconds(), measurement})
			return t.cfg.RestOutput, false
		}
		if !t.endQuiet(now, ys < sp) {
			return t.abort(ErrNoisy)
		}
	}
	eps := t.eps
	if !t.switched {
		if t.stepRec.n == 0 {
			t.stepDu = t.relayOutput() - t.cfg.RestOutput
		}
		t.stepRec.add(sample{now.Sub(t.relayStart).Seconds(), measurement})
	}
	if t.switched && math.Abs(measurement-t.cfg.Setpoint) > t.cfg.MaxDeviation {
		return t.abort(ErrDeviation)
	}
	if t.inCycle {
		t.record(now, measurement)
	}
	switch {
	case t.high && ys > sp+eps:
		t.high, t.switched = false, true
		if t.inCycle {
			t.highEnd = now.Sub(t.cycleStart).Seconds()
		}
	case !t.high && ys < sp-eps:
		t.high, t.switched = true, true
		if t.inCycle {
			t.closeCycle(now, measurement)
			if t.converged() {
				t.finish()
				return t.cfg.RestOutput, true
			}
			if t.nc >= t.maxC {
				return t.abort(ErrNoConvergence)
			}
			t.adaptBias()
		}
		t.beginCycle(now, measurement)
	}
	t.out = t.relayOutput()
	return t.out, false
}

func (t *Tuner) relayOutput() float64 {
	if t.high {
		return t.bias + t.d
	}
	return t.bias - t.d
}

// endQuiet closes the quiet window: the noise band, y0 from its mean, the
// hysteresis; false when that hysteresis reaches the deviation bound.
func (t *Tuner) endQuiet(now units.Time, below bool) bool {
	t.quiet, t.relayStart, t.high = false, now, below
	var mean float64
	t.band, mean = noiseBand(t.quietRec.samples())
	if t.quietRec.n > 0 {
		t.y0 = mean
	}
	if t.cfg.Hysteresis == 0 {
		t.eps = HysteresisPerBand * t.band
	}
	return t.eps < t.cfg.MaxDeviation
}

// noiseBand returns the peak-to-peak of the samples about their
// least-squares line, and their mean; a band below 1e-9 of the level (the
// rounding of a clean signal) is 0.
func noiseBand(s []sample) (band, mean float64) {
	if len(s) == 0 {
		return 0, 0
	}
	var st, sy, stt, sty float64
	for _, p := range s {
		st, sy, stt, sty = st+p.tau, sy+p.y, stt+p.tau*p.tau, sty+p.tau*p.y
	}
	n := float64(len(s))
	slope := 0.0
	if den := n*stt - st*st; den > 0 {
		slope = (n*sty - st*sy) / den
	}
	mean = sy / n
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range s {
		r := p.y - (mean + slope*(p.tau-st/n))
		lo, hi = math.Min(lo, r), math.Max(hi, r)
	}
	band = hi - lo
	if band <= 1e-9*math.Max(1, math.Abs(mean)) {
		band = 0
	}
	return band, mean
}

func (t *Tuner) abort(err error) (float64, bool) {
	t.state, t.err = tunerAborted, err
	if t.nc > 0 {
		t.result = t.summarise(1)
	}
	return t.cfg.RestOutput, true
}

// Abort ends the experiment, for instance when the safety layer takes over;
// Result then returns ErrAborted.
func (t *Tuner) Abort() {
	if t.state == tunerRunning {
		t.abort(ErrAborted)
	}
}

// Output returns the output of the last Step (RestOutput before the first
// and after the end).
func (t *Tuner) Output() float64 {
	if t.state != tunerRunning {
		return t.cfg.RestOutput
	}
	return t.out
}

// Cycles returns how many complete relay cycles have been measured.
func (t *Tuner) Cycles() int { return t.nc }

// Faults returns how many samples were held because they were NaN,
// infinite or out of order.
func (t *Tuner) Faults() uint64 { return t.faults }

// Result returns the experiment's figures once it is done. Before that the
// error is ErrTuning; after an abort it is the reason (ErrDeviation,
// ErrDuration, ErrNoConvergence, ErrBadMeasurement, ErrAborted), and the
// result holds the relay figures of the last complete cycle, if any, for
// diagnosis.
func (t *Tuner) Result() (Result, error) {
	switch t.state {
	case tunerIdle:
		return Result{}, ErrUnconfigured
	case tunerDone:
		return t.result, nil
	}
	return t.result, t.err
}

func (t *Tuner) beginCycle(now units.Time, y float64) {
	t.inCycle, t.cycleStart, t.highEnd = true, now, 0
	t.cycleBias, t.cycleD = t.bias, t.d
	t.yMax, t.yMin = y, y
	t.stride, t.steps, t.n = 1, 0, 0
	t.buf[0] = sample{0, y}
	t.n = 1
}

// record keeps the sample, halving the resolution of the cycle when the
// buffer is full.
func (t *Tuner) record(now units.Time, y float64) {
	t.yMax, t.yMin = math.Max(t.yMax, y), math.Min(t.yMin, y)
	t.steps++
	if t.steps%t.stride != 0 {
		return
	}
	t.push(sample{now.Sub(t.cycleStart).Seconds(), y})
}

func (t *Tuner) push(s sample) {
	if t.n == len(t.buf) {
		for i := 0; i < t.n/2; i++ {
			t.buf[i] = t.buf[2*i]
		}
		t.n /= 2
		t.stride *= 2
	}
	t.buf[t.n] = s
	t.n++
}

// closeCycle computes the figures of the cycle that ends now, at the
// switch back to the high output.
func (t *Tuner) closeCycle(now units.Time, y float64) {
	p := now.Sub(t.cycleStart).Seconds()
	if last := t.buf[t.n-1]; last.tau != p {
		// The closing sample was skipped by the stride: it is needed.
		t.push(sample{p, y})
	}
	w := 2 * math.Pi / p
	var y1 complex128
	yInt := 0.0
	for k := 1; k < t.n; k++ {
		a, b := t.buf[k-1], t.buf[k]
		y1 += segmentHarmonic(a.tau, a.y, b.tau, b.y, w)
		yInt += (b.tau - a.tau) * (a.y + b.y) / 2
	}
	hi, lo := t.cycleBias+t.cycleD, t.cycleBias-t.cycleD
	th := t.highEnd
	// The output is a two-level wave: its first Fourier coefficient is
	// (2/P)(hi − lo)·(j/ω)·(e^{−jω·th} − 1); the 2/P cancels in Y1/U1.
	sh, ch := math.Sincos(w * th)
	u1 := complex(hi-lo, 0) * complex(0, 1/w) * complex(ch-1, -sh)
	g := complex(t.sign, 0) * y1 / u1
	c := cycle{
		period: p, high: th, hi: hi, lo: lo, yMax: t.yMax, yMin: t.yMin,
		yMean: yInt / p, uMean: (hi*th + lo*(p-th)) / p,
		gRe: real(g), gIm: imag(g), bias: t.cycleBias, amplitude: t.cycleD,
	}
	t.cycles[t.nc%keptCycles] = c
	t.nc++
}

// segmentHarmonic is ∫ y(τ)·e^{−jωτ} dτ over [ta, tb] for y linear from ya
// to yb: (j/ω)(yb·e^{−jω·tb} − ya·e^{−jω·ta}) + ((yb−ya)/(tb−ta))·(e^{−jω·tb} − e^{−jω·ta})/ω².
func segmentHarmonic(ta, ya, tb, yb, w float64) complex128 {
	sa, ca := math.Sincos(w * ta)
	sb, cb := math.Sincos(w * tb)
	ea, eb := complex(ca, -sa), complex(cb, -sb)
	r := complex(0, 1/w) * (complex(yb, 0)*eb - complex(ya, 0)*ea)
	if tb > ta {
		r += complex((yb-ya)/(tb-ta)/(w*w), 0) * (eb - ea)
	}
	return r
}

// adaptBias applies M303's re-centring after a complete cycle: the bias
// moves by d·(t_high − t_low)/period, so a relay that spends longer pushing
// up than letting down pushes harder next time.
func (t *Tuner) adaptBias() {
	if !t.cfg.AdaptiveBias {
		return
	}
	c := t.cycles[(t.nc-1)%keptCycles]
	margin := 0.05 * (t.cfg.OutMax - t.cfg.OutMin)
	b := t.bias + t.d*(2*c.high-c.period)/c.period
	t.bias = math.Max(t.cfg.OutMin+margin, math.Min(t.cfg.OutMax-margin, b))
	t.d = t.swing(t.bias)
}

// converged reports whether the last MinCycles cycles agree.
func (t *Tuner) converged() bool {
	if t.nc < t.minC+1 { // the first cycle carries the start-up transient
		return false
	}
	last := t.cycles[(t.nc-1)%keptCycles]
	aLast := last.yMax - last.yMin
	for k := t.nc - t.minC; k < t.nc-1; k++ {
		c := t.cycles[k%keptCycles]
		if math.Abs(c.period-last.period) > t.tol*last.period ||
			math.Abs((c.yMax-c.yMin)-aLast) > t.tol*aLast ||
			math.Abs(c.bias-last.bias) > t.tol*last.amplitude {
			return false
		}
	}
	return true
}

func (t *Tuner) finish() {
	t.state, t.err = tunerDone, nil
	t.result = t.summarise(t.minC)
	if r := t.result; !(r.Ku > 0) || !finite(r.Ku) || !(r.Tu > 0) {
		// Degenerate cycles (no measurable response): nothing to tune on.
		t.state, t.err = tunerAborted, ErrNoConvergence
	}
}
