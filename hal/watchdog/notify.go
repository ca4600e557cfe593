package watchdog

import (
	"fmt"
	"strings"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Ready tells systemd that start-up is done (READY=1): a Type=notify unit is
// active only then. Like Stopping and Status it works whatever the
// watchdog's kind, and does nothing when NOTIFY_SOCKET is not set (the
// daemon was not started by systemd).
func Ready() error { return notify(daemon.SdNotifyReady) }

// Stopping tells systemd that a controlled shutdown has begun (STOPPING=1).
func Stopping() error { return notify(daemon.SdNotifyStopping) }

// Status sets the one-line status `systemctl status` shows (STATUS=...).
// Line breaks become spaces, so a status cannot carry another assignment.
func Status(s string) error {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	return notify("STATUS=" + s)
}

// notify sends one state to the notify socket, if there is one.
func notify(state string) error {
	if _, err := daemon.SdNotify(false, state); err != nil {
		return fmt.Errorf("watchdog: sd_notify %s: %w", strings.SplitN(state, "=", 2)[0], err)
	}
	return nil
}
