package watchdog_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"hearth/hal/watchdog"
	"hearth/hal/watchdog/wdtest"
)

// hw is the emulated hardware's timeout: shorter than any the device kind
// accepts, so the tests are quick. The daemon's configured timeout only
// tells it how often to kick.
const hw = 200 * time.Millisecond

func openEmulated(t *testing.T, e *wdtest.Emulator) watchdog.Watchdog {
	t.Helper()
	t.Setenv("WATCHDOG_USEC", "")
	w, err := watchdog.Open(watchdog.Config{Kind: watchdog.KindDevice, Device: e.Path(), Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func kickFor(t *testing.T, w watchdog.Watchdog, d time.Duration) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(hw / 10) {
		if err := w.Kick(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDeviceOnAFIFOIsEmulated(t *testing.T) {
	e := wdtest.Emulate(t, hw, nil)
	w := openEmulated(t, e)
	defer w.Close(true)
	if !w.Emulated() || w.Kind() != "device" || w.Timeout() != time.Second {
		t.Errorf("emulated %v, kind %q, timeout %v; want true, device, the configured 1s", w.Emulated(), w.Kind(), w.Timeout())
	}
	if s := w.String(); !strings.Contains(s, "EMULATED") || !strings.Contains(s, e.Path()) {
		t.Errorf("String %q does not say it is emulated", s)
	}
}

func TestDeviceKicksKeepItAliveAndGracefulCloseDisarms(t *testing.T) {
	e := wdtest.Emulate(t, hw, nil)
	w := openEmulated(t, e)
	kickFor(t, w, 4*hw)
	if e.Fired() {
		t.Fatal("fired while kicked")
	}
	if err := w.Close(true); err != nil {
		t.Fatal(err)
	}
	if e.Wait(3 * hw) {
		t.Fatal("fired after a graceful close")
	}
	if !e.Disarmed() || e.Kicks() < 20 {
		t.Errorf("disarmed %v after %d kicks; want disarmed after about 40", e.Disarmed(), e.Kicks())
	}
	if err := w.Kick(); !errors.Is(err, watchdog.ErrClosed) {
		t.Errorf("kick after close: %v, want ErrClosed", err)
	}
	if err := w.Close(true); !errors.Is(err, watchdog.ErrClosed) {
		t.Errorf("second close: %v, want ErrClosed", err)
	}
}

func TestDeviceCloseWithoutMagicFires(t *testing.T) {
	fired := make(chan time.Time, 1)
	e := wdtest.Emulate(t, hw, func() { fired <- time.Now() })
	w := openEmulated(t, e)
	kickFor(t, w, hw)
	if err := w.Close(false); err != nil {
		t.Fatal(err)
	}
	closed := time.Now()
	select {
	case at := <-fired:
		if late := at.Sub(closed); late > hw+100*time.Millisecond {
			t.Errorf("fired %v after the close, want about %v", late, hw)
		}
	case <-time.After(5 * hw):
		t.Fatal("a close without the magic 'V' did not fire")
	}
}

// A daemon restarted within the timeout reopens the device and keeps the
// watchdog from firing.
func TestDeviceReopenedByARestartedDaemon(t *testing.T) {
	e := wdtest.Emulate(t, hw, nil)
	w := openEmulated(t, e)
	kickFor(t, w, hw)
	w.Close(false)
	time.Sleep(hw / 4) // the restart: and the emulator sees the close
	w = openEmulated(t, e)
	kickFor(t, w, 3*hw)
	if e.Fired() || e.Opens() != 2 {
		t.Fatalf("fired %v, opens %d: want no firing, two opens", e.Fired(), e.Opens())
	}
	w.Close(true)
}

func TestDeviceFIFOWithoutReaderIsRefusedAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wd")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WATCHDOG_USEC", "")
	_, err := watchdog.Open(watchdog.Config{Kind: "device", Device: path})
	if !errors.Is(err, syscall.ENXIO) {
		t.Errorf("open with no reader: %v, want ENXIO", err)
	}
}

func TestDeviceOnAFileIsEmulatedAndWritesTheProtocol(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wd")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WATCHDOG_USEC", "")
	w, err := watchdog.Open(watchdog.Config{Kind: "device", Device: path})
	if err != nil {
		t.Fatal(err)
	}
	if !w.Emulated() || w.Timeout() != watchdog.DefaultTimeout {
		t.Errorf("emulated %v, timeout %v; want true, the default", w.Emulated(), w.Timeout())
	}
	w.Kick()
	w.Kick()
	if err := w.Close(true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "kkV" {
		t.Errorf("wrote %q, want two kicks and the magic V", b)
	}
}

// A character device that is not a watchdog is refused, not emulated.
func TestDeviceOtherCharacterDeviceIsRefused(t *testing.T) {
	fi, err := os.Stat("/dev/null")
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Skip("no /dev/null character device here")
	}
	t.Setenv("WATCHDOG_USEC", "")
	_, err = watchdog.Open(watchdog.Config{Kind: "device", Device: "/dev/null"})
	if err == nil || !strings.Contains(err.Error(), "WDIOC_GETSUPPORT") {
		t.Errorf("open /dev/null: %v, want a refusal at WDIOC_GETSUPPORT (ENOTTY)", err)
	}
}

func TestDeviceMissingIsAnError(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "")
	_, err := watchdog.Open(watchdog.Config{Kind: "device", Device: filepath.Join(t.TempDir(), "none")})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("open a missing device: %v, want ErrNotExist", err)
	}
}

// Never both: a unit's WatchdogSec= with kind device would kill the daemon.
func TestDeviceRefusedUnderASystemdWatchdog(t *testing.T) {
	e := wdtest.Emulate(t, hw, nil)
	t.Setenv("WATCHDOG_USEC", "5000000")
	t.Setenv("WATCHDOG_PID", "")
	_, err := watchdog.Open(watchdog.Config{Kind: "device", Device: e.Path()})
	if err == nil || !strings.Contains(err.Error(), "never both") {
		t.Errorf("kind device under WatchdogSec=: %v, want a refusal", err)
	}
	if e.Opens() != 0 {
		t.Error("the device was opened before the refusal")
	}
	if _, err := watchdog.Open(watchdog.Config{Kind: "none"}); err == nil {
		t.Error("kind none under WatchdogSec= was accepted")
	}
}
