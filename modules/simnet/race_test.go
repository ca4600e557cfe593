//go:build race

package simnet

// raceEnabled: the race detector slows the VOPR about thirteenfold.
const raceEnabled = true
