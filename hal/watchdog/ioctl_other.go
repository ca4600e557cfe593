//go:build !linux

package watchdog

import (
	"os"
	"syscall"
	"time"
)

// configure: only Linux has the watchdog API here, so a character device is
// refused (a FIFO or a file is emulated without asking).
func configure(f *os.File, timeout time.Duration) (time.Duration, string, error) {
	return 0, "", syscall.ENOTTY
}
