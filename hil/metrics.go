package hil

import (
	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

// Quality holds the figures that say how well control works, beyond the
// energy account: how steady the oil is, how often actuators reverse, how
// well the flow follows the weather curve, and why compute was throttled.
type Quality struct {
	// OilInIAEKh is the integral of |oil into the modules - its 15-minute
	// running mean| (K h): the oil's swings, cycling and kicks around its
	// trend. A ceiling is not a setpoint, so the error is measured against
	// where the oil is heading, not against a fixed temperature.
	OilInIAEKh float64 `json:"oil_in_iae_kh"`
	// OilOverCeilingKh is the integral of the oil's excursion above the
	// ceiling (K h).
	OilOverCeilingKh float64 `json:"oil_over_ceiling_kh"`
	// ReversalsPerHour counts, per actuator, changes of direction of its
	// command after a move of at least ReversalBand.
	ReversalsPerHour map[string]float64 `json:"reversals_per_hour"`
	// ReversalsPerHourTotal sums them.
	ReversalsPerHourTotal float64 `json:"reversals_per_hour_total"`
	// HeatingHours is the time most of the primary flow went to the
	// radiators, after the first hour; FlowOnCurveFraction the share of it
	// with the water flow within 1.5 K of the weather curve.
	HeatingHours        float64 `json:"heating_hours"`
	FlowOnCurveFraction float64 `json:"flow_on_curve_fraction"`
	// ThrottledHours is module-hours below the demand divided by the module
	// count; ThrottledSaturatedFraction the share of that time during which
	// the dump was at its maximum (valve and fan >= 95 %) with the oil
	// within 3 K of its ceiling: throttling only when heat truly could not
	// be rejected.
	ThrottledHours             float64 `json:"throttled_hours"`
	ThrottledSaturatedFraction float64 `json:"throttled_saturated_fraction"`
	// ThrottledKWh is the compute energy asked for and not run.
	// ThrottledAvoidableKWh is the part of it the plant could have rejected:
	// at each throttled tick, the smaller of the demand and the rejection
	// capacity (the dump at full fan and full flow with the water 1 K under
	// the oil ceiling, plus what the tank, the radiators and the losses
	// took), less the compute actually run. One module's level step of
	// granularity shows here too.
	ThrottledKWh          float64 `json:"throttled_kwh"`
	ThrottledAvoidableKWh float64 `json:"throttled_avoidable_kwh"`
	// WarningsSeen is true if the safety layer raised any warning in the
	// scored time.
	WarningsSeen bool `json:"warnings_seen"`
}

// OilTrendS is the time constant of the oil's running mean that OilInIAEKh
// measures against: 15 minutes, so limit cycles, chatter and the kicks of
// switching sinks count, and the day's slow drift does not.
const OilTrendS = 900

// ReversalBand is the smallest move of an actuator that counts toward a reversal.
const ReversalBand = 0.05

type reversal struct {
	last, extreme float64
	dir           int8 // +1 rising, -1 falling, 0 unknown
	count         int
}

// add feeds a command and counts a reversal when its direction changes
// after a move of at least ReversalBand.
func (r *reversal) add(v float64) {
	switch {
	case r.dir >= 0 && v > r.extreme:
		r.extreme = v
		if r.dir == 0 && v-r.last >= ReversalBand {
			r.dir = 1
		}
	case r.dir <= 0 && v < r.extreme:
		r.extreme = v
		if r.dir == 0 && r.last-v >= ReversalBand {
			r.dir = -1
		}
	}
	switch {
	case r.dir > 0 && r.extreme-v >= ReversalBand:
		r.count++
		r.dir, r.extreme = -1, v
	case r.dir < 0 && v-r.extreme >= ReversalBand:
		r.count++
		r.dir, r.extreme = 1, v
	}
}

var actuatorNames = [...]string{"oil_pump", "water_pump", "valve_dump", "valve_tank", "fan"}

type quality struct {
	oilMean          float64
	oilMeanSet       bool
	iae, over        float64
	rev              [len(actuatorNames)]reversal
	heatTicks, onCur float64
	throttled, sat   float64
	thrJ, avoidJ     float64
	warned           bool
	ticks            float64
}

func (q *quality) observe(s *Sim, st *safety.Status) {
	pl, ps := s.Plant, &s.Plant.S
	h := Tick.Seconds() / 3600
	q.ticks++
	oil := float64(ps.OilInC)
	if !q.oilMeanSet {
		q.oilMean, q.oilMeanSet = oil, true
	}
	q.oilMean += (oil - q.oilMean) * Tick.Seconds() / OilTrendS
	q.iae += abs(oil-q.oilMean) * h
	ceiling := float64(s.Cfg.Core.Control.OilCeilingC)
	q.over += max(0, oil-ceiling) * h

	cmds := [len(actuatorNames)]float64{float64(pl.Pumps[hal.PumpOil].Command()), float64(pl.Pumps[hal.PumpWater].Command()),
		float64(pl.Valves[hal.ValveDump].Command()), float64(pl.Valves[hal.ValveTank].Command()), float64(pl.Fan.Command())}
	for i, c := range cmds {
		if q.ticks == 1 {
			q.rev[i] = reversal{last: c, extreme: c}
			continue
		}
		q.rev[i].add(c)
	}

	d, t := float64(pl.Valves[hal.ValveDump].Actual()), float64(pl.Valves[hal.ValveTank].Actual())
	if pl.Now >= units.Time(units.Hour) && (1-d)*(1-t) >= 0.5 && ps.WaterLPM > 0.5 {
		q.heatTicks++
		if abs(float64(ps.WaterFlowC-s.Cfg.Core.Control.WeatherCurve(ps.OutdoorC))) <= 1.5 {
			q.onCur++
		}
	}
	if _, on := s.demand.Fraction(); on {
		below := 0
		for i := 0; i < pl.P.Modules; i++ {
			if pl.Modules[i].Level() < s.demand {
				below++
			}
		}
		if below > 0 {
			f, _ := s.demand.Fraction()
			demandW := float64(pl.P.Modules) * float64(pl.P.ModuleIdleW()+units.Watt(f)*(pl.P.ModuleFullW()-pl.P.ModuleIdleW()))
			runW := float64(pl.ComputePower())
			lq := pl.LastQ
			capW := float64(pl.DumpCapacity(s.Cfg.Core.Control.OilCeilingC-2) + lq.Tank + lq.Heating + lq.Losses)
			q.thrJ += max(0, demandW-runW) * Tick.Seconds()
			q.avoidJ += max(0, min(demandW, capW)-runW) * Tick.Seconds()
			w := float64(below) / float64(pl.P.Modules)
			q.throttled += w
			if d >= 0.95 && float64(pl.Fan.Actual()) >= 0.95 && oil >= ceiling-3 {
				q.sat += w
			}
		}
	}
	q.warned = q.warned || st.Warnings != 0
}

func (q *quality) result() Quality {
	hours := q.ticks * Tick.Seconds() / 3600
	r := Quality{OilInIAEKh: q.iae, OilOverCeilingKh: q.over, ReversalsPerHour: map[string]float64{},
		HeatingHours: q.heatTicks * Tick.Seconds() / 3600, ThrottledHours: q.throttled * Tick.Seconds() / 3600,
		WarningsSeen: q.warned, ThrottledKWh: q.thrJ / 3.6e6, ThrottledAvoidableKWh: q.avoidJ / 3.6e6}
	for i, n := range actuatorNames {
		if hours > 0 {
			r.ReversalsPerHour[n] = float64(q.rev[i].count) / hours
			r.ReversalsPerHourTotal += r.ReversalsPerHour[n]
		}
	}
	if q.heatTicks > 0 {
		r.FlowOnCurveFraction = q.onCur / q.heatTicks
	}
	r.ThrottledSaturatedFraction = 1
	if q.throttled > 0 {
		r.ThrottledSaturatedFraction = q.sat / q.throttled
	}
	return r
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
