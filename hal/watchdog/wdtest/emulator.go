// Package wdtest plays the Pi's watchdog for tests in other packages: a FIFO
// stands for /dev/watchdog, and an Emulator reading it fires, as the
// hardware would, when it is armed and nothing has been written to it for
// its timeout. A daemon under test opens the FIFO with watchdog kind
// "device"; the test sees what the watchdog saw and, through the callback,
// does what the Pi's reset does (de-energise the relays).
//
// It follows the kernel's watchdog API as far as a FIFO can show it:
//
//   - A writer opening the FIFO arms it and starts the count. Opening it
//     again while it is still armed (a restarted daemon) does not restart
//     the count: only a byte does.
//   - Every byte written restarts the count. Kicks counts the bytes but 'V'.
//   - A writer that closes right after writing 'V' disarms it (the magic
//     close). A close without 'V', or a writer killed with SIGKILL, leaves it
//     armed, and it fires one timeout after the last byte.
//   - Firing calls the callback and disarms: the Pi has reset. Only a new
//     open arms it again; bytes from a writer still open count as kicks but
//     do not re-arm it.
//
// Limits: the FIFO is polled every PollEvery, so a firing comes up to two
// polls late; a writer that closes and a new one that opens within one poll
// are seen as one writer (a magic close between them is missed); a 'V'
// anywhere but last before the close does not disarm, where the kernel looks
// at the whole of the last write.
package wdtest

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// PollEvery is how often the emulator reads its FIFO.
const PollEvery = 2 * time.Millisecond

// Emulator is one emulated watchdog on a FIFO. Its methods may be called
// from any goroutine, the callback's included.
type Emulator struct {
	path    string
	timeout time.Duration
	onFire  func()
	fd      int

	mu        sync.Mutex
	connected bool      // a writer has the FIFO open
	armed     bool      // counting down
	magic     bool      // the last byte read was 'V'
	disarmed  bool      // the last writer closed with the magic 'V'
	last      time.Time // when the count last restarted
	kicks     int
	opens     int
	fires     int
	firedAt   time.Time
	fired     chan struct{} // closed at the first firing
	err       error         // a read failed: the FIFO is no longer read

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// NewEmulator makes a FIFO at path (which must not exist), opens its
// reading end and starts emulating a watchdog that fires after timeout.
// onFire, if not nil, runs in the emulator's goroutine at every firing; it
// may call the emulator's methods, but not Stop. Stop ends the emulation and
// removes the FIFO.
func NewEmulator(path string, timeout time.Duration, onFire func()) (*Emulator, error) {
	if timeout <= 0 {
		return nil, fmt.Errorf("wdtest: timeout %v must be positive", timeout)
	}
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		return nil, fmt.Errorf("wdtest: mkfifo %s: %w", path, err)
	}
	// O_NONBLOCK: the open returns at once, and a read tells the three
	// states apart: data, EAGAIN (a writer, nothing new), 0 (no writer).
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("wdtest: %w", err)
	}
	e := &Emulator{path: path, timeout: timeout, onFire: onFire, fd: fd,
		fired: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go e.run()
	return e, nil
}

// Stop ends the emulation, closes the FIFO's reading end (a writer's next
// kick fails with EPIPE) and removes the FIFO. It may be called twice.
func (e *Emulator) Stop() {
	e.stopOnce.Do(func() {
		close(e.stop)
		<-e.done
		syscall.Close(e.fd)
		os.Remove(e.path)
	})
}

// run polls the FIFO and the countdown until Stop.
func (e *Emulator) run() {
	defer close(e.done)
	buf := make([]byte, 4096)
	tick := time.NewTicker(PollEvery)
	defer tick.Stop()
	for {
		if e.Err() == nil {
			e.poll(buf)
		}
		if e.expire(time.Now()) && e.onFire != nil {
			e.onFire()
		}
		select {
		case <-e.stop:
			return
		case <-tick.C:
		}
	}
}

// poll reads everything the writer has written since the last poll.
func (e *Emulator) poll(buf []byte) {
	for {
		n, err := syscall.Read(e.fd, buf)
		switch {
		case n > 0:
			e.bytes(buf[:n], time.Now())
		case errors.Is(err, syscall.EINTR):
		case errors.Is(err, syscall.EAGAIN):
			e.open(time.Now())
			return
		case err != nil:
			e.fail(err)
			return
		default: // 0 bytes: no writer has the FIFO open
			e.hangUp()
			return
		}
	}
}
