package console

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"go.bug.st/serial"
)

// Port is an open serial line.
type Port = io.ReadWriteCloser

// Opener opens the line. The transport calls it again, with back-off,
// after the line is lost (a USB adapter unplugged and plugged back).
type Opener func() (Port, error)

// DefaultBaud is the line's speed unless configured: 115200 8N1.
const DefaultBaud = 115200

// readTimeout bounds one read, so a read wakes to see the session end. In
// go.bug.st/serial a read that times out returns 0 bytes and no error: the
// reader loops on it, waking four times a second, never spinning.
const readTimeout = 250 * time.Millisecond

// minEmptyRead: an empty read faster than this is not a timeout, and the
// reader waits this long before the next.
const minEmptyRead = 50 * time.Millisecond

// Serial opens device at baud, 8N1, raw, no flow control.
func Serial(device string, baud int) Opener {
	return func() (Port, error) {
		p, err := serial.Open(device, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
		if err != nil {
			return nil, err
		}
		if err := p.SetReadTimeout(readTimeout); err != nil {
			_ = p.Close()
			return nil, err
		}
		return p, nil
	}
}

// Queue bounds: input chunks waiting for the session, output chunks
// waiting for the line. Past them input and output are dropped, and
// counted: a flooded or stalled line costs memory it may not take.
const (
	inQueue  = 32
	outQueue = 64
	readBuf  = 512
)

// Stats counts what the transport did.
type Stats struct {
	Opens, OpenErrors     atomic.Uint64
	InDropped, OutDropped atomic.Uint64 // bytes and chunks dropped at full queues
	BytesIn, BytesOut     atomic.Uint64
	lastErrMu             sync.Mutex
	lastErr               string
}

// LastError is the line's last error (an open or a read).
func (s *Stats) LastError() string {
	s.lastErrMu.Lock()
	defer s.lastErrMu.Unlock()
	return s.lastErr
}

func (s *Stats) setErr(err error) {
	s.lastErrMu.Lock()
	s.lastErr = err.Error()
	s.lastErrMu.Unlock()
}

// Back-off between opens of a lost line.
const (
	backoffMin = 500 * time.Millisecond
	backoffMax = 10 * time.Second
)

// Run serves the console on the line until ctx ends: it opens the line,
// serves a session until the line is lost, and opens it again with
// back-off. note is told of each loss and recovery.
func Run(ctx context.Context, open Opener, c *Console, st *Stats, note func(string)) {
	wait := backoffMin
	lost := false
	for ctx.Err() == nil {
		p, err := open()
		if err != nil {
			st.OpenErrors.Add(1)
			st.setErr(err)
			if !lost {
				note("console: line not open: " + err.Error() + "; retrying with back-off")
				lost = true
			}
			if !sleep(ctx, wait) {
				return
			}
			wait = min(2*wait, backoffMax)
			continue
		}
		st.Opens.Add(1)
		if lost {
			note("console: line open again")
			lost = false
		}
		began := time.Now()
		err = session(ctx, p, c, st)
		if ctx.Err() != nil {
			return
		}
		note("console: line lost: " + errText(err))
		lost = true
		if time.Since(began) > backoffMax {
			wait = backoffMin
		}
		if !sleep(ctx, wait) {
			return
		}
		wait = min(2*wait, backoffMax)
	}
}

func errText(err error) string {
	if err == nil {
		return "closed"
	}
	return err.Error()
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// session serves one open line until it fails or ctx ends.
func session(ctx context.Context, p Port, c *Console, st *Stats) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	in := make(chan []byte, inQueue)
	out := make(chan []byte, outQueue)
	var wg sync.WaitGroup
	var rerr error
	wg.Add(1)
	go func() { defer wg.Done(); rerr = reader(sctx, p, in, st) }()
	// The writer is not waited for: a write to a line nobody reads may
	// block until the line is gone, and must not hold the session's end.
	go writer(sctx, p, out, st)
	write := func(b []byte) {
		select {
		case out <- append([]byte(nil), b...):
		default:
			st.OutDropped.Add(1)
		}
	}
	c.Serve(sctx, in, write)
	cancel()
	_ = p.Close() // ends a read or write in progress
	wg.Wait()
	return rerr
}

// reader reads the line into chunks for the session; it closes in when
// the line fails or the session ends.
func reader(ctx context.Context, p Port, in chan<- []byte, st *Stats) error {
	defer close(in)
	buf := make([]byte, readBuf)
	for ctx.Err() == nil {
		began := time.Now()
		n, err := p.Read(buf)
		if n == 0 && err == nil && time.Since(began) < minEmptyRead {
			// A line that answers "nothing, no error" at once (not the
			// library's timed-out read): wait instead of spinning.
			if !sleep(ctx, minEmptyRead) {
				return nil
			}
		}
		if n > 0 {
			st.BytesIn.Add(uint64(n))
			select {
			case in <- append([]byte(nil), buf[:n]...):
			default:
				st.InDropped.Add(uint64(n))
			}
		}
		if err != nil {
			if ctx.Err() == nil {
				st.setErr(err)
			}
			return err
		}
		// n == 0 and no error: the read timed out. Loop, after looking at ctx.
	}
	return nil
}

// writer writes queued output to the line.
func writer(ctx context.Context, p Port, out <-chan []byte, st *Stats) {
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-out:
			n, err := p.Write(b)
			st.BytesOut.Add(uint64(max(n, 0)))
			if err != nil {
				return
			}
		}
	}
}

// ErrQueueFull is Submit's answer when the tick has not taken the
// requests before.
var ErrQueueFull = errors.New("the controller has not taken the last requests yet: try again")
