package wdtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const timeout = 200 * time.Millisecond

// writer opens the FIFO as the daemon does.
func writer(t *testing.T, e *Emulator) *os.File {
	t.Helper()
	f, err := os.OpenFile(e.Path(), os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func write(t *testing.T, f *os.File, s string) {
	t.Helper()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// kickFor kicks every timeout/10 for d.
func kickFor(t *testing.T, f *os.File, d time.Duration) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(timeout / 10) {
		write(t, f, "k")
	}
}

// eventually waits up to a second for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestNothingFiresBeforeAWriterOpens(t *testing.T) {
	e := Emulate(t, timeout, nil)
	if e.Wait(3 * timeout) {
		t.Fatal("fired with no writer ever")
	}
	if e.Armed() || e.Opens() != 0 {
		t.Fatalf("armed %v, opens %d: want an idle watchdog", e.Armed(), e.Opens())
	}
}

func TestOpenArmsAndSilenceFires(t *testing.T) {
	var calls atomic.Int32
	e := Emulate(t, timeout, func() { calls.Add(1) })
	opened := time.Now()
	writer(t, e)
	if !e.Wait(5 * timeout) {
		t.Fatal("an open watchdog without kicks did not fire")
	}
	if late := e.FiredAt().Sub(opened); late < timeout || late > timeout+100*time.Millisecond {
		t.Errorf("fired %v after the open, want %v (+ polling)", late, timeout)
	}
	eventually(t, "the callback", func() bool { return calls.Load() == 1 })
	if e.Armed() || e.Fires() != 1 {
		t.Errorf("after firing: armed %v, fires %d; want disarmed, 1", e.Armed(), e.Fires())
	}
}

func TestKicksKeepItAliveThenACloseWithoutMagicFires(t *testing.T) {
	e := Emulate(t, timeout, nil)
	f := writer(t, e)
	kickFor(t, f, 4*timeout)
	if e.Fired() {
		t.Fatal("fired while kicked")
	}
	eventually(t, "the kicks", func() bool { return e.Kicks() >= 20 })
	closed := time.Now()
	f.Close()
	if !e.Wait(5 * timeout) {
		t.Fatal("a close without 'V' did not fire")
	}
	if late := e.FiredAt().Sub(closed); late > timeout+100*time.Millisecond {
		t.Errorf("fired %v after the close, want at most %v (+ polling)", late, timeout)
	}
}

func TestMagicCloseDisarms(t *testing.T) {
	e := Emulate(t, timeout, nil)
	f := writer(t, e)
	kickFor(t, f, timeout)
	write(t, f, "V")
	f.Close()
	eventually(t, "the disarm", e.Disarmed)
	if e.Wait(3 * timeout) {
		t.Fatal("fired after a magic close")
	}
}

func TestMagicWithoutCloseStaysArmed(t *testing.T) {
	e := Emulate(t, timeout, nil)
	f := writer(t, e)
	write(t, f, "V")
	if !e.Wait(5 * timeout) {
		t.Fatal("a 'V' without a close disarmed the watchdog")
	}
	if e.Disarmed() {
		t.Error("Disarmed after firing, with the writer still open")
	}
}

func TestKickAfterMagicCancelsIt(t *testing.T) {
	e := Emulate(t, timeout, nil)
	f := writer(t, e)
	write(t, f, "V")
	write(t, f, "k") // the kernel clears the leave at every write
	f.Close()
	if !e.Wait(5 * timeout) {
		t.Fatal("a kick after the 'V' and a close did not fire")
	}
}

// A daemon killed then restarted within the timeout keeps the watchdog from
// firing; its reopen alone does not restart the count.
func TestRestartedWriterRearms(t *testing.T) {
	e := Emulate(t, timeout, nil)
	f := writer(t, e)
	kickFor(t, f, timeout)
	f.Close() // killed: no 'V'
	time.Sleep(timeout / 4)
	g := writer(t, e)
	eventually(t, "the second open", func() bool { return e.Opens() == 2 })
	kickFor(t, g, 2*timeout)
	if e.Fired() {
		t.Fatal("fired although a restarted writer kicked in time")
	}
	write(t, g, "V")
	g.Close()
	eventually(t, "the disarm", e.Disarmed)

	// Killed again, restarted too late: the reset came first.
	h := writer(t, e)
	write(t, h, "k")
	h.Close()
	if !e.Wait(5 * timeout) {
		t.Fatal("a killed writer did not let it fire")
	}
	i := writer(t, e)
	eventually(t, "re-armed by a new open", e.Armed)
	kickFor(t, i, 2*timeout)
	if e.Fires() != 1 {
		t.Fatalf("fires %d: the re-armed watchdog fired while kicked", e.Fires())
	}
}

// After a firing, a writer still open (a hung daemon waking up) does not
// re-arm it: the Pi has reset.
func TestKicksAfterFiringDoNotRearm(t *testing.T) {
	e := Emulate(t, timeout, nil)
	f := writer(t, e)
	if !e.Wait(5 * timeout) {
		t.Fatal("did not fire")
	}
	kickFor(t, f, timeout)
	if e.Armed() {
		t.Fatal("kicks from the old writer re-armed it")
	}
}

func TestStopRemovesTheFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wd")
	e, err := NewEmulator(path, timeout, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewEmulator(path, timeout, nil); err == nil {
		t.Error("a second emulator on the same path was made")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e.Stop()
	e.Stop()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the FIFO is still there: %v", err)
	}
	if _, err := f.Write([]byte("k")); err == nil {
		t.Error("a kick after Stop succeeded: want EPIPE")
	}
}

// TestSIGKILLedWriterFires kills a real process that holds the FIFO open and
// kicks it: the kernel closes its end, without the 'V'.
func TestSIGKILLedWriterFires(t *testing.T) {
	e := Emulate(t, timeout, nil)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperKicker$")
	cmd.Env = append(os.Environ(), "WDTEST_KICKER="+e.Path())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	eventually(t, "the kicker's kicks", func() bool { return e.Kicks() >= 5 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if !e.Wait(5 * timeout) {
		t.Fatal("did not fire after SIGKILL")
	}
	if late := e.FiredAt().Sub(killed); late > timeout+100*time.Millisecond {
		t.Errorf("fired %v after the kill, want at most %v (+ polling)", late, timeout)
	}
}

// TestHelperKicker is the process TestSIGKILLedWriterFires kills. It stops
// by itself after 10 s.
func TestHelperKicker(t *testing.T) {
	path := os.Getenv("WDTEST_KICKER")
	if path == "" {
		t.Skip("run by TestSIGKILLedWriterFires")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		f.Write([]byte("k"))
	}
}
