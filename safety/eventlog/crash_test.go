//go:build unix

package eventlog

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var crashSeed = flag.Uint64("crash.seed", 1, "seed of TestCrash's kill times")

const crashEnv = "HEARTH_EVENTLOG_CRASH_DIR"

// Small segments, so that kills land around rotations too.
var crashOpts = Options{SegmentBytes: 3000, Segments: 3}

// TestCrashHelper is TestCrash's child, and does nothing in a plain test
// run. It opens the log, reports "open SEQ" on fd 3, then appends ev(seq)
// in a tight loop, one in four a safety record, and reports each safety
// seq once Append has returned it synced, until it is killed.
func TestCrashHelper(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		return
	}
	report := os.NewFile(3, "report")
	l, err := Open(dir, crashOpts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: Open:", err)
		os.Exit(3)
	}
	l.chunk = 5 // records torn by the kill, as a power cut tears them on the card
	fmt.Fprintf(report, "open %d\n", l.Stats().Seq)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		want := l.Stats().Seq + 1
		e := ev(want)
		if seq, err := l.Append(e); err != nil || seq != want {
			fmt.Fprintf(os.Stderr, "child: Append: seq %d, %v; want %d\n", seq, err, want)
			os.Exit(4)
		}
		if e.Kind.Safety() {
			fmt.Fprintf(report, "%d\n", want)
		}
	}
	fmt.Fprintln(os.Stderr, "child: never killed")
	os.Exit(5)
}

// kill is what one child reported before its SIGKILL.
type kill struct {
	opened  bool   // it reported its Open: the kill landed in the append loop
	openSeq uint64 // the last seq its Open found
	synced  uint64 // the last seq it reported synced; 0 if none
}

// crashChild runs one child in dir and SIGKILLs it: one time in five at a
// random moment in the first 6 ms from its start (around its Open), else a
// few ms into its append loop.
func crashChild(t *testing.T, dir string, rng *rand.Rand) kill {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1", "-test.timeout=30s")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	cmd.ExtraFiles = []*os.File{w}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	opened, lines := readReports(r)
	if rng.IntN(5) == 0 {
		time.Sleep(time.Duration(rng.IntN(6_000)) * time.Microsecond)
	} else {
		select {
		case <-opened:
		case <-time.After(10 * time.Second):
			t.Log("child never reported its Open")
		}
		time.Sleep(time.Duration(rng.IntN(8_000)) * time.Microsecond)
	}
	cmd.Process.Kill()
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() {
		t.Fatalf("child not killed: %v\n%s", err, stderr.Bytes())
	}
	return parseReports(t, <-lines)
}

// readReports reads the child's reports to the end. opened is closed at the
// first; lines gives them all once the child is gone.
func readReports(r *os.File) (opened chan struct{}, lines chan []string) {
	opened, lines = make(chan struct{}), make(chan []string, 1)
	go func() {
		var all []string
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if all = append(all, sc.Text()); len(all) == 1 {
				close(opened)
			}
		}
		lines <- all
	}()
	return opened, lines
}

func parseReports(t *testing.T, lines []string) kill {
	var k kill
	for i, s := range lines {
		rest, isOpen := strings.CutPrefix(s, "open ")
		n, err := strconv.ParseUint(rest, 10, 64)
		if err != nil || isOpen != (i == 0) {
			t.Fatalf("child reported %q as line %d", s, i+1)
		}
		if isOpen {
			k.opened, k.openSeq = true, n
		} else {
			k.synced = n
		}
	}
	return k
}

// crashTally is what TestCrash prints.
type crashTally struct {
	iters, inLoop, records int
	nearRotation           int // kills that left the newest segment with at most one record
	torn                   int64
	first, last            uint64 // the log's seqs after the latest kill
	segment                uint64 // its newest segment
}

// A child appends in a tight loop and is killed with SIGKILL at random
// moments, many times over the same directory. After each kill Open must
// succeed, and the log must read whole, in seq order, without a gap, up to
// at least the last seq the child had synced and no record the log held
// before may be gone but by rotation. The child writes each record in
// writes of 5 bytes, so a kill lands inside a record as a power cut does on
// the card, and Open must cut that torn tail (the test fails if no kill of
// the run tore one). SIGKILL does not lose the page cache: what a cut loses
// beyond the torn record, TestOpenCutsTornTailAtEveryOffset and its
// neighbours prove.
func TestCrash(t *testing.T) {
	iters, budget := 200, 15*time.Second
	if testing.Short() {
		iters = 40
	}
	rng := rand.New(rand.NewPCG(*crashSeed, 0))
	dir := t.TempDir()
	var c crashTally
	start := time.Now()
	for c.iters < iters && time.Since(start) < budget {
		k := crashChild(t, dir, rng)
		checkAfterCrash(t, dir, k, &c)
	}
	if c.iters < min(iters, 40) {
		t.Fatalf("only %d kills in %v", c.iters, budget)
	}
	if c.torn == 0 && !testing.Short() {
		t.Errorf("%d kills, and not one landed inside a record: the torn tail was never cut after a real kill", c.iters)
	}
	t.Logf("seed %d: %d kills (%d in the append loop, %d next to a rotation) in %v; %d records, %d torn bytes cut, seqs %d..%d kept, %d segments",
		*crashSeed, c.iters, c.inLoop, c.nearRotation, time.Since(start).Round(time.Millisecond),
		c.records, c.torn, c.first, c.last, c.segment)
}

// checkAfterCrash opens the log a child was killed in, and reads it back.
func checkAfterCrash(t *testing.T, dir string, k kill, c *crashTally) {
	t.Helper()
	l, err := Open(dir, crashOpts)
	if err != nil {
		t.Fatalf("kill %d: Open: %v", c.iters+1, err)
	}
	st := l.Stats()
	closeLog(t, l)
	evs, rst := readAll(t, dir)
	cleanStats(t, rst)
	var first, last uint64
	if len(evs) > 0 {
		first, last = evs[0].Seq, evs[len(evs)-1].Seq
		checkRun(t, evs, first, last)
	}
	switch {
	case last != st.Seq:
		t.Fatalf("kill %d: read up to seq %d, Open found %d", c.iters+1, last, st.Seq)
	case last < k.synced:
		t.Fatalf("kill %d: read up to seq %d, the child had synced %d", c.iters+1, last, k.synced)
	case last < c.last || first < c.first:
		t.Fatalf("kill %d: seqs %d..%d, were %d..%d", c.iters+1, first, last, c.first, c.last)
	case k.opened && k.openSeq != c.last:
		t.Fatalf("kill %d: the child opened at seq %d, the log was at %d", c.iters+1, k.openSeq, c.last)
	}
	c.iters++
	if k.opened {
		c.inLoop++
	}
	c.records += int(last - c.last)
	c.torn += st.TornBytes
	c.first, c.last = first, last
	if segs, _ := segments(dir); len(segs) > 0 {
		c.segment = segs[len(segs)-1]
		if countRecords(t, readFile(t, segFile(dir, c.segment))) <= 1 {
			c.nearRotation++
		}
	}
}
