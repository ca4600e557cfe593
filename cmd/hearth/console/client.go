package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"hearth/core/livetune"
	"hearth/pid"
	"hearth/units"
)

// Client is a program's end of the console line: it types commands as an
// engineer at a terminal would (a line and CR) and reads each answer up
// to the next prompt. `hearth tune LOOP --console DEVICE` drives a live
// tuning session through it.
type Client struct {
	port Port
	// Wait bounds the wait for one answer (DefaultClientWait when 0).
	Wait time.Duration

	mu     sync.Mutex
	buf    bytes.Buffer
	err    error         // the reader's end
	more   chan struct{} // a signal per read
	secret bool          // the last prompt asked for a passphrase
}

// DefaultClientWait bounds the wait for one answer. A tune start waits
// for the tick's answer within the console's own bound.
const DefaultClientWait = 20 * time.Second

// ErrNoPrompt is an answer that did not end at a prompt within the wait.
var ErrNoPrompt = errors.New("console: no prompt")

var clientPrompts = []string{prompt, "hearth# ", "passphrase: "}

// Dial opens the line and reads it until Close.
func Dial(open Opener) (*Client, error) {
	p, err := open()
	if err != nil {
		return nil, err
	}
	c := &Client{port: p, more: make(chan struct{}, 1)}
	go c.read()
	return c, nil
}

func (c *Client) read() {
	b := make([]byte, readBuf)
	for {
		n, err := c.port.Read(b)
		c.mu.Lock()
		c.buf.Write(b[:n])
		if err != nil {
			c.err = err
		}
		c.mu.Unlock()
		select {
		case c.more <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
		if n == 0 {
			time.Sleep(minEmptyRead) // a serial read's timeout, or a line that returns at once
		}
	}
}

// Close closes the line.
func (c *Client) Close() error { return c.port.Close() }

// Ready sends an empty line, waits for a prompt and then for the line to
// fall quiet: the console is there, and what it printed before (its
// banner and startup prompt, which may arrive after the empty line's
// answer) is read and dropped, so that no later answer takes a stale
// prompt for its own.
func (c *Client) Ready() error {
	if _, err := c.Run(""); err != nil {
		return err
	}
	return c.drain(readyQuiet, c.wait())
}

// readyQuiet is how long the line stays silent before Ready believes it.
const readyQuiet = 250 * time.Millisecond

// drain reads until nothing has come for quiet, within bound, and drops
// what it read.
func (c *Client) drain(quiet, bound time.Duration) error {
	start := time.Now()
	last := start
	for {
		c.mu.Lock()
		n, rerr := c.buf.Len(), c.err
		c.buf.Reset()
		c.mu.Unlock()
		if rerr != nil {
			return fmt.Errorf("console: the line ended: %w", rerr)
		}
		now := time.Now()
		if n > 0 {
			last = now
		}
		if now.Sub(last) >= quiet {
			return nil
		}
		if now.Sub(start) > bound {
			return fmt.Errorf("%w: the line did not fall quiet within %v", ErrNoPrompt, bound)
		}
		time.Sleep(quiet / 5)
	}
}

func (c *Client) wait() time.Duration {
	if c.Wait <= 0 {
		return DefaultClientWait
	}
	return c.Wait
}

// echoOf is what the console echoes for line: the line itself and CRLF,
// or only CRLF when the line is a passphrase (the editor echoes none of
// it) or holds a byte the editor does not echo as typed (completion keys,
// controls).
func echoOf(line string, secret bool) string {
	if secret || strings.ContainsAny(line, "\t?") {
		return "\r\n"
	}
	for i := 0; i < len(line); i++ {
		if line[i] < 0x20 || line[i] > 0x7e {
			return "\r\n"
		}
	}
	return line + "\r\n"
}

// Run types line and returns the answer without its echo and prompt. The
// answer is what follows the line's own echo, up to a prompt: a prompt
// that came before the echo (a late one from an earlier exchange) is not
// this line's.
func (c *Client) Run(line string) (string, error) {
	c.mu.Lock()
	c.buf.Reset()
	echo := echoOf(line, c.secret)
	c.mu.Unlock()
	if _, err := c.port.Write([]byte(line + "\r")); err != nil {
		return "", err
	}
	wait := c.wait()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		out, rerr := c.buf.String(), c.err
		c.mu.Unlock()
		if ans, p, ok := answer(out, echo); ok {
			c.mu.Lock()
			c.secret = p == "passphrase: "
			c.mu.Unlock()
			return ans, nil
		}
		if rerr != nil {
			return out, fmt.Errorf("console: the line ended: %w", rerr)
		}
		select {
		case <-c.more:
		case <-deadline.C:
			return out, fmt.Errorf("%w within %v after %q (last: %q)", ErrNoPrompt, wait, line, tailText(out, 200))
		}
	}
}

// answer finds, in what the line has said since a line was typed, the
// answer after the line's echo up to a closing prompt, and that prompt.
func answer(out, echo string) (string, string, bool) {
	i := strings.Index(out, echo)
	if i < 0 {
		return "", "", false
	}
	rest := out[i+len(echo):]
	for _, p := range clientPrompts {
		if strings.HasSuffix(rest, p) {
			return strings.TrimSuffix(rest, p), p, true
		}
	}
	return "", "", false
}

func tailText(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// JSON runs line with --json and decodes the answer into v; an answer
// {"error": ...} is returned as an error.
func (c *Client) JSON(line string, v any) error {
	out, err := c.Run(line + " --json")
	if err != nil {
		return err
	}
	i, j := strings.IndexByte(out, '{'), strings.LastIndexByte(out, '}')
	if i < 0 || j < i {
		return fmt.Errorf("console: %s --json: no JSON in %q", line, tailText(out, 200))
	}
	raw := []byte(out[i : j+1])
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(raw, &e) == nil && e.Error != "" {
		return errors.New(e.Error)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("console: %s --json: %v in %q", line, err, tailText(out, 200))
	}
	return nil
}

// Login logs the engineer in with pass.
func (c *Client) Login(pass string) error {
	out, err := c.Run("login")
	if err != nil {
		return err
	}
	if strings.Contains(out, "already") {
		return nil
	}
	if out, err = c.Run(pass); err != nil {
		return err
	}
	if !strings.Contains(out, "logged in") {
		return fmt.Errorf("console: login: %s", strings.TrimSpace(out))
	}
	return nil
}

// TuneOptions bound and report a live tuning session followed by
// Client.Tune.
type TuneOptions struct {
	Every    time.Duration  // between status polls (5 s when 0)
	Within   time.Duration  // the whole session (6 h when 0: settling at most twice 45 min, the relay's own bound 4 h)
	Progress func(TuneView) // after each poll while the relay runs, if set
}

// Tune starts a live tuning session on loop (oil, water or tank) and
// follows it to its end. It returns the last status, and an error unless
// the session completed (its cause when it aborted). When ctx ends or the
// bound passes first, it aborts the session (tune abort) and says so.
func (c *Client) Tune(ctx context.Context, loop string, o TuneOptions) (TuneView, error) {
	every, within := o.Every, o.Within
	if every <= 0 {
		every = 5 * time.Second
	}
	if within <= 0 {
		within = 6 * time.Hour
	}
	var v TuneView
	if err := c.JSON("tune start "+loop, &v); err != nil {
		return v, err
	}
	end := time.NewTimer(within)
	defer end.Stop()
	for v.Phase == "starting" || v.Phase == "relay" {
		if o.Progress != nil {
			o.Progress(v)
		}
		select {
		case <-ctx.Done():
			return c.abortTune(v, "interrupted ("+ctx.Err().Error()+")")
		case <-end.C:
			return c.abortTune(v, "not done within "+within.String())
		case <-time.After(every):
		}
		v = TuneView{}
		if err := c.JSON("tune status", &v); err != nil {
			return v, err
		}
	}
	if v.Phase != "done" {
		return v, errors.New(v.Cause)
	}
	return v, nil
}

func (c *Client) abortTune(last TuneView, why string) (TuneView, error) {
	var a TuneView
	if err := c.JSON("tune abort", &a); err != nil {
		return last, fmt.Errorf("%s; tune abort: %v", why, err)
	}
	return a, fmt.Errorf("%s: tune abort sent, the loop back to its PID", why)
}

// WriteTuneFile writes a finished session's gains (v, from tune status
// --json) as the configuration snippet `tune apply FILE` and `hearth tune
// --write` write, the first comment line saying by whom, and returns its
// section. ms-iae sets the setpoint weight and the derivative filter,
// which are written; another rule leaves the loop's own, which are not.
func WriteTuneFile(path string, v *TuneView, by string) (string, error) {
	l, err := livetune.ParseLoop(v.Loop)
	if err != nil {
		return "", err
	}
	if v.Phase != "done" {
		return "", fmt.Errorf("tune %s: %s, no gains to write", v.Loop, v.Phase)
	}
	cfg := pid.Config{Kp: v.Kp, Ki: v.Ki, Kd: v.Kd, SetpointWeight: v.SetpointWeight,
		DerivativeFilter: units.Duration(math.Round(v.DerivativeFilterS*1000)) * units.Millisecond}
	base := cfg
	if v.Rule == pid.MsIAE.String() {
		base.SetpointWeight, base.DerivativeFilter = -1, -1
	}
	ku, tu := 0.0, 0.0
	if v.Ku != nil && v.TuS != nil {
		ku, tu = *v.Ku, *v.TuS
	}
	comment := []string{
		fmt.Sprintf("%s: %s on Ku %.4g /K, Tu %.1f s (%d cycles in %.0f min of the live plant)",
			by, v.Rule, ku, tu, v.Cycles, v.ElapsedS/60),
		"the live plant's figures; " + v.Reason,
	}
	section := livetune.Section(l)
	return section, livetune.WriteSnippet(path, section, comment, cfg, base)
}
