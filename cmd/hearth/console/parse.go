package console

import (
	"errors"
	"sort"
	"strconv"
	"strings"
)

// Command is one parsed line: the command's name, its arguments, and
// whether it answers in JSON.
type Command struct {
	Name string
	Args []string
	JSON bool
}

// maxArgs bounds the arguments of a line.
const maxArgs = 8

// Parse splits a line into a command. Words are separated by spaces or
// tabs; "--json" anywhere asks for JSON; any other flag is refused. An
// empty line is the empty command.
func Parse(line string) (Command, error) {
	var c Command
	for _, w := range strings.Fields(line) {
		switch {
		case w == "--json":
			c.JSON = true
			continue
		case strings.HasPrefix(w, "--"):
			return Command{}, errors.New("unknown flag " + quote(w) + " (commands take --json only)")
		}
		if c.Name == "" {
			c.Name = strings.ToLower(w)
			continue
		}
		if len(c.Args) == maxArgs {
			return Command{}, errors.New("too many words (at most " + strconv.Itoa(maxArgs) + " after the command)")
		}
		c.Args = append(c.Args, w)
	}
	return c, nil
}

// Suggest returns the names among names nearest to word: those it
// begins, then those within two edits, sorted.
func Suggest(word string, names []string) []string {
	var out []string
	for _, n := range names {
		if word != "" && strings.HasPrefix(n, word) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		for _, n := range names {
			if d := distance(word, n); d <= 2 && d < len(n) {
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// distance is the Levenshtein distance, bounded: words past 32 bytes are
// far from everything.
func distance(a, b string) int {
	if len(a) > 32 || len(b) > 32 {
		return 99
	}
	var prev, cur [33]int
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// quote shows a word the user typed, cut to a terminal's width.
func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return "\"" + s + "\""
}
