package daemon_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/crypto/bcrypt"
)

// The engineer's passphrase of the console tests, hashed at bcrypt's
// lowest cost so that a login takes no time.
const testPassphrase = "warm house, cold oil"

var testHash = func() string {
	h, err := bcrypt.GenerateFromPassword([]byte(testPassphrase), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
}()

// consoleConfig is the [console] table of a bench with a console.
var consoleConfig = fmt.Sprintf("[console]\npassphrase_hash = %q\n", testHash)

// term is the field engineer's end of a pty pair: the daemon opens the
// other end (tty) as its serial console.
type term struct {
	t   *testing.T
	m   *os.File
	tty string
	mu  sync.Mutex
	buf bytes.Buffer
}

func openTerm(t *testing.T) *term {
	t.Helper()
	m, s, err := pty.Open()
	if err != nil {
		t.Skipf("no pty here: %v", err)
	}
	tm := &term{t: t, m: m, tty: s.Name()}
	// Raw, as picocom sets its end: no echo, no line editing, no CR/LF
	// translation by the kernel. The daemon sets its own end raw.
	if err := makeRaw(m); err != nil {
		t.Fatal(err)
	}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := m.Read(b)
			tm.mu.Lock()
			tm.buf.Write(b[:n])
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { _ = m.Close(); _ = s.Close() })
	return tm
}

func (tm *term) text() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.buf.String()
}

var prompts = []string{"hearth> ", "hearth# ", "passphrase: "}

// waitPrompt waits until the output after mark ends at a prompt, and
// returns it.
func (tm *term) waitPrompt(mark int, within time.Duration) string {
	tm.t.Helper()
	end := time.Now().Add(within)
	for time.Now().Before(end) {
		out := tm.text()[mark:]
		for _, p := range prompts {
			if strings.HasSuffix(out, p) {
				return out
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	tm.t.Fatalf("no prompt within %v; the console wrote:\n%s", within, tail([]byte(tm.text()[mark:]), 2000))
	return ""
}

// send writes raw bytes and returns the answer up to the next prompt.
func (tm *term) send(raw string) string {
	tm.t.Helper()
	mark := len(tm.text())
	if _, err := tm.m.WriteString(raw); err != nil {
		tm.t.Fatal(err)
	}
	return tm.waitPrompt(mark, 15*time.Second)
}

// run types a line and Enter (CR, as picocom sends it), and returns the
// answer with its echo and prompt cut.
func (tm *term) run(line string) string {
	tm.t.Helper()
	out := tm.send(line + "\r")
	out = strings.TrimPrefix(out, line+"\r\n")
	for _, p := range prompts {
		out = strings.TrimSuffix(out, p)
	}
	return out
}

// json runs a command with --json and decodes its answer into v.
func (tm *term) json(line string, v any) {
	tm.t.Helper()
	out := tm.run(line + " --json")
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), v); err != nil {
		tm.t.Fatalf("%s --json: %v in %q", line, err, out)
	}
}

// ready waits for the console's first prompt.
func (tm *term) ready() {
	tm.t.Helper()
	tm.waitPrompt(0, 20*time.Second)
}

func (tm *term) login() {
	tm.t.Helper()
	tm.ready()
	if out := tm.run("login"); out != "" {
		tm.t.Fatalf("login: %q", out)
	}
	if out := tm.run(testPassphrase); !strings.Contains(out, "logged in") {
		tm.t.Fatalf("passphrase: %q", out)
	}
}

// status is the part of status --json the tests read.
type status struct {
	State       string   `json:"state"`
	Cause       string   `json:"cause"`
	Latched     bool     `json:"latched"`
	Holding     []string `json:"holding"`
	Maintenance bool     `json:"maintenance"`
	Overruns    uint64   `json:"overruns"`
}

// until polls status --json until cond holds.
func (tm *term) until(what string, within time.Duration, cond func(status) bool) status {
	tm.t.Helper()
	end := time.Now().Add(within)
	var st status
	for time.Now().Before(end) {
		st = status{} // a field the answer omits is empty, not the last answer's
		tm.json("status", &st)
		if cond(st) {
			return st
		}
		time.Sleep(250 * time.Millisecond)
	}
	tm.t.Fatalf("%s: not within %v; last status %+v\n%s\n%s", what, within, st, tm.run("status"), tm.run("faults"))
	return st
}
