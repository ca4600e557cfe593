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
	// The tick as the shipped configuration runs it: SCHED_FIFO 50 (where
	// the kernel refuses it, the stats say so, and the figures are the
	// normal scheduler's).
	tmg := benchTiming
	tmg.prio = 50
	b := newBenchConsole(t, tmg, nil, consoleConfig, tm.tty)
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
//
// This machine is a VM: with nothing else running, the host moves one
// run's p99 between 0.2 and 1.6 ms in either condition (a quiet run once
// read 1.58 ms beside a flooded run's 0.77). So each condition runs twice,
// interleaved (quiet, flood, quiet, flood), and the better run of each is
// compared; every run's figures are logged.
func TestConsoleFloodCostsTheTickNothing(t *testing.T) {
	if os.Getenv(floodEnv) == "" {
		t.Skip(floodEnv + " unset: .ci/run runs this alone (it compares timing figures)")
	}
	const d = 30 * time.Second
	var best [2]daemon.Stats
	for round := range 4 {
		flood := round%2 == 1
		st := consoleRun(t, d, flood)
		t.Logf("%-6s %d ticks, %d overruns, jitter p50 %.3f p99 %.3f max %.3f ms, work p99 %.3f ms, %s",
			map[bool]string{false: "quiet:", true: "flood:"}[flood], st.Ticks, st.Overruns, st.JitterP50Ms,
			st.JitterP99Ms, st.JitterMaxMs, st.WorkP99Ms, st.Scheduler)
		if flood {
			if c := st.Console; c == nil || c.BytesIn < 11520*uint64(d.Seconds())/2 {
				t.Errorf("the console took %+v: the flood did not reach it", c)
			} else {
				t.Logf("flood console: %d bytes in, %d out, %d input bytes and %d output chunks dropped at the queues",
					c.BytesIn, c.BytesOut, c.InDropped, c.OutDropped)
			}
			if st.Overruns != 0 {
				t.Errorf("%d overruns under the flood", st.Overruns)
			}
		}
		k := round % 2
		if round < 2 || st.JitterP99Ms < best[k].JitterP99Ms {
			best[k] = st
		}
	}
	quiet, flood := best[0], best[1]
	t.Logf("better runs: quiet p99 %.3f ms, flood p99 %.3f ms", quiet.JitterP99Ms, flood.JitterP99Ms)
	if flood.JitterP99Ms > quiet.JitterP99Ms+0.5 {
		t.Errorf("jitter p99 %.3f ms under the flood, %.3f ms quiet: more than 0.5 ms worse", flood.JitterP99Ms, quiet.JitterP99Ms)
	}
}
