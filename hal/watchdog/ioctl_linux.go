package watchdog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// configure asks the driver of f for timeout (whole seconds) and returns the
// timeout it granted and its identity. It refuses a driver without magic
// close: the kernel disarms such a driver on any close, so a daemon that
// dies would disarm its own watchdog.
//
// The request numbers are untyped constants above MaxInt32 (0xc0045706):
// x/sys takes them as uint on Linux, so they fit on linux/arm too; they must
// never pass through an int.
func configure(f *os.File, timeout time.Duration) (time.Duration, string, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, "", err
	}
	var granted int
	var identity string
	var ioErr error
	err = rc.Control(func(fd uintptr) {
		granted, identity, ioErr = configureFd(int(fd), int(timeout/time.Second))
	})
	if err == nil {
		err = ioErr
	}
	if err != nil {
		return 0, "", err
	}
	g := time.Duration(granted) * time.Second
	if g <= 0 || g > MaxTimeout {
		return 0, "", fmt.Errorf("the driver granted a timeout of %v for %v asked", g, timeout)
	}
	return g, identity, nil
}

func configureFd(fd, secs int) (granted int, identity string, err error) {
	info, err := unix.IoctlGetWatchdogInfo(fd)
	if err != nil {
		return 0, "", fmt.Errorf("WDIOC_GETSUPPORT: %w", err)
	}
	identity = string(bytes.TrimRight(info.Identity[:], "\x00"))
	if info.Options&unix.WDIOF_MAGICCLOSE == 0 {
		return 0, identity, errors.New("the driver has no magic close: it would disarm when the daemon dies")
	}
	if info.Options&unix.WDIOF_SETTIMEOUT == 0 {
		return 0, identity, errors.New("the driver cannot set its timeout")
	}
	// WDIOC_SETTIMEOUT takes a pointer to a C int (int32 in x/sys).
	if err := unix.IoctlSetPointerInt(fd, unix.WDIOC_SETTIMEOUT, secs); err != nil {
		return 0, identity, fmt.Errorf("WDIOC_SETTIMEOUT %d s: %w", secs, err)
	}
	// IoctlGetInt reads into a Go int: on 64-bit the kernel fills its low
	// half, right on little-endian (arm64, amd64); a wrong figure elsewhere
	// fails the range check in configure, never silently.
	granted, err = unix.IoctlGetInt(fd, unix.WDIOC_GETTIMEOUT)
	if err != nil {
		return 0, identity, fmt.Errorf("WDIOC_GETTIMEOUT: %w", err)
	}
	return granted, identity, nil
}
