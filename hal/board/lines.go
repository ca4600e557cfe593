package board

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// keyLines maps each key of a TOML file to the line it is set on: "a.b.c"
// for key c in table [a.b], "module.2.relay" for key relay in the third
// [[module]] (and "module.relay" for its first). It reads only the simple
// forms a board or configuration file uses (tables, arrays of tables,
// "key = value" lines); a key it cannot place has no line.
func keyLines(src []byte) map[string]int {
	lines := map[string]int{}
	arrays := map[string]int{}
	table := ""
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || l[0] == '#':
		case strings.HasPrefix(l, "[["):
			name := strings.TrimSpace(strings.Trim(cutComment(l), "[]"))
			i := arrays[name]
			arrays[name] = i + 1
			table = fmt.Sprintf("%s.%d", name, i)
			setOnce(lines, table, n)
			setOnce(lines, name, n)
		case l[0] == '[':
			table = strings.TrimSpace(strings.Trim(cutComment(l), "[]"))
			setOnce(lines, table, n)
		default:
			k, _, ok := strings.Cut(l, "=")
			if !ok {
				continue
			}
			key := strings.Trim(strings.TrimSpace(k), `"`)
			if table != "" {
				key = table + "." + key
			}
			setOnce(lines, key, n)
			if i := strings.LastIndexByte(table, '.'); i > 0 && isIndex(table[i+1:]) {
				setOnce(lines, table[:i]+"."+strings.Trim(strings.TrimSpace(k), `"`), n)
			}
		}
	}
	return lines
}

func setOnce(m map[string]int, k string, n int) {
	if _, ok := m[k]; !ok {
		m[k] = n
	}
}

func cutComment(l string) string {
	if i := strings.IndexByte(l, '#'); i >= 0 {
		return strings.TrimSpace(l[:i])
	}
	return l
}

func isIndex(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
