package watchdog_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"hearth/hal/watchdog"
)

// fakeSystemd listens on a notify socket in a temp dir and points
// NOTIFY_SOCKET at it, as systemd does for a Type=notify unit.
func fakeSystemd(t *testing.T) *net.UnixConn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return conn
}

// expect reads the next datagram and compares it with want.
func expect(t *testing.T, conn *net.UnixConn, want string) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("waiting for %q: %v", want, err)
	}
	if got := string(buf[:n]); got != want {
		t.Errorf("systemd got %q, want %q", got, want)
	}
}

func TestSystemdKicksWithWatchdog1(t *testing.T) {
	conn := fakeSystemd(t)
	t.Setenv("WATCHDOG_USEC", "5000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	w, err := watchdog.Open(watchdog.Config{Kind: "systemd"})
	if err != nil {
		t.Fatal(err)
	}
	if w.Timeout() != 5*time.Second || w.Kind() != "systemd" || w.Emulated() {
		t.Errorf("timeout %v, kind %q, emulated %v", w.Timeout(), w.Kind(), w.Emulated())
	}
	for range 3 {
		if err := w.Kick(); err != nil {
			t.Fatal(err)
		}
		expect(t, conn, "WATCHDOG=1")
	}
	if err := w.Close(true); err != nil {
		t.Fatal(err)
	}
	if err := w.Kick(); !errors.Is(err, watchdog.ErrClosed) {
		t.Errorf("kick after close: %v, want ErrClosed", err)
	}
}

func TestNotifyReadyStoppingStatus(t *testing.T) {
	conn := fakeSystemd(t)
	t.Setenv("WATCHDOG_USEC", "") // the helpers do not need the systemd watchdog
	steps := []struct {
		send func() error
		want string
	}{
		{watchdog.Ready, "READY=1"},
		{func() error { return watchdog.Status("running, 8 modules") }, "STATUS=running, 8 modules"},
		{func() error { return watchdog.Status("two\nlines\nREADY=1") }, "STATUS=two lines READY=1"},
		{watchdog.Stopping, "STOPPING=1"},
	}
	for _, s := range steps {
		if err := s.send(); err != nil {
			t.Fatal(err)
		}
		expect(t, conn, s.want)
	}
}

func TestNotifyWithoutSystemdDoesNothing(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	for _, f := range []func() error{watchdog.Ready, watchdog.Stopping, func() error { return watchdog.Status("x") }} {
		if err := f(); err != nil {
			t.Errorf("not under systemd: %v, want nil", err)
		}
	}
}

// A watchdog configured but absent is a configuration error.
func TestSystemdRefusedWithoutItsWatchdog(t *testing.T) {
	for _, c := range []struct {
		name, socket, usec, pid, want string
	}{
		{"no notify socket", "", "5000000", "", "NOTIFY_SOCKET"},
		{"no WatchdogSec", "sock", "", "", "WatchdogSec="},
		{"another process watched", "sock", "5000000", "1", "WATCHDOG_PID"},
		{"garbled WATCHDOG_USEC", "sock", "five", "", "WATCHDOG_USEC"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.socket != "" {
				fakeSystemd(t)
			} else {
				t.Setenv("NOTIFY_SOCKET", "")
			}
			t.Setenv("WATCHDOG_USEC", c.usec)
			t.Setenv("WATCHDOG_PID", c.pid)
			w, err := watchdog.Open(watchdog.Config{Kind: "systemd"})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Open: %v, %v; want an error naming %s", w, err, c.want)
			}
		})
	}
}

// A kick that does not reach systemd is an error, never silent.
func TestSystemdKickFailsWhenTheSocketIsGone(t *testing.T) {
	conn := fakeSystemd(t)
	t.Setenv("WATCHDOG_USEC", "5000000")
	t.Setenv("WATCHDOG_PID", "")
	w, err := watchdog.Open(watchdog.Config{Kind: "systemd"})
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if err := w.Kick(); err == nil {
		t.Error("a kick to a closed notify socket succeeded")
	}
}
