// Package simnet is a deterministic, simulated packet network for the module
// channel, and a Channel that runs the real modules.Hub and modules.Agent
// over it on a virtual clock: lease expiry, loss, duplicates, reordering,
// partitions, agent restarts and replays are tested step by step, the same
// way for the same seed, in the manner of TigerBeetle's VOPR.
//
// Nothing here starts a goroutine, reads the wall clock or touches a socket:
// the caller advances time (Channel.Step), and every datagram sent through an
// Endpoint waits in the network's queue until its arrival time, when the
// receiver's HandlePacket or Handle is called directly. The Hub's and the
// Agents' Run loops are never used; their Tick and Step are called at the
// times they ask for. Every random choice comes from one PCG stream seeded
// by the caller, and every event (send, fate, delivery and its verdict,
// level applied, shutdown, relay set, restart) is folded into a trace hash,
// so two runs of one seed can be compared with one number.
//
// Three parts:
//   - the network (net.go, queue.go, endpoint.go, inject.go): Net, its
//     per-direction Link (loss, delay, jitter, duplication, reordering),
//     partitions, and the injector that replays or forges a datagram a
//     receiver already got;
//   - the Channel (channel.go, step.go, seams.go): one Hub and N Agents
//     wired over a Net, with the caller's Board and relay per module, agent
//     restarts with a new session from a counter in memory;
//   - the trace (trace.go).
package simnet
