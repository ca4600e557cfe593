package console

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// linePort is a serial line with latency: what the far end says becomes
// readable in order, each chunk no sooner than its time, as bytes queued
// on a UART are. A read with nothing due returns 0 after minEmptyRead, as
// a serial read's timeout does.
type linePort struct {
	mu     sync.Mutex
	chunks []lineChunk
	last   time.Time
	reply  func(p *linePort, line string) // what the far end answers a typed line
	typed  []string
	closed bool
}

type lineChunk struct {
	at   time.Time
	text string
}

// say queues text after delay, behind everything already queued.
func (p *linePort) say(text string, delay time.Duration) {
	at := time.Now().Add(delay)
	if at.Before(p.last) {
		at = p.last.Add(2 * minEmptyRead) // a gap the reader sees between chunks
	}
	p.last = at
	p.chunks = append(p.chunks, lineChunk{at, text})
}

func (p *linePort) Read(b []byte) (int, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return 0, errors.New("closed")
	}
	if len(p.chunks) > 0 && !time.Now().Before(p.chunks[0].at) {
		n := copy(b, p.chunks[0].text)
		p.chunks[0].text = p.chunks[0].text[n:]
		if p.chunks[0].text == "" {
			p.chunks = p.chunks[1:]
		}
		p.mu.Unlock()
		return n, nil
	}
	p.mu.Unlock()
	time.Sleep(minEmptyRead / 10)
	return 0, nil
}

func (p *linePort) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := strings.TrimSuffix(string(b), "\r")
	p.typed = append(p.typed, line)
	p.reply(p, line)
	return len(b), nil
}

func (p *linePort) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	return nil
}

// A console whose banner and first prompt reach the client only after its
// empty line was sent, with the empty line's own echo and prompt 150 ms
// behind them: Ready must not leave that late prompt for login to take as
// its answer (the failure CI saw: "console: login: login").
func TestClientReadyDropsALateStartupPrompt(t *testing.T) {
	secret := false
	p := &linePort{reply: func(p *linePort, line string) {
		switch {
		case len(p.typed) == 1: // the first line: the startup output is still on its way
			p.say("\r\nHearth console\r\n"+prompt, 10*time.Millisecond)
			p.say("\r\n"+prompt, 150*time.Millisecond)
		case secret:
			secret = false
			if line == "s3cret" {
				p.say("\r\nlogged in\r\nhearth# ", 20*time.Millisecond)
			} else {
				p.say("\r\nwrong passphrase\r\n"+prompt, 20*time.Millisecond)
			}
		case line == "login":
			secret = true
			p.say("login\r\npassphrase: ", 20*time.Millisecond)
		default:
			p.say(line+"\r\nunknown command\r\n"+prompt, 20*time.Millisecond)
		}
	}}
	c, err := Dial(func() (Port, error) { return p, nil })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Wait = 2 * time.Second
	if err := c.Ready(); err != nil {
		t.Fatal(err)
	}
	if err := c.Login("s3cret"); err != nil {
		t.Fatalf("login after a late startup prompt: %v", err)
	}
	out, err := c.Run("frob")
	if err != nil || strings.TrimSpace(out) != "unknown command" {
		t.Fatalf("the next line: %q, %v; want its own answer", out, err)
	}
}

// answer takes only a prompt that follows the line's echo; the echo of a
// passphrase is CRLF alone.
func TestClientAnswerFollowsTheEcho(t *testing.T) {
	cases := []struct {
		out, echo, want, prompt string
		ok                      bool
	}{
		{"\r\n" + prompt, "login\r\n", "", "", false}, // a late prompt of the line before
		{"\r\n" + prompt + "login\r\npassphrase: ", "login\r\n", "", "passphrase: ", true},
		{"status\r\nrunning\r\n" + prompt, "status\r\n", "running\r\n", prompt, true},
		{"status\r\nrunning", "status\r\n", "", "", false}, // no prompt yet
		{"\r\nlogged in\r\nhearth# ", "\r\n", "logged in\r\n", "hearth# ", true},
	}
	for _, k := range cases {
		got, p, ok := answer(k.out, k.echo)
		if got != k.want || p != k.prompt || ok != k.ok {
			t.Errorf("answer(%q, %q) = %q, %q, %v; want %q, %q, %v", k.out, k.echo, got, p, ok, k.want, k.prompt, k.ok)
		}
	}
	for _, k := range []struct {
		line   string
		secret bool
		want   string
	}{{"status", false, "status\r\n"}, {"s3cret", true, "\r\n"}, {"help ?", false, "\r\n"}, {"", false, "\r\n"}} {
		if got := echoOf(k.line, k.secret); got != k.want {
			t.Errorf("echoOf(%q, %v) = %q; want %q", k.line, k.secret, got, k.want)
		}
	}
}

// Ready reports a line that never falls quiet rather than waiting for ever.
func TestClientReadyBoundedOnAChatteringLine(t *testing.T) {
	p := &linePort{}
	p.reply = func(p *linePort, line string) {
		p.say("\r\n"+prompt, 5*time.Millisecond)
		for i := 1; i < 200; i++ {
			p.say("x", time.Duration(i)*20*time.Millisecond)
		}
	}
	c, err := Dial(func() (Port, error) { return p, nil })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Wait = time.Second
	if err := c.Ready(); !errors.Is(err, ErrNoPrompt) {
		t.Fatalf("Ready on a chattering line: %v; want ErrNoPrompt", err)
	}
}
