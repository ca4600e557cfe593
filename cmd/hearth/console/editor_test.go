package console

import (
	"strings"
	"testing"
)

// feed runs bytes through an editor and returns the lines and actions it
// completed, and its echo.
func feed(e *Editor, in string) (lines []string, acts []Action, echo string) {
	var buf []byte
	for i := 0; i < len(in); i++ {
		var a Action
		a, buf = e.Feed(in[i], buf)
		if a != None {
			acts = append(acts, a)
		}
		if a == Line {
			lines = append(lines, e.Text())
		}
	}
	return lines, acts, string(buf)
}

func TestEditorEnterAndErase(t *testing.T) {
	cases := []struct {
		name, in string
		lines    []string
		echo     string
	}{
		{"CR", "status\r", []string{"status"}, "status\r\n"},
		{"LF", "status\n", []string{"status"}, "status\r\n"},
		{"CRLF is one Enter", "a\r\nb\r\n", []string{"a", "b"}, "a\r\nb\r\n"},
		{"CR CR is two", "\r\r", []string{"", ""}, "\r\n\r\n"},
		{"LF CR is two", "\n\r", []string{"", ""}, "\r\n\r\n"},
		{"DEL", "stx\x7fat\r", []string{"stat"}, "stx\b \bat\r\n"},
		{"backspace", "stx\bat\r", []string{"stat"}, "stx\b \bat\r\n"},
		{"erase past the start", "\x7f\x7fa\r", []string{"a"}, "a\r\n"},
		{"Ctrl-U", "abc\x15d\r", []string{"d"}, "abc\b \b\b \b\b \bd\r\n"},
		{"NUL, BREAK, noise dropped", "a\x00b\xffc\x01\r", []string{"abc"}, "abc\r\n"},
		{"arrow keys swallowed", "a\x1b[Ab\x1bOBc\x1b[1;5Cd\r", []string{"abcd"}, "abcd\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var e Editor
			lines, _, echo := feed(&e, tc.in)
			if strings.Join(lines, "|") != strings.Join(tc.lines, "|") || echo != tc.echo {
				t.Errorf("lines %q echo %q, want %q %q", lines, echo, tc.lines, tc.echo)
			}
		})
	}
}

func TestEditorAbandonAndComplete(t *testing.T) {
	var e Editor
	_, acts, echo := feed(&e, "stat\x03")
	if len(acts) != 1 || acts[0] != Abandon || !strings.HasSuffix(echo, "^C\r\n") || e.Buffer() != "" {
		t.Errorf("Ctrl-C: %v %q buffer %q", acts, echo, e.Buffer())
	}
	_, acts, _ = feed(&e, "sta\t")
	if len(acts) != 1 || acts[0] != Complete || e.Text() != "sta" || e.Buffer() != "sta" {
		t.Errorf("Tab: %v %q buffer %q", acts, e.Text(), e.Buffer())
	}
	lines, _, _ := feed(&e, "tus\r")
	if len(lines) != 1 || lines[0] != "status" {
		t.Errorf("after Tab: %q", lines)
	}
}

// A line past MaxLine is dropped whole, with one TooLong at its end; the
// next line is read as usual.
func TestEditorTooLong(t *testing.T) {
	var e Editor
	in := strings.Repeat("y", MaxLine) + "z\x7f\x7fmore\rstatus\r"
	lines, acts, echo := feed(&e, in)
	if len(acts) != 2 || acts[0] != TooLong || acts[1] != Line || len(lines) != 1 || lines[0] != "status" {
		t.Fatalf("acts %v lines %q", acts, lines)
	}
	if strings.Count(echo, "y") != MaxLine {
		t.Errorf("echoed %d bytes of the long line, want %d (nothing past the limit)", strings.Count(echo, "y"), MaxLine)
	}
	lines, _, _ = feed(&e, strings.Repeat("q", MaxLine)+"\r")
	if len(lines) != 1 || len(lines[0]) != MaxLine {
		t.Errorf("a line of exactly MaxLine: %d lines", len(lines))
	}
}

// A passphrase is not echoed, and '?' and Tab are part of it.
func TestEditorSecret(t *testing.T) {
	e := Editor{Secret: true}
	lines, _, echo := feed(&e, "a?b\tc\x7fd\r")
	if len(lines) != 1 || lines[0] != "a?b\td" || echo != "\r\n" {
		t.Errorf("secret: lines %q echo %q", lines, echo)
	}
}

func TestParse(t *testing.T) {
	c, err := Parse("  OVERRIDE  pump.oil\t0.5 --json 5 ")
	if err != nil || c.Name != "override" || strings.Join(c.Args, " ") != "pump.oil 0.5 5" || !c.JSON {
		t.Errorf("%+v %v", c, err)
	}
	if _, err := Parse("status --verbose"); err == nil || !strings.Contains(err.Error(), `unknown flag "--verbose"`) {
		t.Errorf("unknown flag: %v", err)
	}
	if _, err := Parse("log " + strings.Repeat("1 ", 9)); err == nil {
		t.Error("nine arguments accepted")
	}
	if c, err := Parse(""); err != nil || c.Name != "" {
		t.Errorf("empty: %+v %v", c, err)
	}
	if s := Suggest("stauts", names()); len(s) != 1 || s[0] != "status" {
		t.Errorf("stauts: %v", s)
	}
	if s := Suggest("ov", names()); len(s) != 1 || s[0] != "override" {
		t.Errorf("ov: %v", s)
	}
	if s := Suggest("zzzzzz", names()); len(s) != 0 {
		t.Errorf("zzzzzz: %v", s)
	}
}
