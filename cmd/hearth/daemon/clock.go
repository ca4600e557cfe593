package daemon

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"

	"hearth/units"
)

// mono is CLOCK_MONOTONIC in nanoseconds: the tick's deadlines, its
// measurements and the controller's time are all on it.
func mono() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) // cannot fail for this clock
	return ts.Nano()
}

// sleepUntil sleeps the calling thread until the monotonic clock reads
// deadline (ns), with clock_nanosleep's absolute mode: the kernel wakes the
// thread itself, with no Go timer in between, and a signal that interrupts
// the sleep does not stretch it.
func sleepUntil(deadline int64) {
	ts := unix.NsecToTimespec(deadline)
	for {
		err := unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &ts, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// clock is the controller's time: nanoseconds on the monotonic clock since
// the daemon started, times speed under --sim's sim.speed (0: 1).
type clock struct {
	epoch int64
	speed float64
}

func newClock() clock { return clock{epoch: mono()} }

func (c clock) now() units.Time {
	if c.speed > 1 {
		return units.Time(float64(mono()-c.epoch) * c.speed)
	}
	return units.Time(mono() - c.epoch)
}

// realtime puts the calling goroutine on its own OS thread for good and asks
// the kernel for SCHED_FIFO at prio on that thread. It returns what it got,
// for the log: a refusal (no CAP_SYS_NICE) leaves the thread under the
// normal scheduler, locked all the same.
func realtime(prio int) string {
	runtime.LockOSThread()
	if prio == 0 {
		return "locked OS thread, normal scheduler (realtime_priority 0)"
	}
	attr := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: uint32(prio)}
	if err := unix.SchedSetAttr(0, &attr, 0); err != nil {
		return fmt.Sprintf("locked OS thread, normal scheduler: SCHED_FIFO %d refused: %v", prio, err)
	}
	return fmt.Sprintf("locked OS thread, SCHED_FIFO priority %d", prio)
}

// lockMemory locks the daemon's pages in RAM, so that a tick never waits on
// a page fault from the SD card.
func lockMemory() error {
	return unix.Mlockall(unix.MCL_CURRENT | unix.MCL_FUTURE)
}
