package watchdog

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// systemd is kind systemd: the unit's WatchdogSec=, fed with WATCHDOG=1 on
// the notify socket. When it fires, systemd kills the daemon and restarts it
// (Restart=); the Pi does not reset.
type systemd struct {
	timeout time.Duration

	mu     sync.Mutex
	closed bool
}

// openSystemd learns WatchdogSec= from WATCHDOG_USEC. Not running under a
// systemd watchdog is an error: the watchdog was configured and is absent.
func openSystemd() (*systemd, error) {
	if os.Getenv("NOTIFY_SOCKET") == "" {
		return nil, errors.New("watchdog: kind systemd, but NOTIFY_SOCKET is not set: the daemon must run from a unit with Type=notify and WatchdogSec=")
	}
	t, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		return nil, fmt.Errorf("watchdog: kind systemd: %w", err)
	}
	if t == 0 {
		return nil, errors.New("watchdog: kind systemd, but systemd watches no process of ours (WATCHDOG_USEC unset, or WATCHDOG_PID another process): set WatchdogSec= in the unit")
	}
	return &systemd{timeout: t}, nil
}

// noSystemdWatchdog refuses a unit's WatchdogSec= under another kind:
// systemd would kill a daemon that never sends WATCHDOG=1.
func noSystemdWatchdog(kind string) error {
	t, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		return fmt.Errorf("watchdog: kind %s: %w", kind, err)
	}
	if t != 0 {
		return fmt.Errorf("watchdog: kind %s, but the unit sets WatchdogSec=%v too: never both watchdogs; remove WatchdogSec= (docs/examples/hearth-device-watchdog.conf) or say kind systemd", kind, t)
	}
	return nil
}

// Kick sends WATCHDOG=1. systemd wants one at least every half timeout.
func (s *systemd) Kick() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	sent, err := daemon.SdNotify(false, daemon.SdNotifyWatchdog)
	if err != nil {
		return fmt.Errorf("watchdog: WATCHDOG=1: %w", err)
	}
	if !sent {
		return errors.New("watchdog: WATCHDOG=1 not sent: NOTIFY_SOCKET is no longer set")
	}
	return nil
}

// Close stops the kicks. There is nothing to disarm: systemd stops watching
// when the unit stops, and until then a daemon that no longer kicks is
// killed one timeout after its last kick, graceful or not. A controlled
// shutdown says Stopping first.
func (s *systemd) Close(graceful bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	return nil
}

func (s *systemd) Timeout() time.Duration { return s.timeout }
func (s *systemd) Kind() string           { return KindSystemd }
func (s *systemd) Emulated() bool         { return false }
func (s *systemd) String() string {
	return fmt.Sprintf("systemd: WatchdogSec=%v, WATCHDOG=1 on the notify socket", s.timeout)
}
