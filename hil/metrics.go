package hil

import (
	"hearth/hal"
	"hearth/hil/plant"
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
	// HeatingHours is the time the radiators alone took the hub's heat:
	// most of the primary flow went to them, the tank's valve shut (a
	// charging tank needs water hotter than the curve) and the dump gave
	// off less than CurveDumpW (with heat to spare, the hub gives the
	// house water above the curve, up to indoor_max_c, before it dumps:
	// that is heat used, not a loop off its setpoint) and the water pump
	// not held at an end of its range by a curve beyond its reach; after
	// the first hour. FlowOnCurveFraction is the share of it with the water flow
	// within 1.5 K of the weather curve.
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
	// capacity (hil/capacity.go: the steady state with the oil into the
	// modules at its ceiling, the oil out at its maximum, the dump at full
	// fan with the best oil and water flows, plus what the tank and the
	// radiators took), less the compute actually run.
	ThrottledKWh          float64 `json:"throttled_kwh"`
	ThrottledAvoidableKWh float64 `json:"throttled_avoidable_kwh"`
	// ThrottleRequiredKWh is the least throttling the physics requires: the
	// demand above the rejection capacity, integrated over the run.
	// ThrottleRequiredLevelsKWh is the same with the compute run in whole
	// module levels (the modules filled in priority order, each at the
	// highest level that fits the capacity): what a load manager that knew
	// the plant's capacity exactly would throttle. ComputeAvailabilityBound
	// is the availability that manager would reach.
	ThrottleRequiredKWh       float64 `json:"throttle_required_kwh"`
	ThrottleRequiredLevelsKWh float64 `json:"throttle_required_levels_kwh"`
	ComputeAvailabilityBound  float64 `json:"compute_availability_bound"`
	// ERFBound is the most ERF any control could have reached with the
	// compute this run ran: the heat the house could take with its air held
	// at ComfortMaxC all along (less its gains), and the tank what it took
	// plus what it could still store, over the run's denominator
	// (plant.HeatBound). HeatBoundKWh is that heat.
	ERFBound     float64 `json:"erf_bound"`
	HeatBoundKWh float64 `json:"heat_bound_kwh"`
	// BackupMinKWh is the least backup heat any control could have left to
	// the home's own heater with the house held at ComfortMinC: the house's
	// need there beyond its gains and the radiators at the hottest water
	// the hub can make (plant.HeatBound).
	BackupMinKWh float64 `json:"backup_min_kwh"`
	// AuxMinKWh is the least backup and immersion heat together any
	// control could have used: the house held at ComfortMinC and the
	// tank's draws, loss and change of stored heat, less all the compute
	// heat (plant.HeatBound.AuxMin).
	AuxMinKWh float64 `json:"aux_min_kwh"`
	// ThrottleRequiredMarginsKWh is ThrottleRequiredLevelsKWh with the oil
	// held at control's own margins (control.Config.LoadMarginK under the
	// ceiling, its flow at least OilFlowMinLPM): the part of the excess
	// those margins explain, so the rest is the load manager's.
	ThrottleRequiredMarginsKWh float64 `json:"throttle_required_margins_kwh"`
	// ThrottleExcessKWh is ThrottledKWh - ThrottleRequiredLevelsKWh: what
	// the load manager throttled beyond what whole levels require (its
	// margin under the ceiling, its dwell before restoring, its reaction
	// to the weather). Negative when stored heat let it run above the
	// steady-state capacity for a while.
	ThrottleExcessKWh float64 `json:"throttle_excess_kwh"`
	// TankAtTargetFraction is the share of the scored time with the tank's
	// upper layer (what the taps draw) at or above control's tank target
	// less TankTargetBandK.
	TankAtTargetFraction float64 `json:"tank_at_target_fraction"`
	// WarningsSeen is true if the safety layer raised any warning in the
	// scored time; AlarmsSeen if it raised any alarm (a degradation an
	// engineer should see).
	WarningsSeen bool `json:"warnings_seen"`
	AlarmsSeen   bool `json:"alarms_seen"`
}

// OilTrendS is the time constant of the oil's running mean that OilInIAEKh
// measures against: 15 minutes, so limit cycles, chatter and the kicks of
// switching sinks count, and the day's slow drift does not.
const OilTrendS = 900

// TankTargetBandK is how far under its target the tank still counts as at
// target: the band a hot-water thermostat with a 1 K differential holds.
const TankTargetBandK = 1

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

// CurveDumpW is the dump's heat above which the hub has heat to spare and
// the weather curve is not what the flow should follow (HeatingHours).
const CurveDumpW = 100

// ComfortMaxC is the top of the comfort band the ERF bound holds the
// house at (the band the winter expectations hold: 19.5-22.5 C).
const ComfortMaxC = 22.5

// ComfortMinC is the comfort band's floor, which the backup's bound holds
// the house at.
const ComfortMinC = 19.5

type quality struct {
	bound            plant.HeatBound
	oilMean          float64
	oilMeanSet       bool
	iae, over        float64
	rev              [len(actuatorNames)]reversal
	heatTicks, onCur float64
	throttled, sat   float64
	thrJ, avoidJ     float64
	// The capacity oracle and the figures it gives.
	cap, capMargins   plant.CapacityOracle
	marginsW          units.Watt
	reqMarginsJ       float64
	nextCap           units.Time
	capW, levelsW     units.Watt
	levelsN           int
	reqJ, reqLevelsJ  float64
	boundOK, boundReq float64
	warned, alarmed   bool
	tankAt            float64
	ticks             float64
}

func (q *quality) observe(s *Sim, st *safety.Status) {
	pl, ps := s.Plant, &s.Plant.S
	h := Tick.Seconds() / 3600
	q.ticks++
	if int64(q.ticks)%int64(units.Second/Tick) == 1 {
		q.bound.Step(pl, units.Second.Seconds())
	}
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
	wp, curve := pl.Pumps[hal.PumpWater].Command(), s.Cfg.Core.Control.WeatherCurve(ps.OutdoorC)
	// The pump at the end of its range with the flow beyond the curve on
	// that side: the curve is out of the actuator's reach (heat to spare at
	// full speed, too little at the minimum), not a loop off its setpoint.
	saturated := wp >= 0.99 && ps.WaterFlowC > curve || wp <= s.Cfg.Core.Control.WaterPumpMin+0.01 && ps.WaterFlowC < curve
	if pl.Now >= units.Time(units.Hour) && (1-d)*(1-t) >= 0.5 && t < 0.05 && pl.LastQ.Dump < CurveDumpW && !saturated && ps.WaterLPM > 0.5 {
		q.heatTicks++
		if abs(float64(ps.WaterFlowC-s.Cfg.Core.Control.WeatherCurve(ps.OutdoorC))) <= 1.5 {
			q.onCur++
		}
	}
	if _, on := s.demand.Fraction(); on {
		q.observeDemand(s, oil, ceiling, d)
	}
	if ps.TankTopC >= s.Cfg.Core.Control.TankTargetC-TankTargetBandK {
		q.tankAt++
	}
	q.warned = q.warned || st.Warnings != 0
	q.alarmed = q.alarmed || st.Alarms != 0
}

// observeDemand adds a tick of the compute demand's figures: the capacity
// bound (once a second), what the bound and control's margins allow, and
// the throttling, with d the dump valve's position.
func (q *quality) observeDemand(s *Sim, oil, ceiling, d float64) {
	pl := s.Plant
	n := pl.P.Modules
	demandW := units.Watt(n) * pl.P.LevelW(s.demand)
	if pl.Now >= q.nextCap {
		// The capacity moves with the weather: once a second is plenty.
		q.nextCap = pl.Now.Add(units.Second)
		ctl, lq := &s.Cfg.Core.Control, pl.LastQ
		q.capW = q.cap.Capacity(pl, lq.Tank+lq.Heating, ctl.OilCeilingC, ctl.OilOutMaxC, s.Cfg.Core.Safety.MinOilFlowLPM, demandW)
		_, q.levelsW, q.levelsN = pl.P.BestLevels(q.capW, n, s.demand)
		// The same at control's own declared margins: the oil held
		// LoadMarginK under the ceiling, its flow at least OilFlowMinLPM.
		cm := q.capMargins.Capacity(pl, lq.Tank+lq.Heating, ctl.OilCeilingC-units.Celsius(ctl.LoadMarginK), ctl.OilOutMaxC,
			max(s.Cfg.Core.Safety.MinOilFlowLPM, ctl.OilFlowMinLPM), demandW)
		_, q.marginsW, _ = pl.P.BestLevels(cm, n, s.demand)
	}
	sec := Tick.Seconds()
	q.reqJ += float64(max(0, demandW-q.capW)) * sec
	q.reqLevelsJ += float64(demandW-q.levelsW) * sec
	q.reqMarginsJ += float64(demandW-q.marginsW) * sec
	q.boundOK += float64(q.levelsN)
	q.boundReq += float64(n)
	below := 0
	for i := 0; i < n; i++ {
		if pl.Modules[i].Level() < s.demand {
			below++
		}
	}
	if below > 0 {
		runW := float64(pl.ComputePower())
		q.thrJ += max(0, float64(demandW)-runW) * sec
		q.avoidJ += max(0, min(float64(demandW), float64(q.capW))-runW) * sec
		w := float64(below) / float64(n)
		q.throttled += w
		if d >= 0.95 && float64(pl.Fan.Actual()) >= 0.95 && oil >= ceiling-3 {
			q.sat += w
		}
	}
}

func (q *quality) result() Quality {
	hours := q.ticks * Tick.Seconds() / 3600
	r := Quality{OilInIAEKh: q.iae, OilOverCeilingKh: q.over, ReversalsPerHour: map[string]float64{},
		HeatingHours: q.heatTicks * Tick.Seconds() / 3600, ThrottledHours: q.throttled * Tick.Seconds() / 3600,
		WarningsSeen: q.warned, AlarmsSeen: q.alarmed, ThrottledKWh: q.thrJ / 3.6e6, ThrottledAvoidableKWh: q.avoidJ / 3.6e6,
		ThrottleRequiredKWh: q.reqJ / 3.6e6, ThrottleRequiredLevelsKWh: q.reqLevelsJ / 3.6e6,
		ThrottleRequiredMarginsKWh: q.reqMarginsJ / 3.6e6,
		ComputeAvailabilityBound:   1}
	r.ThrottleExcessKWh = r.ThrottledKWh - r.ThrottleRequiredLevelsKWh
	if q.ticks > 0 {
		r.TankAtTargetFraction = q.tankAt / q.ticks
	}
	if q.boundReq > 0 {
		r.ComputeAvailabilityBound = q.boundOK / q.boundReq
	}
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
