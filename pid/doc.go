// Package pid is the feedback controller every loop of Hearth rests on, the
// relay autotuner that finds its gains, and the figures of merit (overshoot,
// settling time, IAE) by which a loop is judged.
//
// A Controller is a PID in parallel form with the derivative taken on the
// filtered measurement, a weighted setpoint on the proportional term, output
// limits and an optional rate limit, anti-windup by back-calculation, tracking
// of the output actually applied (a safety override, manual mode), bumpless
// gain changes, feed-forward, and direct or reverse action. A Tuner drives a
// loop with a relay until it oscillates steadily and reports the ultimate gain
// and period, a first-order-plus-dead-time fit, and gains by several rules.
// docs/pid.md gives the equations, every option, and tuning guidance per loop.
//
// Both are pure steps: the caller passes the measurement and the time, and
// gets the output back. This package must never do I/O, read the wall clock,
// start a goroutine, allocate on an update, or let a NaN or an infinity reach
// an output: a bad input holds the last output and is counted. It imports
// nothing but math, errors, strconv, sort and hearth/units.
package pid
