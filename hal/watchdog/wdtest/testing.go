package wdtest

import (
	"path/filepath"
	"testing"
	"time"
)

// Emulate starts an emulator on a FIFO named "watchdog" in a new temporary
// directory of t, and stops it when t ends.
func Emulate(t testing.TB, timeout time.Duration, onFire func()) *Emulator {
	t.Helper()
	e, err := NewEmulator(filepath.Join(t.TempDir(), "watchdog"), timeout, onFire)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Stop)
	return e
}
