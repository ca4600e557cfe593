package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"hearth/cmd/hearth/console"
	"hearth/cmd/hearth/daemon"
)

func init() {
	register("config", "the configuration file: defaults, show FILE, check FILE, doc (docs/config.md), passphrase", configCmd)
}

const configUsage = `usage: hearth config defaults      the reference configuration, as a file
       hearth config show FILE     the configuration FILE gives (FILE over the defaults)
       hearth config check FILE    load and check FILE: every error, with its key and line
       hearth config doc           docs/config.md, every key with its unit, default and bound
       hearth config passphrase    the console's passphrase_hash line, for a passphrase on stdin`

func configCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, configUsage)
		return 2
	}
	for _, a := range args {
		if isHelp(a) && (a != "help" || a == args[0]) {
			fmt.Fprintln(stdout, configUsage)
			return 0
		}
	}
	sub, rest := args[0], args[1:]
	want := 0
	if sub == "show" || sub == "check" {
		want = 1
	}
	if len(rest) != want || (sub != "defaults" && sub != "doc" && sub != "passphrase" && want == 0) {
		fmt.Fprintln(stderr, configUsage)
		return 2
	}
	switch sub {
	case "defaults":
		def := daemon.DefaultConfig()
		fmt.Fprint(stdout, defaultsHeader)
		stdout.Write(def.TOML())
		return 0
	case "doc":
		fmt.Fprint(stdout, daemon.ConfigDoc())
		return 0
	case "passphrase":
		return passphrase(os.Stdin, stdout, stderr)
	}
	path := rest[0]
	cfg, issues := daemon.Check(path)
	for _, e := range issues {
		fmt.Fprintln(stderr, e)
	}
	if len(issues) > 0 {
		plural := "s"
		if len(issues) == 1 {
			plural = ""
		}
		fmt.Fprintf(stderr, "%s: %d error%s\n", path, len(issues), plural)
		return 1
	}
	if sub == "show" {
		fmt.Fprintf(stdout, "# hearth config show %s: the file over the reference configuration\n", path)
		stdout.Write(cfg.TOML())
		return 0
	}
	fmt.Fprintf(stdout, "%s: ok: %s\n", path, checkSummary(path, &cfg))
	return 0
}

const defaultsHeader = `# hearth config defaults: the reference configuration, every key with its
# unit and bound (docs/config.md). watchdog.kind has no default: a file must
# say systemd, device or none, so this file alone does not pass check.
`

// checkSummary is the one line of a file that passed: how many keys it
// sets and what the daemon would run.
func checkSummary(path string, cfg *daemon.Config) string {
	data, err := os.ReadFile(path)
	n := 0
	if err == nil {
		lines := daemon.KeyLines(data)
		for k := range lines {
			if !isTable(k, lines) {
				n++
			}
		}
	}
	c := &cfg.Control.Control
	return fmt.Sprintf("%d keys set over the reference; tick %v, watchdog %s, oil ceiling %g °C, safety's warn %g °C; all %d keys within their bounds",
		n, cfg.Daemon.Tick, cfg.Watchdog.Kind, float64(c.OilCeilingC), float64(cfg.Control.Safety.OilIn.WarnC), len(daemon.Keys()))
}

// isTable reports a table's header among a file's keys.
func isTable(k string, lines daemon.Lines) bool {
	for o := range lines {
		if len(o) > len(k) && o[:len(k)+1] == k+"." {
			return true
		}
	}
	return false
}

// passphrase reads the engineer's passphrase (its first line) from in and
// writes the [console] table's passphrase_hash line: bcrypt, cost 10. Run
// it as `read -rs P && printf '%s\n' "$P" | hearth config passphrase` so
// the passphrase is neither echoed nor kept in the shell's history.
func passphrase(in io.Reader, stdout, stderr io.Writer) int {
	line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		fmt.Fprintln(stderr, "hearth config passphrase:", err)
		return 2
	}
	h, err := console.Hash(strings.TrimRight(line, "\r\n"))
	if err != nil {
		fmt.Fprintln(stderr, "hearth config passphrase:", err)
		return 1
	}
	fmt.Fprintf(stdout, "[console]\npassphrase_hash = %q\n", h)
	return 0
}
