// Package report turns HIL scenario results into something a person can read
// at a glance: one SVG figure per scenario (temperatures against their
// limits, actuator commands, compute power, safety state, and every fault,
// trip and violation marked on the time line) and an index.html that says
// which scenarios failed, why, and the command that replays each one.
//
// It reads results and writes files; it never runs a scenario, never changes
// a result and never decides a verdict: PASS and FAIL are what the bench
// said. The index is self-contained (inline CSS, no scripts, no external
// assets) so it can be opened from a CI artefact or a field laptop offline.
package report
