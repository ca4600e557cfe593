package watchdog

import (
	"errors"
	"fmt"
	"time"
)

// Kinds of watchdog: the values of Config.Kind.
const (
	KindSystemd = "systemd"
	KindDevice  = "device"
	KindNone    = "none"
)

// Defaults and bounds of the device kind. The bcm2835_wdt counts at most
// 15 s, and its driver takes whole seconds.
const (
	DefaultDevice  = "/dev/watchdog"
	DefaultTimeout = 10 * time.Second
	MaxTimeout     = 15 * time.Second
)

// Config is the [watchdog] table of the daemon's configuration. Kind has no
// default: a daemon must say which watchdog it runs under.
type Config struct {
	Kind    string        `toml:"kind"`    // "systemd", "device" or "none"
	Device  string        `toml:"device"`  // kind device only; default /dev/watchdog
	Timeout time.Duration `toml:"timeout"` // kind device only: whole seconds, 1 to 15 s; default 10 s
}

// Validate checks c as written, a zero Device or Timeout standing for its
// default. It does not look at the environment: Open does.
func (c Config) Validate() error {
	switch c.Kind {
	case KindDevice:
		return validTimeout(c.Timeout)
	case KindSystemd:
		if c.Device != "" || c.Timeout != 0 {
			return errors.New("watchdog: kind systemd takes its timeout from the unit's WatchdogSec= and opens no device: remove device and timeout (never both watchdogs)")
		}
		return nil
	case KindNone:
		if c.Device != "" || c.Timeout != 0 {
			return errors.New("watchdog: kind none arms nothing: device and timeout would be ignored, remove them")
		}
		return nil
	case "":
		return errors.New(`watchdog: kind is not set: say "systemd", "device" or "none"`)
	}
	return fmt.Errorf(`watchdog: unknown kind %q: say "systemd", "device" or "none"`, c.Kind)
}

// validTimeout checks a device timeout: 0 (the default) or whole seconds
// from 1 s to MaxTimeout.
func validTimeout(t time.Duration) error {
	switch {
	case t == 0:
		return nil
	case t < time.Second || t > MaxTimeout:
		return fmt.Errorf("watchdog: timeout %v is out of the device's range, 1s to %v (bcm2835_wdt)", t, MaxTimeout)
	case t%time.Second != 0:
		return fmt.Errorf("watchdog: timeout %v is not whole seconds: the driver takes seconds", t)
	}
	return nil
}
