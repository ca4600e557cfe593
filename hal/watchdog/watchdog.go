// Package watchdog is the daemon's dead man's switch: the edge kicks it every
// tick, and when the kicks stop (the daemon hung, died or was killed) it acts
// with no software of ours in the loop.
//
// The kind is chosen in configuration, and only one is ever used:
//
//   - "device": the Pi's own watchdog, /dev/watchdog (bcm2835_wdt, at most
//     15 s). When it fires the SoC resets: every GPIO reverts to an input, so
//     the energise-to-run module relays drop out and every module is
//     unpowered, and the other outputs fall to their de-energised states
//     (docs/safety.md, layer 5). The Pi boots again and the daemon starts in
//     self_test, a latched trip still latched from the trip store.
//   - "systemd": systemd's WatchdogSec= through sd_notify. When it fires,
//     systemd kills the daemon (SIGABRT) and restarts it. The Pi does not
//     reset: the relays drop out only if the kernel returns the dead daemon's
//     GPIO lines to inputs (on Raspberry Pi kernels only with
//     dtparam=strict_gpiod, see docs/install.md), and a hung kernel is not
//     covered. The layer 5 of docs/safety.md is the device kind.
//   - "none": nothing is armed (development, the simulator). The edge then
//     reports hal.Inputs.Watchdog false, and the start-up self-test trips.
//
// Never both: a configuration naming a device for the systemd kind is
// refused, and so is the device or none kind under a unit that sets
// WatchdogSec= (systemd would kill a daemon that never sends WATCHDOG=1).
//
// The edge kicks only while the tick is on time and the safety layer is
// healthy, so a late tick or a failing layer lets the watchdog fire. This
// package judges neither: it kicks when told, and reports every failure.
//
// It is an edge package: it does I/O and reads the environment. Nothing in
// core imports it.
package watchdog

import (
	"errors"
	"time"
)

// Watchdog is one armed watchdog. Kick and Close may be called from
// different goroutines.
type Watchdog interface {
	// Kick restarts the watchdog's countdown. An error means the kick may not
	// have reached it: the edge logs it and carries on kicking.
	Kick() error
	// Close ends the daemon's use of the watchdog. graceful disarms it and
	// is only for a controlled shutdown, after the outputs are safe; a close
	// that is not graceful leaves it armed, so it fires one timeout after the
	// last kick (the daemon exits on an internal fault). After Close, Kick
	// and Close return ErrClosed (kind none: nil, there is nothing to close).
	Close(graceful bool) error
	// Timeout is how long the watchdog waits for a kick before it fires: the
	// one the driver granted, the unit's WatchdogSec=, or 0 for kind none.
	Timeout() time.Duration
	// Kind is the configured kind: "systemd", "device" or "none".
	Kind() string
	// Emulated reports a device that is not a character device (a FIFO or a
	// file, in tests): the timeout is the configured one and nothing in the
	// kernel will reset the Pi. The edge must say so in its log.
	Emulated() bool
	// String describes the watchdog for the daemon's start-up log.
	String() string
}

// ErrClosed is returned by Kick and Close after Close.
var ErrClosed = errors.New("watchdog: closed")

// Open validates cfg, checks the environment against it and arms the
// watchdog it names. A configured watchdog that is absent (no systemd
// watchdog for kind systemd, no device for kind device) is an error: the
// daemon decides what to do, and should not run the plant. The caller logs
// the watchdog's String, which says when it is emulated.
func Open(cfg Config) (Watchdog, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Kind == KindSystemd {
		s, err := openSystemd()
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	if err := noSystemdWatchdog(cfg.Kind); err != nil {
		return nil, err
	}
	if cfg.Kind == KindNone {
		return none{}, nil
	}
	if cfg.Device == "" {
		cfg.Device = DefaultDevice
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	d, err := openDevice(cfg.Device, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	return d, nil
}
