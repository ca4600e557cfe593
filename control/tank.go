package control

import (
	"hearth/hal"
	"hearth/units"
)

// tankStep returns the tank's goal (the weekly anti-legionella hold's, or
// its target) and whether it is the heating season; in the heating season
// it decides whether the tank charges. It sets the immersion heater.
func (c *Controller) tankStep(in *hal.Inputs, out *hal.Outputs) (goal units.Celsius, season bool) {
	cfg, x := &c.cfg, &c.x
	if x.first {
		c.tankWant = x.bottom < cfg.TankTargetC-units.Celsius(cfg.TankHystK)
	}
	goal = cfg.TankTargetC
	if c.legionella(in, x.dt) {
		goal = cfg.LegionellaC
	} else {
		c.immersion = c.boost(in)
	}
	if x.tankLost {
		// Neither layer known: the tank is taken at its goal, so that no
		// charging is forced and the tank's loop sees no error.
		x.top, x.bottom = goal, goal
	}
	season = c.outdoorMean < cfg.HeatingCutoffC
	// Is the coil still lifting the tank? Judged while it is fed: charging
	// in the heating season, asking for half the water or more out of it.
	c.coilCheck(goal, x.bottom, x.supply, season && c.tankWant || !season && c.tankTempShare >= 0.5, x.now)
	if season {
		c.chargeTank(goal, x.bottom, x.supply)
	} else {
		c.tankWant = false
	}
	out.Immersion = c.immersion
	return goal, season
}

// coilCheck watches how far the coil can lift the tank toward goal: while
// the tank is fed, a lower layer within CoilApproachK of the supply for
// ChargeSettleS means the coil can lift it no further, and coilReach
// records where it stopped. A new goal starts afresh.
func (c *Controller) coilCheck(goal, bottom, supply units.Celsius, fed bool, now units.Time) {
	cfg := &c.cfg
	if goal != c.tankGoal {
		c.tankGoal, c.coilReach, c.coilSince = goal, goal, now
	}
	if !fed || bottom < supply-units.Celsius(cfg.CoilApproachK) {
		c.coilSince = now
		return
	}
	if now.Sub(c.coilSince).Seconds() >= cfg.ChargeSettleS {
		c.coilReach = min(c.coilReach, bottom, goal)
	}
}

// coilDone reports whether the coil has been seen to lift the tank no
// further toward goal.
func (c *Controller) coilDone(goal units.Celsius) bool {
	return c.tankGoal == goal && c.coilReach < goal
}

// chargeTank decides whether the tank takes heat in the heating season:
// until its lower layer reaches the goal, or until the coil can lift it no
// further (coilCheck); again once it falls TankHystK under what it last
// reached, or under the goal while the supply is TankHystK hotter than the
// layer plus the coil's approach (the coil can lift it again).
func (c *Controller) chargeTank(goal, bottom, supply units.Celsius) {
	cfg := &c.cfg
	band := units.Celsius(cfg.TankHystK)
	switch {
	case c.tankWant && bottom >= goal:
		c.tankWant = false
	case c.tankWant && c.coilDone(goal):
		c.tankWant = false
	case !c.tankWant && (bottom < min(goal, c.coilReach)-band ||
		bottom < goal-band && supply >= bottom+units.Celsius(cfg.CoilApproachK)+band):
		c.tankWant, c.coilReach = true, goal
	}
}

// legionella runs the weekly hold and reports whether it is on. Compute heat
// charges the tank as far as the oil ceiling allows; the immersion heater
// tops up the rest and holds the temperature. It heats only on a known upper
// layer, and only a known one counts toward the hold.
func (c *Controller) legionella(in *hal.Inputs, dt float64) bool {
	cfg, x := &c.cfg, &c.x
	const week = 7 * 24 * units.Hour
	wt := in.WeekTime % week
	if wt < c.lastWeekAt {
		c.legioDone = false // a new week
	}
	c.lastWeekAt = wt
	if !c.legioOn && !c.legioDone && wt >= cfg.LegionellaAt && wt < cfg.LegionellaAt+6*units.Hour {
		c.legioOn, c.legioHeld = true, 0
	}
	if !c.legioOn {
		c.immersion = false
		return false
	}
	// Compute heat first: the immersion heater starts once the coil has
	// been seen to lift the tank no further toward the hold (chargeTank),
	// or the lower layer has reached it. HSE HSG274: the whole stored
	// volume at the hold, so it is judged on the colder probe (the top
	// alone while the bottom one is unknown); the tank's changeover
	// thermostat moves the heat to its bottom element once the top is hot.
	coilDone := c.coilDone(cfg.LegionellaC) || x.bottomKnown && x.bottom >= cfg.LegionellaC
	coldest := x.top
	if x.bottomKnown {
		coldest = min(coldest, x.bottom)
	}
	switch {
	case !x.topKnown, coldest >= cfg.LegionellaC+0.5:
		c.immersion = false
	case coldest < cfg.LegionellaC-0.5 && coilDone:
		c.immersion = true
	}
	if x.topKnown && coldest >= cfg.LegionellaC-0.5 {
		c.legioHeld += dt
	}
	if c.legioHeld >= cfg.LegionellaHoldS {
		c.legioOn, c.legioDone, c.immersion = false, true, false
	}
	return true
}

// boost reports whether a timed boost heats the tank's top now: within
// BoostLeadS before and BoostAfterS after BoostAAt or BoostBAt (local time
// of day), from under BoostC less a kelvin to BoostC on the top probe; only
// on a known top probe.
func (c *Controller) boost(in *hal.Inputs) bool {
	cfg, x := &c.cfg, &c.x
	const day = 24 * units.Hour
	if cfg.BoostLeadS <= 0 || !x.topKnown {
		c.boosting = false
		return false
	}
	tod, near := in.WeekTime%day, false
	for _, at := range [...]units.Duration{cfg.BoostAAt, cfg.BoostBAt} {
		since := ((tod-at)%day + day) % day
		near = near || since.Seconds() <= cfg.BoostAfterS || (day-since).Seconds() <= cfg.BoostLeadS
	}
	switch {
	case !near, x.top >= cfg.BoostC:
		c.boosting = false
	case x.top < cfg.BoostC-1:
		c.boosting = true
	}
	return c.boosting
}
