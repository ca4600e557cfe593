// Command hearth is the HeatHub controller and its tools: the controller
// against a simulated plant (sim), the HIL bench (hil), the tuner (tune), the
// module drill (modules) and, on the Pi, the daemon (run).
//
// Each subcommand lives in its own file and registers itself in init, so the
// dispatcher below never changes when a command is added.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand: it parses its own flags from args, writes its
// report to stdout and its diagnostics to stderr, and returns the exit code.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string, stdout, stderr io.Writer) int) {
	if _, dup := commands[name]; dup {
		panic("hearth: command registered twice: " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if isHelp(args[0]) {
		if len(args) > 1 { // hearth help COMMAND [SUBCOMMAND]
			if c, ok := commands[args[1]]; ok {
				return c.run(append(args[2:], "--help"), stdout, stderr)
			}
			fmt.Fprintf(stderr, "hearth help: unknown command %q\n", args[1])
			usage(stderr)
			return 2
		}
		usage(stdout)
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		return runVersion(args[1:], stdout, stderr)
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "hearth: unknown command %q%s\n", args[0], didYouMean(args[0], commandNames()))
		usage(stderr)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: hearth COMMAND [SUBCOMMAND] [flags] [ARGS]\n\ncommands:")
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'hearth COMMAND --help' (or 'hearth help COMMAND') for a command's arguments and flags.")
}
