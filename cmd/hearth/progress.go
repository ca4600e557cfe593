package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progressEvery is the shortest time between two progress lines.
const progressEvery = time.Second

// progress writes status lines of a long run to stderr: at most one a
// second, and a last one when done if any was written before (a run
// shorter than a second stays silent). Safe for concurrent use.
type progress struct {
	mu    sync.Mutex
	w     io.Writer // nil: silent
	start time.Time
	last  time.Time
	wrote bool
}

// newProgress returns a progress on w, silent unless on.
func newProgress(w io.Writer, on bool) *progress {
	p := &progress{start: time.Now()}
	if on {
		p.w = w
	}
	p.last = p.start
	return p
}

// report writes the line line() makes, if a second has gone since the last
// one, or if final and a line was written before.
func (p *progress) report(final bool, line func() string) {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if (final && p.wrote) || now.Sub(p.last) >= progressEvery {
		fmt.Fprintln(p.w, line())
		p.last, p.wrote = now, true
	}
}

// progressFlag registers --progress: progress on stderr even with --json.
func progressFlag(c *cmdFlags) *bool {
	return c.Bool("progress", false, "progress on stderr even with --json (without --json it is on)")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
