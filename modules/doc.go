// Package modules is the authenticated lease, throttle and kill channel
// between the controller and the agent on every compute module.
//
// The controller grants each module a lease: a permitted power level that is
// good for a few seconds (the TTL) from the moment the agent receives it, and
// it renews the lease every second. A lower level is a command: throttle,
// shut down gracefully (hal.LevelOff) or the announcement of a hard cut
// (hal.LevelCut, which the controller also carries out through the module's
// power relay). The agent answers every lease it accepts with a report: the
// level it runs at, its measured power and board temperature, and the counter
// of the last lease it accepted (the acknowledgement).
//
// Every datagram is 80 bytes, authenticated with HMAC-SHA256 under a key that
// belongs to one module only (derived from the hub secret, see ModuleKey), and
// carries the module id, a monotonic counter and the agent's session. A
// replayed, forged, stale or cross-module datagram changes nothing and is
// counted. docs/modules.md is the protocol reference.
//
// Three parts live here:
//   - the wire format and keys (wire.go, keys.go): pure, allocation-free;
//   - the controller side (hub.go, power.go): Hub keeps every lease, retries
//     unacknowledged commands, and escalates to the relay when a module does
//     not acknowledge a lower level in time; Power is its hal.ModulePower;
//   - the agent side (agent.go, sysfs.go): Agent is the dead man's switch on
//     the board; SysfsBoard caps CPU frequency through cpufreq.
//
// This package must never trust a datagram it has not authenticated, never
// let the network decide whether a relay opens (LevelCut opens it at once, in
// the caller's goroutine), and never leave an agent running hot without a
// lease: an agent that stops hearing the controller drops to idle at once and
// shuts its board down after a grace period.
package modules
