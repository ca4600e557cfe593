//go:build race

package report

// raceEnabled: the race detector slows rendering tenfold, so the speed
// budget is not checked under it.
const raceEnabled = true
