package console

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"
)

// Console is one serial console's session: its line editor, its login and
// what it is doing (a passphrase being typed, a watch running). It reads
// the daemon through its Backend only.
type Console struct {
	B    Backend
	Auth *Auth
	// Now is the wall clock (injected in tests).
	Now func() time.Time
	// Wait is how long a reset or maintenance request waits for the tick
	// to act before it answers (0: 3 s).
	Wait time.Duration

	ed       Editor
	out      bytes.Buffer
	login    bool // the next line is a passphrase
	watching bool
	watchJS  bool
	snap     Snapshot
	ctx      context.Context
}

const prompt = "hearth> "

// Banner is the first thing a terminal sees.
const Banner = "Hearth console: help lists the commands; status shows what is wrong.\n"

// Serve runs the session: bytes in from in, answers out through write
// (which must not block: the transport queues and drops). It returns when
// in closes (the port is gone: a half-typed line is dropped) or ctx ends.
func (c *Console) Serve(ctx context.Context, in <-chan []byte, write func([]byte)) {
	c.ctx = ctx
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Wait == 0 {
		c.Wait = 3 * time.Second
	}
	c.ed.Reset()
	c.login, c.watching = false, false
	// A new session on the line (an adapter plugged in again, perhaps by
	// someone else) starts logged out; the lockout stands.
	if in, _ := c.Auth.LoggedIn(); in {
		c.Auth.Logout()
		c.B.Note("info", "console: engineer logged out: the line was lost")
	}
	c.print("\n" + Banner)
	c.prompt()
	c.flush(write)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case chunk, ok := <-in:
			if !ok {
				return
			}
			c.input(chunk)
		case <-t.C:
			c.timer()
		}
		c.flush(write)
	}
}

// input feeds a chunk of bytes to the editor and runs what it completes.
func (c *Console) input(chunk []byte) {
	if c.watching && len(chunk) > 0 {
		c.watching = false // any key ends a watch
		c.print("\n")
		c.prompt()
		return
	}
	var echo [2 * MaxLine]byte
	for _, b := range chunk {
		act, e := c.ed.Feed(b, echo[:0])
		c.out.Write(e)
		switch act {
		case Line:
			c.line(c.ed.Text())
			if !c.watching {
				c.prompt()
			}
		case TooLong:
			c.print("line too long (over " + itoa(MaxLine) + " bytes): dropped\n")
			c.prompt()
		case Abandon:
			if c.login {
				c.login, c.ed.Secret = false, false
				c.print("login abandoned\n")
			}
			c.prompt()
		case Complete:
			c.complete(c.ed.Text())
		case Redraw:
			c.print("\n")
			c.prompt()
			c.print(c.ed.Buffer())
		}
		if c.watching {
			return // the rest of the chunk would end the watch at once
		}
	}
}

func (c *Console) prompt() {
	switch {
	case c.login:
		c.print("passphrase: ")
	default:
		if in, _ := c.Auth.LoggedIn(); in {
			c.print("hearth# ")
			return
		}
		c.print(prompt)
	}
}

// timer refreshes a watch and logs out an idle session.
func (c *Console) timer() {
	if c.watching {
		c.watch()
	}
	if _, idled := c.Auth.LoggedIn(); idled {
		c.B.Note("info", "console: engineer logged out after "+c.Auth.Idle().String()+" idle")
		c.print("\nlogged out: idle for " + c.Auth.Idle().String() + "\n")
		if !c.watching {
			c.prompt()
			c.print(c.ed.Buffer())
		}
	}
}

// line runs one entered line.
func (c *Console) line(text string) {
	if c.login {
		c.login, c.ed.Secret = false, false
		c.passphrase(text)
		return
	}
	cmd, err := Parse(text)
	if err != nil {
		c.print(err.Error() + "\n")
		return
	}
	if cmd.Name == "" {
		return
	}
	spec := lookup(cmd.Name)
	if spec == nil {
		c.print(unknown(cmd.Name) + "\n")
		return
	}
	if spec.engineer {
		in, idled := c.Auth.LoggedIn()
		if !in {
			msg := cmd.Name + ": an engineer command: login first"
			if idled {
				msg = cmd.Name + ": logged out after " + c.Auth.Idle().String() + " idle: login again"
			}
			c.answer(cmd, "", nil, errorf("%s", msg))
			return
		}
		c.Auth.Touch()
	}
	text, js, err := spec.run(c, cmd)
	if err == errWatch {
		return // the watch draws its own screen
	}
	c.answer(cmd, text, js, err)
}

// answer writes a command's answer as text or one line of JSON.
func (c *Console) answer(cmd Command, text string, js any, err error) {
	if cmd.JSON {
		var v any = js
		switch {
		case err != nil:
			v = map[string]string{"error": err.Error()}
		case js == nil:
			v = map[string]string{"ok": strings.TrimSpace(text)}
		}
		b, jerr := json.Marshal(v)
		if jerr != nil {
			b = []byte(`{"error":"` + jerr.Error() + `"}`)
		}
		c.out.Write(b)
		c.print("\n")
		return
	}
	if err != nil {
		c.print(fit80(err.Error()) + "\n")
		return
	}
	c.print(fit80(text))
	if text != "" && !strings.HasSuffix(text, "\n") {
		c.print("\n")
	}
}

func (c *Console) print(s string) { c.out.WriteString(s) }

// flush writes what the session produced, with the terminal's CRLF.
func (c *Console) flush(write func([]byte)) {
	if c.out.Len() == 0 {
		return
	}
	b := c.out.Bytes()
	var crlf bytes.Buffer
	crlf.Grow(len(b) + len(b)/16)
	for i, x := range b {
		if x == '\n' && (i == 0 || b[i-1] != '\r') {
			crlf.WriteByte('\r')
		}
		crlf.WriteByte(x)
	}
	c.out.Reset()
	write(crlf.Bytes())
}

// snapshot refreshes the session's copy of the daemon's view.
func (c *Console) snapshot() *Snapshot {
	c.B.Snapshot(&c.snap)
	return &c.snap
}

// waitFor polls the snapshot until cond holds or the wait runs out.
func (c *Console) waitFor(cond func(*Snapshot) bool) bool {
	end := time.Now().Add(c.Wait)
	for {
		if cond(c.snapshot()) {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		select {
		case <-c.ctx.Done():
			return false
		case <-time.After(min(50*time.Millisecond, c.Wait)):
		}
	}
}
