package watchdog

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// kickByte is what a kick writes: any byte but 'V' only restarts the count.
var kickByte = []byte{'k'}

// magicByte, written just before the close, lets the kernel disarm the
// watchdog (the magic close).
var magicByte = []byte{'V'}

// emulatedWriteWait bounds a write to a FIFO whose reader has stalled, so a
// test double can never hang the tick. A real device never blocks a write.
const emulatedWriteWait = 50 * time.Millisecond

// device is kind device: a Linux watchdog device, or a FIFO or file
// standing for one (emulated).
type device struct {
	path     string
	timeout  time.Duration
	identity string // the driver's name, from WDIOC_GETSUPPORT
	emulated bool

	mu sync.Mutex
	f  *os.File // nil once closed
}

// openDevice opens path, which arms a real watchdog at once, and sets its
// timeout. On a real device that cannot be set up it returns an error and
// closes without the magic byte: the watchdog stays armed and resets the Pi,
// the safe side of a daemon that cannot run.
func openDevice(path string, timeout time.Duration) (*device, error) {
	// O_NONBLOCK: opening a FIFO with no reader fails (ENXIO) instead of
	// hanging the start-up; a watchdog device ignores the flag.
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.EBUSY) {
			err = fmt.Errorf("%w (another process holds it: systemd's RuntimeWatchdogSec= or the watchdog package?)", err)
		}
		return nil, fmt.Errorf("watchdog: %w", err)
	}
	d := &device{path: path, timeout: timeout, f: f}
	if err := d.setup(); err != nil {
		f.Close()
		return nil, err
	}
	return d, nil
}

// setup sets the driver's timeout and keeps the one it granted. A path that
// is not a character device (a FIFO or a file) has no driver to ask: the
// kernel would answer the ioctls with ENOTTY (qemu-user with ENOSYS), so it
// is emulated and keeps the configured timeout. A character device that is
// not a watchdog fails the ioctls and is refused.
func (d *device) setup() error {
	fi, err := d.f.Stat()
	if err != nil {
		return fmt.Errorf("watchdog: %w", err)
	}
	if fi.Mode()&os.ModeCharDevice == 0 {
		d.emulated = true
		return nil
	}
	granted, identity, err := configure(d.f, d.timeout)
	if err != nil {
		return fmt.Errorf("watchdog: %s: %w", d.path, err)
	}
	d.timeout, d.identity = granted, identity
	return nil
}

// Kick writes one byte: the kernel restarts the countdown on any write.
func (d *device) Kick() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		return ErrClosed
	}
	if err := d.write(kickByte); err != nil {
		return fmt.Errorf("watchdog: kick: %w", err)
	}
	return nil
}

// Close closes the device, graceful after writing the magic 'V', which the
// kernel takes as leave to disarm (unless it was built with
// CONFIG_WATCHDOG_NOWAYOUT or the driver loaded with nowayout=1: then the
// watchdog fires even after a graceful close). If the 'V' cannot be written
// the watchdog stays armed, and the error says so.
func (d *device) Close(graceful bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		return ErrClosed
	}
	var err error
	if graceful {
		if werr := d.write(magicByte); werr != nil {
			err = fmt.Errorf("watchdog: magic close: %w: the watchdog stays armed", werr)
		}
	}
	if cerr := d.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("watchdog: %w", cerr)
	}
	d.f = nil
	return err
}

// write writes b, within emulatedWriteWait when emulated. The caller holds mu.
func (d *device) write(b []byte) error {
	if d.emulated {
		d.f.SetWriteDeadline(time.Now().Add(emulatedWriteWait)) // a file has no deadline: ignored
	}
	_, err := d.f.Write(b)
	return err
}

func (d *device) Timeout() time.Duration { return d.timeout }
func (d *device) Kind() string           { return KindDevice }
func (d *device) Emulated() bool         { return d.emulated }
func (d *device) String() string {
	if d.emulated {
		return fmt.Sprintf("device %s: not a character device, EMULATED: timeout %v as configured, nothing resets the Pi", d.path, d.timeout)
	}
	return fmt.Sprintf("device %s (%s): timeout %v granted by the driver", d.path, d.identity, d.timeout)
}
