package wdtest

import (
	"fmt"
	"time"
)

// open notes a writer: the first open of an unarmed watchdog arms it and
// starts the count.
func (e *Emulator) open(now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.connected {
		return
	}
	e.connected, e.magic = true, false
	e.opens++
	if !e.armed {
		e.armed, e.disarmed, e.last = true, false, now
	}
}

// bytes takes what a writer wrote: every byte restarts the count.
func (e *Emulator) bytes(b []byte, now time.Time) {
	e.open(now)
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range b {
		if c != 'V' {
			e.kicks++
		}
		e.magic = c == 'V'
	}
	if e.armed {
		e.last = now
	}
}

// hangUp notes that no writer has the FIFO open: the magic close disarms.
func (e *Emulator) hangUp() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.connected {
		return
	}
	e.connected = false
	if e.armed && e.magic {
		e.armed, e.disarmed = false, true
	}
	e.magic = false
}

// expire fires an armed watchdog whose count has run out, and reports
// whether it did.
func (e *Emulator) expire(now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.armed || now.Sub(e.last) < e.timeout {
		return false
	}
	e.armed = false
	e.fires++
	if e.fires == 1 {
		e.firedAt = now
		close(e.fired)
	}
	return true
}

func (e *Emulator) fail(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.err = fmt.Errorf("wdtest: reading %s: %w", e.path, err)
}

// Err returns the read error that stopped the emulation, or nil. The
// countdown goes on without reads, so an armed watchdog still fires.
func (e *Emulator) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}
