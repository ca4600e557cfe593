package console

import (
	"strings"
	"testing"
)

// FuzzConsole feeds arbitrary bytes to a logged-in console: the line
// editor, the parser and every command, the engineer's included, against
// the fake daemon. Nothing may panic; the editor holds at most MaxLine
// bytes; what a chunk draws is bounded by what it asks; the console
// always comes back to a prompt.
//
//	go test ./cmd/hearth/console -run '^$' -fuzz FuzzConsole -fuzztime 60s
func FuzzConsole(f *testing.F) {
	seeds := []string{
		"status\r", "help override\r\n", "override pump.oil 0.5 10\r", "override module.1 100%\r",
		"override clear all\r", "set safety.oil_in.trip_c 57\rcommit\r", "calibrate oil_out -0.5\r",
		"reset\r", "maintenance on\rmaintenance off\r", "log 500\r", "watch\rq", "sta\t?\r",
		"status --json\r", "\x1b[A\x1b[B\x1bOC\r", "\x00\x00\xff\xfe\r", strings.Repeat("z", 300) + "\r",
		"login\rwrong\r", "logout\rreset\r", "versio\x7fn\x03\x15\x0c\r", "config show safety.\r",
		"override fan 50% 60\r", "override heater on 0.5\r", "set\r", "faults --json\r",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	hash := hashOf(f, pass)
	f.Fuzz(func(t *testing.T, in []byte) {
		s := newTerm(hash)
		s.send("login\r" + pass + "\r")
		draws := 1 + drawing(in)
		out := s.send(string(in))
		if len(s.c.ed.Buffer()) > MaxLine {
			t.Fatalf("the editor holds %d bytes", len(s.c.ed.Buffer()))
		}
		// The longest answer (help, faults, a watch screen) is under 8 kB.
		if len(out) > 8192*draws+len(in)*4 {
			t.Fatalf("%d bytes drawn for %d bytes in", len(out), len(in))
		}
		end := s.send("\x03")
		if s.c.watching {
			end = s.send("\x03")
		}
		if !strings.HasSuffix(end, "# ") && !strings.HasSuffix(end, "> ") {
			t.Fatalf("no prompt after Ctrl-C: %q", end)
		}
	})
}
