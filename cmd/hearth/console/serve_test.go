package console

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// Bad input gets one clear line or is dropped; nothing panics, and what
// the console holds stays bounded.
func TestBadInput(t *testing.T) {
	s := newTerm("")
	if out := s.send(strings.Repeat("x", 300) + "\r"); !strings.Contains(out, "line too long (over 256 bytes): dropped") {
		t.Errorf("long line: %q", out)
	}
	if out := s.send("frobnicate\r"); strings.Count(out, "\n") != 2 || !strings.Contains(out, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %q", out) // its echo's line, and one line of answer
	}
	if out := s.send("\x00\x00\x00"); out != "" {
		t.Errorf("NULs (a BREAK) answered %q", out)
	}
	// A 10 kB paste of garbage: every line answered once at most, the
	// editor holding no more than a line.
	r := rand.New(rand.NewPCG(1, 2))
	paste := make([]byte, 10_000)
	for i := range paste {
		paste[i] = byte(r.IntN(256))
	}
	lines := drawing(paste)
	out := s.send(string(paste))
	if n := strings.Count(out, "\n"); n > 3*lines+3 {
		t.Errorf("a garbage paste with %d bytes that draw drew %d lines", lines, n)
	}
	if len(s.c.ed.Buffer()) > MaxLine || s.c.out.Len() != 0 {
		t.Errorf("after the paste: %d bytes in the editor, %d unflushed", len(s.c.ed.Buffer()), s.c.out.Len())
	}
	if out := s.send("\x03version\r"); !strings.Contains(out, "hearth test") {
		t.Errorf("after the paste, version: %q", out)
	}
}

// A line half-typed when the line drops is forgotten, and so is the
// engineer's login: the next session starts clean and logged out, and
// nothing of the half line runs.
func TestHalfLineAtDisconnect(t *testing.T) {
	f := newFake()
	clk := newClock()
	c := &Console{B: f, Auth: NewAuth(hashOf(t, pass), 0, clk.now), Now: clk.now, Wait: time.Millisecond}
	for round := range 2 {
		in := make(chan []byte, 4)
		var out strings.Builder
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.Serve(context.Background(), in, func(b []byte) { out.Write(b) })
		}()
		if round == 0 {
			in <- []byte("login\r" + pass + "\rmaintenance o")
		} else {
			in <- []byte("n\r")
		}
		close(in)
		<-done
		if round == 0 && !strings.Contains(out.String(), "logged in") {
			t.Fatalf("no login: %q", out.String())
		}
		if round == 1 && (!strings.Contains(out.String(), `unknown command "n"`) || len(f.subs) != 0) {
			t.Errorf("the half line ran after the reconnect: %q, requests %v", out.String(), f.subs)
		}
		if round == 1 && (strings.Contains(out.String(), "hearth# ") || !strings.Contains(strings.Join(f.notes, "\n"), "logged out: the line was lost")) {
			t.Errorf("the engineer stayed logged in across the reconnect: %q", out.String())
		}
	}
}

// Five wrong passphrases at the console lock it for five minutes; the
// event log hears each; an idle session is logged out and told so.
func TestConsoleLoginLockoutAndIdle(t *testing.T) {
	s := newTerm(hashOf(t, pass))
	for i := 1; i <= MaxFailures; i++ {
		if out := s.send("login\r"); !strings.HasSuffix(out, "passphrase: ") {
			t.Fatalf("login %d: %q", i, out)
		}
		out := s.send("nope\r")
		if strings.Contains(out, "nope") {
			t.Fatalf("the passphrase was echoed: %q", out)
		}
		if i < MaxFailures && !strings.Contains(out, "wrong passphrase") {
			t.Fatalf("failure %d: %q", i, out)
		}
		if i == MaxFailures && !strings.Contains(out, "login locked after 5 wrong passphrases: try again in 5m0s") {
			t.Fatalf("fifth failure: %q", out)
		}
	}
	s.send("login\r")
	if out := s.send(pass + "\r"); !strings.Contains(out, "login locked") {
		t.Fatalf("the right passphrase while locked: %q", out)
	}
	s.clk.add(Lockout)
	s.send("login\r")
	if out := s.send(pass + "\r"); !strings.Contains(out, "logged in") || !strings.HasSuffix(out, "hearth# ") {
		t.Fatalf("after the lock: %q", out)
	}
	if out := s.send("maintenance on\r"); !strings.Contains(out, "maintenance on") {
		t.Fatalf("maintenance on: %q", out)
	}
	s.clk.add(DefaultIdle - time.Second)
	if out := s.tick(); out != "" {
		t.Fatalf("before the idle time: %q", out)
	}
	s.clk.add(time.Second)
	if out := s.tick(); !strings.Contains(out, "logged out: idle for 15m0s") || !strings.HasSuffix(out, "hearth> ") {
		t.Fatalf("idle logout: %q", out)
	}
	if out := s.send("maintenance off\r"); !strings.Contains(out, "login first") {
		t.Fatalf("after the idle logout: %q", out)
	}
	want := []string{"wrong passphrase", "login locked for 5m0s", "engineer logged in", "maintenance on", "logged out after 15m0s idle"}
	all := strings.Join(s.f.notes, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("the event log lacks %q:\n%s", w, all)
		}
	}
}

// Every command answers --json with one line of JSON.
func TestEveryCommandAnswersJSON(t *testing.T) {
	s := newTerm(hashOf(t, pass))
	s.send("login\r" + pass + "\r")
	lines := []string{"help", "help status", "status", "sensors", "outputs", "modules", "faults", "log 5", "selftest",
		"config show safety.oil_in", "version", "reset", "maintenance on", "maintenance off", "override fan 0.5 2",
		"override", "override clear fan", "override pump.oil 2", "set safety.oil_in.trip_c 57", "set", "commit",
		"calibrate oil_out -0.25", "restart", "logout", "login"}
	for _, l := range lines {
		out := s.send(l + " --json\r")
		body := strings.TrimPrefix(out, l+" --json\r\n")
		body = body[:strings.LastIndex(body, "\r\n")]
		if !strings.HasPrefix(body, "{") && !strings.HasPrefix(body, "[") && body != "null" {
			t.Errorf("%s --json: %q", l, body)
		}
	}
}

// An override lasts at most MaxOverrideMin minutes, and more than 0.
func TestOverrideMinutesBound(t *testing.T) {
	s := newTerm(hashOf(t, pass))
	s.send("login\r" + pass + "\r")
	for _, m := range []string{"61", "0", "-5", "NaN"} {
		if out := s.send("override fan 0.5 " + m + "\r"); !strings.Contains(out, "MINUTES") || len(s.f.subs) != 0 {
			t.Errorf("override for %s minutes: %q, requests %v", m, out, s.f.subs)
		}
	}
	if out := s.send("override fan 0.5 60\r"); !strings.Contains(out, "fan 0.50 for 1h (") {
		t.Errorf("override for 60 minutes: %q", out)
	}
}
