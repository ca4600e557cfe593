//go:build !linux

package watchdog

import (
	"os"
	"syscall"
	"time"
)

// configure: only Linux has the watchdog API here, so every path is emulated
// (a FIFO or file) or refused (a character device).
func configure(f *os.File, timeout time.Duration) (time.Duration, string, error) {
	return 0, "", syscall.ENOTTY
}
