package console

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// lineLab plays a USB adapter: unplugged for the first opens, then
// plugged in as one end of a pipe the test holds.
type lineLab struct {
	mu      sync.Mutex
	fails   int // opens to fail first
	opens   int
	far     chan net.Conn // the test's ends, one per open
	notes   []string
	emptyRd bool // the port answers reads with (0, nil) at once
	reads   atomic.Int64
}

func (l *lineLab) open() (Port, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.opens++
	if l.fails > 0 {
		l.fails--
		return nil, errors.New("open /dev/ttyUSB0: no such file or directory")
	}
	near, far := net.Pipe()
	l.far <- far
	if l.emptyRd {
		return &emptyPort{Conn: near, reads: &l.reads}, nil
	}
	return near, nil
}

func (l *lineLab) note(s string) {
	l.mu.Lock()
	l.notes = append(l.notes, s)
	l.mu.Unlock()
}

type emptyPort struct {
	net.Conn
	reads *atomic.Int64
}

func (p *emptyPort) Read([]byte) (int, error) { p.reads.Add(1); return 0, nil }

func readUntil(t *testing.T, c net.Conn, want string) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 4096)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for !strings.Contains(b.String(), want) {
		n, err := c.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			t.Fatalf("reading for %q: %v; got %q", want, err, b.String())
		}
	}
	return b.String()
}

// The adapter is missing at first, then plugged in; unplugged mid-line
// and plugged back, the console opens it again, with a fresh session.
func TestLineReopenedWithBackoff(t *testing.T) {
	lab := &lineLab{fails: 2, far: make(chan net.Conn, 4)}
	st, stop := lab.run()

	far := <-lab.far
	readUntil(t, far, "hearth> ")
	if _, err := far.Write([]byte("versi")); err != nil { // half typed, then unplugged
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	_ = far.Close()
	far = <-lab.far
	readUntil(t, far, "hearth> ")
	go func() { _, _ = far.Write([]byte("on\r")) }()
	if out := readUntil(t, far, `unknown command "on"`); strings.Contains(out, "hearth test") {
		t.Errorf("the half line survived the unplugging: %q", out)
	}
	stop()
	if st.Opens.Load() != 2 || st.OpenErrors.Load() != 2 {
		t.Errorf("opens %d, open errors %d; want 2 and 2", st.Opens.Load(), st.OpenErrors.Load())
	}
	all := strings.Join(lab.notes, "\n")
	for _, w := range []string{"line not open: open /dev/ttyUSB0", "line open again", "line lost"} {
		if !strings.Contains(all, w) {
			t.Errorf("notes lack %q:\n%s", w, all)
		}
	}
}

// A port that answers every read with nothing and no error at once is
// read at most every minEmptyRead, not in a spin.
func TestEmptyReadsDoNotSpin(t *testing.T) {
	lab := &lineLab{far: make(chan net.Conn, 1), emptyRd: true}
	_, stop := lab.run()
	far := <-lab.far
	go func() { _, _ = io.Copy(io.Discard, far) }()
	const d = 500 * time.Millisecond
	time.Sleep(d)
	stop()
	// One read per minEmptyRead, with room for a slow machine's scheduling
	// either way; a spin makes millions.
	if n := lab.reads.Load(); n > 2*int64(d/minEmptyRead)+2 {
		t.Errorf("%d empty reads in %v", n, d)
	}
}

// run serves a console on the lab's line until stop returns.
func (l *lineLab) run() (st *Stats, stop func()) {
	c := &Console{B: newFake(), Auth: NewAuth("", 0, time.Now)}
	st = &Stats{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); Run(ctx, l.open, c, st, l.note) }()
	return st, func() { cancel(); <-done }
}
