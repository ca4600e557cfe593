package daemon_test

import (
	"math/rand/v2"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"hearth/cmd/hearth/daemon"
)

// floodEnv runs TestConsoleFloodCostsTheTickNothing: it compares the
// daemon's own jitter figures between two runs, so .ci/run runs it alone,
// on an otherwise idle machine, never beside the other tests.
const floodEnv = "HEARTH_CONSOLE_FLOOD"

// consoleRun runs `hearth run --sim --console` for d, flooding its console
// with garbage at 115200 baud's full rate when flood is set, and returns
// the daemon's figures at its controlled exit.
func consoleRun(t *testing.T, d time.Duration, flood bool) daemon.Stats {
	tm := openTerm(t)
	b := newBenchConsole(t, benchTiming, nil, consoleConfig, tm.tty)
	tm.ready()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if !flood {
			<-stop
			return
		}
		// 11520 bytes a second (115200 8N1) in 1152-byte bursts, every
		// byte value, a line end now and then: what a noisy line or a
		// wrong baud rate delivers.
		r := rand.New(rand.NewPCG(7, 7))
		chunk := make([]byte, 1152)
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			for i := range chunk {
				chunk[i] = byte(r.IntN(256))
			}
			if _, err := tm.m.Write(chunk); err != nil {
				return
			}
		}
	}()
	time.Sleep(d)
	close(stop)
	<-done
	time.Sleep(500 * time.Millisecond) // the last burst answered
	tm.send("\x03")
	if out := tm.run("version"); !strings.Contains(out, "go1.") {
		t.Errorf("after the run (flood %v), version: %q", flood, out)
	}
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	if code := b.exitCode(30 * time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	st, ok := b.readStats()
	if !ok {
		t.Fatal("no stats")
	}
	return st
}

// A console flooded with garbage at full line rate costs the tick
// nothing: jitter p99 within 0.5 ms of a quiet run's, no overrun, and the
// console still answers after the flood.
func TestConsoleFloodCostsTheTickNothing(t *testing.T) {
	if os.Getenv(floodEnv) == "" {
		t.Skip(floodEnv + " unset: .ci/run runs this alone (it compares timing figures)")
	}
	const d = 30 * time.Second
	quiet := consoleRun(t, d, false)
	flood := consoleRun(t, d, true)
	t.Logf("quiet:  %d ticks, %d overruns, jitter p50 %.3f p99 %.3f max %.3f ms, work p99 %.3f ms",
		quiet.Ticks, quiet.Overruns, quiet.JitterP50Ms, quiet.JitterP99Ms, quiet.JitterMaxMs, quiet.WorkP99Ms)
	t.Logf("flood:  %d ticks, %d overruns, jitter p50 %.3f p99 %.3f max %.3f ms, work p99 %.3f ms",
		flood.Ticks, flood.Overruns, flood.JitterP50Ms, flood.JitterP99Ms, flood.JitterMaxMs, flood.WorkP99Ms)
	if c := flood.Console; c != nil {
		t.Logf("flood console: %d bytes in, %d out, %d input bytes and %d output chunks dropped at the queues",
			c.BytesIn, c.BytesOut, c.InDropped, c.OutDropped)
	}
	if flood.Console == nil || flood.Console.BytesIn < 11520*uint64(d.Seconds())/2 {
		t.Errorf("the console took %+v: the flood did not reach it", flood.Console)
	}
	if flood.Overruns != 0 {
		t.Errorf("%d overruns under the flood", flood.Overruns)
	}
	if flood.JitterP99Ms > quiet.JitterP99Ms+0.5 {
		t.Errorf("jitter p99 %.3f ms under the flood, %.3f ms quiet: more than 0.5 ms worse", flood.JitterP99Ms, quiet.JitterP99Ms)
	}
}
