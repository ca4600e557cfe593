package gpioin

import (
	"context"
	"slices"
	"sync"
	"time"

	"hearth/hal"
	"hearth/units"

	"periph.io/x/conn/v3/gpio"
)

// The VDMA 24224 feedback line, as a Grundfos UPM3 drives it: a 75 Hz ± 5 %
// PWM from an open-collector transistor, which the HeatHub pulls up. Its duty
// is d = t/T with t the time the line is high at the pin (transistor off);
// an inverting opto-coupler between the pump and the pin would need the
// duty inverted, which this reader does not do.
//
//	0-70 %  running: the power (the UPM3's slope is 1 W/%, saturating at
//	        70 W; the larger UPML 2 W/%, UPMXL 3 W/%)
//	  75 %  warning (UPM3: undervoltage, performance reduced)
//	  85 %  alarm stop, electrical (UPM3: undervoltage stop)
//	  90 %  alarm stop, blocked rotor
//	  95 %  standby (stopped on the PWM command)
//
// Grundfos gives the duty's accuracy as ± 2 % (of PWM); the bands here are
// ± 2.5 % around each level. Power is the duty as a fraction (0.40 at 40 %):
// a fraction of the power the pump's slope maps 100 % to (UPM3: 100 W), so
// 0..0.70, not of its rated P1.
//
// A line with no edges is stuck: high is the pull-up alone (the wire is
// broken or the pump has no supply: the transistor is off), low is a short
// to ground or a transistor stuck on. Neither is ever "normal": StatusOpen.
// So are a 0 % and a 100 % duty, which no working UPM3 sends.
const (
	fbPoll     = 20 * time.Millisecond // Run's longest wait, well within fbStuck
	fbStuck    = 100 * units.Millisecond
	fbMinHz    = 60.0
	fbMaxHz    = 90.0
	fbPairs    = 8 // the periods whose median duty is read
	fbMinPairs = 3
	fbBand     = 0.025
)

// Feedback decodes a profile-A circulator's feedback line.
type Feedback struct {
	src     Edges
	now     func() units.Time
	poll    time.Duration
	backoff time.Duration

	mu       sync.Mutex
	start    units.Time
	tr       tracker
	any      bool // an edge came
	last     Edge
	rise     units.Time // the latest rising edge, when haveRise
	fall     units.Time // the falling edge after it, when haveFall
	haveRise bool
	haveFall bool
	period   [fbPairs]units.Duration
	high     [fbPairs]units.Duration
	n, head  int
	failed   bool
}

// NewFeedback returns the reader of the feedback line on src, which must
// give both edges. Run must be running.
func NewFeedback(src Edges, now func() units.Time) *Feedback {
	return &Feedback{src: src, now: now, poll: fbPoll, backoff: errorBackoff,
		start: now(), tr: tracker{both: true}}
}

// Run decodes the edges until ctx ends; its waits are bounded (20 ms).
func (f *Feedback) Run(ctx context.Context) {
	for ctx.Err() == nil {
		e, ok, err := f.src.Next(f.poll)
		switch {
		case err != nil:
			f.fail()
			sleep(ctx, f.backoff)
		case ok:
			f.record(e)
		case ctx.Err() == nil:
			f.answered() // a whole wait with no edge: the source works again
		}
	}
}

func (f *Feedback) answered() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = false
}

func (f *Feedback) fail() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = true
	f.tr.stats.Errors++
}

func (f *Feedback) record(e Edge) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = false
	if f.any && e.At.Sub(f.last.At) > fbStuck {
		f.n, f.head = 0, 0 // the line was stuck: what came before is old
		f.haveRise = false
	}
	if f.tr.see(e) > 0 {
		f.haveRise = false // no period spans a lost edge
	}
	f.any, f.last = true, e
	if !e.Rising {
		if f.haveRise {
			f.fall, f.haveFall = e.At, true
		}
		return
	}
	if f.haveRise && f.haveFall {
		f.period[f.head] = e.At.Sub(f.rise)
		f.high[f.head] = f.fall.Sub(f.rise)
		f.head = (f.head + 1) % fbPairs
		f.n = min(f.n+1, fbPairs)
	}
	f.rise, f.haveRise, f.haveFall = e.At, true, false
}

// Feedback implements the feedback half of hal.Pump without blocking: the
// median duty of the last 8 periods, decoded as above. A source failure is
// StatusBus; no edge for 100 ms (or none ever, 100 ms after construction) is
// StatusOpen; fewer than 3 periods seen is StatusMissing; a median period
// outside 60-90 Hz, or a duty in no band, is StatusRange. Power is 0 unless
// the pump reports it (PumpNormal).
func (f *Feedback) Feedback() hal.PumpFeedback {
	now := f.now()
	out := hal.PumpFeedback{At: now}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.failed:
		out.Status = hal.StatusBus
	case f.stuck(now):
		out.Status = hal.StatusOpen
	case f.n < fbMinPairs:
		out.Status = hal.StatusMissing
	default:
		duty, period := f.medians()
		if hz := 1 / period.Seconds(); hz < fbMinHz || hz > fbMaxHz {
			out.Status = hal.StatusRange
			return out
		}
		out.Power, out.Alarm, out.Status = decodeDuty(duty)
	}
	return out
}

// medians returns the median duty and period of the stored pairs.
func (f *Feedback) medians() (float64, units.Duration) {
	var duty [fbPairs]float64
	var period [fbPairs]units.Duration
	for i := range f.n {
		duty[i] = float64(f.high[i]) / float64(f.period[i])
		period[i] = f.period[i]
	}
	d, p := duty[:f.n], period[:f.n]
	slices.Sort(d)
	slices.Sort(p)
	return d[f.n/2], p[f.n/2]
}

// decodeDuty maps a feedback duty to the pump's report.
func decodeDuty(d float64) (units.Ratio, hal.PumpAlarm, hal.Status) {
	switch {
	case d <= 0:
		return 0, hal.PumpNormal, hal.StatusOpen
	case d < 0.70+fbBand:
		return units.Ratio(min(d, 0.70)), hal.PumpNormal, hal.StatusOK
	case d <= 0.75+fbBand:
		return 0, hal.PumpWarning, hal.StatusOK
	case d < 0.85-fbBand:
		return 0, hal.PumpNormal, hal.StatusRange
	case d < 0.85+fbBand:
		return 0, hal.PumpElectrical, hal.StatusOK
	case d < 0.90+fbBand:
		return 0, hal.PumpBlocked, hal.StatusOK
	case d <= 0.95+fbBand:
		return 0, hal.PumpStandby, hal.StatusOK
	}
	return 0, hal.PumpNormal, hal.StatusRange
}

// stuck reports whether the line has had no edge for fbStuck (or none ever,
// fbStuck after construction).
func (f *Feedback) stuck(now units.Time) bool {
	if f.any {
		return now.Sub(f.last.At) > fbStuck
	}
	return now.Sub(f.start) > fbStuck
}

// Stuck reports whether the line has had no edge for 100 ms, and the level
// it was left at: the direction of its last edge (Low when it never moved,
// which is unknown).
func (f *Feedback) Stuck() (level gpio.Level, stuck bool) {
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	return gpio.Level(f.any && f.last.Rising), f.stuck(now)
}

// Stats reports the edges seen, lost, and the source's failures.
func (f *Feedback) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tr.stats
}
