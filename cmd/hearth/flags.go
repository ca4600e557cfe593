package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// cmdFlags is a command's flag set with its usage line. Its parse prints
// --help to stdout and exits 0, takes flags anywhere among the positional
// arguments (`hearth hil run winter-day --json`), and range-checks every
// numeric flag after parsing, each bad flag named in its own message.
type cmdFlags struct {
	*flag.FlagSet
	name     string // "hearth hil run"
	synopsis string // what follows the name on the usage line: "[flags] [SCENARIO ...]"
	about    string // printed after the usage line, when set
	checks   []func() string
}

func newCmd(name, synopsis string) *cmdFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors itself
	fs.Usage = func() {}
	return &cmdFlags{FlagSet: fs, name: name, synopsis: synopsis}
}

// usage writes the usage line, the about text and every flag.
func (c *cmdFlags) usage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s %s\n", c.name, c.synopsis)
	if c.about != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(c.about, "\n"))
	}
	has := false
	c.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprintln(w, "\nflags:")
		c.SetOutput(w)
		c.PrintDefaults()
		c.SetOutput(io.Discard)
	}
}

// parse parses args, flags before, between and after the positional
// arguments ("--" ends the flags). It returns the positional arguments and
// ok, or ok false and the exit code: 0 after -h or --help (the usage on
// stdout), 2 after a bad flag (named on stderr, with the usage line).
func (c *cmdFlags) parse(args []string, stdout, stderr io.Writer) (pos []string, code int, ok bool) {
	for {
		err := c.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			c.usage(stdout)
			return nil, 0, false
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", c.name, err)
			c.usageHint(stderr)
			return nil, 2, false
		}
		rest := c.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	bad := false
	for _, check := range c.checks {
		if msg := check(); msg != "" {
			fmt.Fprintf(stderr, "%s: %s\n", c.name, msg)
			bad = true
		}
	}
	if bad {
		c.usageHint(stderr)
		return nil, 2, false
	}
	return pos, 0, true
}

func (c *cmdFlags) usageHint(w io.Writer) {
	fmt.Fprintf(w, "usage: %s %s ('%s --help' for every flag)\n", c.name, c.synopsis, c.name)
}

// noArgs refuses positional arguments; it returns ok false and exit code 2
// if there were any.
func (c *cmdFlags) noArgs(pos []string, stderr io.Writer) bool {
	if len(pos) == 0 {
		return true
	}
	fmt.Fprintf(stderr, "%s: unexpected argument %q\n", c.name, pos[0])
	c.usageHint(stderr)
	return false
}

// check adds a range check on flag name, run after parsing: when ok is
// false the message names the flag, its value and want.
func (c *cmdFlags) check(name string, ok func() bool, want string) {
	c.checks = append(c.checks, func() string {
		if ok() {
			return ""
		}
		return fmt.Sprintf("--%s %s: %s", name, c.Lookup(name).Value, want)
	})
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// intIn is an int flag that must be within [lo, hi].
func (c *cmdFlags) intIn(name string, def, lo, hi int, usage string) *int {
	p := c.Int(name, def, usage)
	c.check(name, func() bool { return *p >= lo && *p <= hi }, fmt.Sprintf("must be from %d to %d", lo, hi))
	return p
}

// maxWorkers bounds --workers: more goroutines than this buys nothing.
const maxWorkers = 1024

// workers is the --workers flag: at least 1.
func (c *cmdFlags) workers(def int, usage string) *int {
	return c.intIn("workers", def, 1, maxWorkers, usage)
}

// positiveDuration is a duration flag that must be above 0.
func (c *cmdFlags) positiveDuration(name string, def time.Duration, usage string) *time.Duration {
	p := c.Duration(name, def, usage)
	c.check(name, func() bool { return *p > 0 }, "must be above 0")
	return p
}

// isHelp reports a request for help among a dispatcher's arguments.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}
