package wdtest

import "time"

// Path is the FIFO: the device a daemon under test opens.
func (e *Emulator) Path() string { return e.path }

// Timeout is how long the emulated watchdog waits for a byte.
func (e *Emulator) Timeout() time.Duration { return e.timeout }

// Fired reports whether the watchdog has fired at least once.
func (e *Emulator) Fired() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.fires > 0
}

// Fires counts the firings: one per arming at most.
func (e *Emulator) Fires() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.fires
}

// FiredAt is when the watchdog first fired (zero if it has not).
func (e *Emulator) FiredAt() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.firedAt
}

// Kicks counts the bytes written but 'V'.
func (e *Emulator) Kicks() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.kicks
}

// Opens counts the writers seen.
func (e *Emulator) Opens() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.opens
}

// Armed reports whether the watchdog is counting down.
func (e *Emulator) Armed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.armed
}

// Disarmed reports whether the last writer closed with the magic 'V' and no
// writer has opened since.
func (e *Emulator) Disarmed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.disarmed
}

// FiredC is closed when the watchdog first fires.
func (e *Emulator) FiredC() <-chan struct{} { return e.fired }

// Wait waits at most d for the first firing and reports whether it came.
func (e *Emulator) Wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-e.fired:
		return true
	case <-t.C:
		return false
	}
}

// LastKickAt is when the count last restarted (the last byte, or the open
// that armed it): the watchdog fires one timeout after it.
func (e *Emulator) LastKickAt() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.last
}
