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

	mu   sync.Mutex
	buf  bytes.Buffer
	err  error         // the reader's end
	more chan struct{} // a signal per read
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

// Ready sends an empty line and waits for a prompt: the console is there.
func (c *Client) Ready() error {
	_, err := c.Run("")
	return err
}

// Run types line and returns the answer without its echo and prompt.
func (c *Client) Run(line string) (string, error) {
	c.mu.Lock()
	c.buf.Reset()
	c.mu.Unlock()
	if _, err := c.port.Write([]byte(line + "\r")); err != nil {
		return "", err
	}
	wait := c.Wait
	if wait <= 0 {
		wait = DefaultClientWait
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		out, rerr := c.buf.String(), c.err
		c.mu.Unlock()
		for _, p := range clientPrompts {
			if strings.HasSuffix(out, p) {
				out = strings.TrimSuffix(out, p)
				out = strings.TrimPrefix(out, line+"\r\n")
				return out, nil
			}
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
	Within   time.Duration  // the whole session (5 h when 0: the relay's own bound is 4 h)
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
		within = 5 * time.Hour
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
