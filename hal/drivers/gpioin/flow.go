package gpioin

import (
	"context"

	"hearth/hal"
	"hearth/units"
)

// FlowConfig describes a pulse-output flow meter.
type FlowConfig struct {
	PulsesPerLitre float64 // e.g. ~330 (5.5 Hz per L/min)
	// Timeout: no edge for this long reads 0 L/min (e.g. 2 s). It bounds the
	// lowest flow read: 60/(PulsesPerLitre × Timeout) L/min.
	Timeout units.Duration
	MaxLPM  units.LitrePerMin // above it, StatusRange
}

// Flow reads a flow meter's pulses. It implements hal.FlowMeter.
type Flow struct {
	c   *counter
	cfg FlowConfig
	now func() units.Time
}

// NewFlow returns the flow meter on src's rising edges (falling edges, if
// src gives them, only check for lost ones). Run must be running.
func NewFlow(src Edges, cfg FlowConfig, now func() units.Time) *Flow {
	var minPeriod units.Duration
	if maxHz := float64(cfg.MaxLPM) * cfg.PulsesPerLitre / 60; maxHz > 0 {
		// "Far shorter than possible": a quarter of the period at MaxLPM.
		minPeriod = units.DurationOf(1 / maxHz / 4)
	}
	return &Flow{c: newCounter(src, now, cfg.Timeout, minPeriod), cfg: cfg, now: now}
}

// Run counts the edges until ctx ends; its waits are bounded (100 ms).
func (f *Flow) Run(ctx context.Context) { f.c.run(ctx) }

// Flow implements hal.FlowMeter without blocking.
//
// No edge within Timeout is 0 L/min with StatusOK: a stopped pump is a real
// zero flow, and safety judges it against the pump's command. A failure of
// the edge source is StatusBus. Above MaxLPM, or with an interval within the
// last second shorter than a quarter of the period at MaxLPM (noise, bounce,
// or stamps bunched by a late goroutine: the count over-reads), the sample
// is StatusRange. Lost edges (Stats().Missed) make the flow read low, the
// safe way: they are counted and reported, and do not flag the sample.
func (f *Flow) Flow() hal.Sample[units.LitrePerMin] {
	now := f.now()
	hz, st := f.c.rate(now)
	var lpm units.LitrePerMin
	if f.cfg.PulsesPerLitre > 0 {
		lpm = units.LitrePerMin(hz * 60 / f.cfg.PulsesPerLitre)
	}
	if st == hal.StatusOK && f.cfg.MaxLPM > 0 && lpm > f.cfg.MaxLPM {
		st = hal.StatusRange
	}
	if st == hal.StatusBus || st == hal.StatusMissing {
		lpm = 0
	}
	return hal.Sample[units.LitrePerMin]{Value: lpm, At: now, Status: st}
}

// Stats reports the edges counted, lost, too short and the source's failures.
func (f *Flow) Stats() Stats { return f.c.stats() }

var _ hal.FlowMeter = (*Flow)(nil)

// TachConfig describes a fan's tachometer output.
type TachConfig struct {
	PulsesPerRev float64        // 2 for most fans
	MaxRPM       float64        // the fan's speed at full command: Speed 1
	Timeout      units.Duration // no edge for this long: stopped
}

// Tach reads a fan's speed from its tachometer's pulses.
type Tach struct {
	c   *counter
	cfg TachConfig
	now func() units.Time
}

// tachOver is the speed above which a reading is out of range: a fan's
// speed tolerance is some 10 %, so 1.25 × MaxRPM is not a fan.
const tachOver = 1.25

// NewTach returns the tachometer on src's rising edges. Run must be running.
func NewTach(src Edges, cfg TachConfig, now func() units.Time) *Tach {
	var minPeriod units.Duration
	if maxHz := cfg.MaxRPM * tachOver * cfg.PulsesPerRev / 60; maxHz > 0 {
		minPeriod = units.DurationOf(1 / maxHz / 4)
	}
	return &Tach{c: newCounter(src, now, cfg.Timeout, minPeriod), cfg: cfg, now: now}
}

// Run counts the edges until ctx ends; its waits are bounded (100 ms).
func (t *Tach) Run(ctx context.Context) { t.c.run(ctx) }

// Speed returns the fan's speed as a fraction of MaxRPM, without blocking.
// The statuses are Flow's; above 1.25 × MaxRPM, StatusRange.
func (t *Tach) Speed() hal.Sample[units.Ratio] {
	now := t.now()
	hz, st := t.c.rate(now)
	var r units.Ratio
	if t.cfg.PulsesPerRev > 0 && t.cfg.MaxRPM > 0 {
		r = units.Ratio(hz * 60 / t.cfg.PulsesPerRev / t.cfg.MaxRPM)
	}
	if st == hal.StatusOK && r > tachOver {
		st = hal.StatusRange
	}
	if st == hal.StatusBus || st == hal.StatusMissing {
		r = 0
	}
	return hal.Sample[units.Ratio]{Value: r, At: now, Status: st}
}

// Stats reports the edges counted, lost, too short and the source's failures.
func (t *Tach) Stats() Stats { return t.c.stats() }
