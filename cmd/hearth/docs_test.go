package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"hearth/hal/board"
)

const commissioning = "../../docs/commissioning.md"

// hearthCall finds `hearth CMD ...` as the docs write it (after sudo, or
// sudo -u hearth), up to a comment, a backtick or the line's end.
var hearthCall = regexp.MustCompile(`(?:^|sudo (?:-u hearth )?|\x60)hearth ([a-z]+)([^\x60#\n]*)`)

// TestCommissioningCommandsExist: every hearth command docs/commissioning.md
// gives is a command hearth has, with flags it takes, and every output it
// drives is one the reference board has.
func TestCommissioningCommandsExist(t *testing.T) {
	src, err := os.ReadFile(commissioning)
	if err != nil {
		t.Fatal(err)
	}
	f, err := board.Load(exampleBoard)
	if err != nil {
		t.Fatal(err)
	}
	channels := map[string]bool{}
	h := board.Open(f, board.Registry{}, nil)
	for _, c := range h.Channels {
		channels[c.Name] = true
	}
	calls := hearthCall.FindAllStringSubmatch(string(src), -1)
	if len(calls) < 30 {
		t.Fatalf("only %d hearth commands found in %s", len(calls), commissioning)
	}
	usage := map[string]string{}
	for _, c := range calls {
		name, args := c[1], strings.Fields(c[2])
		if _, ok := commands[name]; !ok {
			t.Errorf("%q: hearth has no command %q", c[0], name)
			continue
		}
		if _, ok := usage[name]; !ok {
			var out, errb bytes.Buffer
			dispatch([]string{name, "-h"}, &out, &errb)
			usage[name] = out.String() + errb.String()
		}
		var plain []string
		for k := 0; k < len(args); k++ {
			a := args[k]
			if strings.HasPrefix(a, "--") {
				flag, _, eq := strings.Cut(strings.TrimPrefix(a, "--"), "=")
				valued := strings.Contains(usage[name], "  -"+flag+" ")
				if !valued && !strings.Contains(usage[name], "  -"+flag+"\n") {
					t.Errorf("%q: hearth %s has no flag --%s", c[0], name, flag)
				}
				if valued && !eq {
					k++ // its value
				}
			} else if !strings.HasPrefix(a, "/") && !strings.HasPrefix(a, "\"") && !strings.Contains(a, "YYYY") {
				plain = append(plain, a)
			}
		}
		if name == "drive" && len(plain) >= 1 && !channels[plain[0]] && !regexp.MustCompile(`^module\.N$`).MatchString(plain[0]) {
			t.Errorf("%q: the reference board has no output %q", c[0], plain[0])
		}
	}
}

// TestEveryCommissioningStepHasACommand: each numbered step of
// docs/commissioning.md names at least one command that does it.
func TestEveryCommissioningStepHasACommand(t *testing.T) {
	src, err := os.ReadFile(commissioning)
	if err != nil {
		t.Fatal(err)
	}
	steps := regexp.MustCompile(`(?m)^## (\d+)\. `).FindAllStringSubmatchIndex(string(src), -1)
	if len(steps) < 12 {
		t.Fatalf("%d numbered steps", len(steps))
	}
	cmd := regexp.MustCompile(`hearth [a-z]+|systemctl [a-z]+|kill -`)
	for i, s := range steps {
		end := len(src)
		if i+1 < len(steps) {
			end = steps[i+1][0]
		}
		body := string(src[s[0]:end])
		if !cmd.MatchString(body) {
			t.Errorf("step %s names no command", string(src[s[2]:s[3]]))
		}
	}
}
