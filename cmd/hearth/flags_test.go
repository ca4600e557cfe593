package main

import (
	"bytes"
	"strings"
	"testing"
)

// run dispatches args in-process and turns a panic into a test failure.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("%v: panic: %v", args, p)
				code = -1
			}
		}()
		code = dispatch(args, &out, &errb)
	}()
	return code, out.String(), errb.String()
}

// Every bad flag is refused before anything runs: a non-zero exit, no panic,
// and a message on stderr that names the flag.
func TestBadFlagsNamed(t *testing.T) {
	cases := []struct {
		flag string
		args []string
	}{
		{"duration", []string{"sim", "--duration", "-5h"}},
		{"duration", []string{"sim", "--duration", "0s"}},
		{"speed", []string{"sim", "--speed", "-1"}},
		{"speed", []string{"sim", "--speed", "NaN"}},
		{"speed", []string{"sim", "--speed", "Inf"}},
		{"trace-every", []string{"sim", "--trace", "x.csv", "--trace-every", "-1s"}},
		{"trace-every", []string{"sim", "--trace-every", "1s"}},
		{"trace-format", []string{"sim", "--trace", "x.csv", "--trace-format", "xml"}},
		{"trace-format", []string{"hil", "run", "winter-day", "--trace", "x.csv", "--trace-format", "parquet"}},
		{"seed", []string{"sim", "--seed", "-7"}},
		{"png", []string{"sim", "--png"}},
		{"png", []string{"hil", "run", "winter-day", "--png"}},
		{"png", []string{"hil", "campaign", "--png"}},
		{"workers", []string{"hil", "run", "--workers", "0", "winter-day"}},
		{"workers", []string{"hil", "run", "winter-day", "--workers", "-1"}},
		{"seed", []string{"hil", "run", "--seed", "-7", "winter-day"}},
		{"random", []string{"hil", "run", "--random", "NaN"}},
		{"hours", []string{"hil", "campaign", "--hours", "NaN"}},
		{"hours", []string{"hil", "campaign", "--hours", "Inf"}},
		{"hours", []string{"hil", "campaign", "--hours", "-Inf"}},
		{"hours", []string{"hil", "campaign", "--hours", "-5"}},
		{"hours", []string{"hil", "campaign", "--hours", "0"}},
		{"hours", []string{"hil", "campaign", "--hours", "1e300"}},
		{"workers", []string{"hil", "campaign", "--workers", "0"}},
		{"workers", []string{"hil", "perf", "--workers", "0"}},
		{"days", []string{"hil", "year", "--days", "0"}},
		{"days", []string{"hil", "year", "--days", "32"}},
		{"days", []string{"hil", "year", "--days", "NaN"}},
		{"workers", []string{"hil", "year", "--workers", "0"}},
		{"step", []string{"tune", "oil", "--step", "NaN"}},
		{"step", []string{"tune", "oil", "--step", "0"}},
		{"setpoint", []string{"tune", "oil", "--setpoint", "-Inf"}},
		{"setpoint", []string{"tune", "--setpoint", "NaN", "oil"}},
		{"loss", []string{"modules", "drill", "--loss", "NaN"}},
		{"loss", []string{"modules", "drill", "--loss", "-0.1"}},
		{"cpus", []string{"modules", "drill", "--cpus", "0"}},
		{"sim-agents", []string{"modules", "drill", "--sim-agents", "-1"}},
		{"timeout", []string{"modules", "drill", "--timeout", "0s"}},
		{"module", []string{"modules", "key", "--module", "-1"}},
		{"for", []string{"drive", "--for", "-1s", "pump.oil", "1"}},
		{"every", []string{"drive", "--every", "0s", "pump.oil", "1"}},
		{"wait", []string{"probe", "--wait", "0s"}},
		{"nope", []string{"hil", "list", "--nope"}},
		{"nope", []string{"version", "--nope"}},
	}
	for _, c := range cases {
		code, out, errs := run(t, c.args...)
		if code == 0 || code == -1 {
			t.Errorf("%v: exit %d, want non-zero without a panic", c.args, code)
		}
		if !strings.Contains(errs, "-"+c.flag) {
			t.Errorf("%v: stderr does not name -%s:\n%s", c.args, c.flag, errs)
		}
		if out != "" {
			t.Errorf("%v: wrote to stdout: %q", c.args, out)
		}
	}
}

// Two bad flags: two messages, each naming its own.
func TestBadFlagsEachInItsOwnMessage(t *testing.T) {
	code, _, errs := run(t, "sim", "--duration", "-5h", "--speed", "-1")
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	var d, s int
	for _, l := range strings.Split(errs, "\n") {
		hasD, hasS := strings.Contains(l, "--duration"), strings.Contains(l, "--speed")
		if hasD && hasS && !strings.HasPrefix(l, "usage:") {
			t.Errorf("one message names both flags: %q", l)
		}
		if hasD && !hasS {
			d++
		}
		if hasS && !hasD {
			s++
		}
	}
	if d != 1 || s != 1 {
		t.Errorf("messages naming --duration %d, --speed %d, want 1 each:\n%s", d, s, errs)
	}
}

// --help, -h and help print the usage to stdout and exit 0, on every
// command and subcommand; the usage line shows the positional arguments.
func TestHelpEverywhere(t *testing.T) {
	var cmds [][]string
	for _, n := range commandNames() {
		cmds = append(cmds, []string{n})
	}
	for n := range hilSubcommands {
		cmds = append(cmds, []string{"hil", n})
	}
	for _, n := range []string{"drill", "key", "secret"} {
		cmds = append(cmds, []string{"modules", n})
	}
	for _, n := range []string{"show", "check", "defaults", "doc", "passphrase"} {
		cmds = append(cmds, []string{"config", n})
	}
	for _, c := range cmds {
		for _, h := range []string{"--help", "-h"} {
			code, out, errs := run(t, append(append([]string{}, c...), h)...)
			if code != 0 || !strings.HasPrefix(out, "usage: hearth") || errs != "" {
				t.Errorf("%v %s: exit %d, stdout %.60q, stderr %.60q; want 0, the usage on stdout, nothing on stderr", c, h, code, out, errs)
			}
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"help", "hil"}, {"hil", "help"}, {"hil", "help", "run"}, {"help", "hil", "campaign"}} {
		if code, out, _ := run(t, args...); code != 0 || !strings.HasPrefix(out, "usage: hearth") {
			t.Errorf("%v: exit %d, stdout %.60q", args, code, out)
		}
	}
	_, out, _ := run(t, "hil", "--help")
	for _, sub := range []string{"list", "faults", "run", "campaign", "perf", "year"} {
		if !strings.Contains(out, "\n  "+sub+" ") {
			t.Errorf("hearth hil --help does not list %s:\n%s", sub, out)
		}
	}
	for args, want := range map[string]string{"hil run": "[SCENARIO ...]", "tune": "LOOP", "drive": "CHANNEL VALUE", "hil list": "[SCENARIO ...]"} {
		_, out, _ := run(t, append(strings.Fields(args), "--help")...)
		if first, _, _ := strings.Cut(out, "\n"); !strings.Contains(first, want) {
			t.Errorf("hearth %s --help: usage line %q lacks %s", args, first, want)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := run(t, "version")
	if code != 0 || !strings.HasPrefix(out, "hearth") || !strings.Contains(out, "go1.") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	code, out, _ = run(t, "version", "--json")
	if code != 0 || !strings.Contains(out, `"go": "go1.`) || !strings.Contains(out, `"module": "hearth`) {
		t.Errorf("version --json: exit %d, %s", code, out)
	}
}
