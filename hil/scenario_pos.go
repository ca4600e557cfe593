package hil

import (
	"strconv"
	"strings"
)

// keyPos is one key written in a TOML text: its path with array indices
// ("events[2].arg", "expect.trip[0].cause"), the same without them (the
// decoder's key), and the line it is on.
type keyPos struct {
	path, bare string
	line       int
}

// keyLines finds every key of a TOML text the decoder accepted, in order,
// with its line: the decoder's MetaData has the keys but not where they
// are, nor the index of an array's element.
type keyLines struct {
	s     string
	i     int
	line  int
	keys  []keyPos
	at    map[string]int // path -> line
	count map[string]int // array-of-tables path -> elements seen
	table keyPos         // the current [table]
}

func scanKeyLines(src string) *keyLines {
	k := &keyLines{s: src, line: 1, at: map[string]int{}, count: map[string]int{}}
	for k.i < len(k.s) {
		start := k.i
		k.space(true)
		switch {
		case k.i >= len(k.s):
		case k.s[k.i] == '[':
			k.header()
		default:
			k.keyValue(k.table)
		}
		if k.i == start {
			k.i++ // not TOML the decoder took: move on rather than loop
		}
	}
	return k
}

// lineOf is the line of path, or of its nearest enclosing key; 0 if none.
func (k *keyLines) lineOf(path string) int {
	for path != "" {
		if l, ok := k.at[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

func (k *keyLines) add(path, bare string) {
	k.keys = append(k.keys, keyPos{path, bare, k.line})
	if _, ok := k.at[path]; !ok {
		k.at[path] = k.line
	}
}

func join(a keyPos, path, bare string) keyPos {
	if a.path == "" {
		return keyPos{path: path, bare: bare}
	}
	return keyPos{path: a.path + "." + path, bare: a.bare + "." + bare}
}

// header reads [a.b] or [[a.b]].
func (k *keyLines) header() {
	arr := strings.HasPrefix(k.s[k.i:], "[[")
	k.i++
	if arr {
		k.i++
	}
	parts := k.key()
	t := keyPos{}
	for j, p := range parts {
		t = join(t, p, p)
		if n, ok := k.count[t.bare]; ok && !(arr && j == len(parts)-1) {
			t.path += "[" + strconv.Itoa(n-1) + "]" // inside the array's last element
		}
	}
	if arr {
		n := k.count[t.bare]
		k.count[t.bare] = n + 1
		t.path += "[" + strconv.Itoa(n) + "]"
	}
	k.add(t.path, t.bare)
	k.table = t
	for k.i < len(k.s) && k.s[k.i] != '\n' {
		k.i++
	}
}

// keyValue reads key = value within table t.
func (k *keyLines) keyValue(t keyPos) {
	parts := k.key()
	if len(parts) == 0 {
		return
	}
	p := t
	for _, part := range parts {
		p = join(p, part, part)
	}
	k.add(p.path, p.bare)
	k.space(false)
	if k.i < len(k.s) && k.s[k.i] == '=' {
		k.i++
	}
	k.value(p)
}

// value reads one value; arrays and inline tables record their keys.
func (k *keyLines) value(p keyPos) {
	k.space(false)
	if k.i >= len(k.s) {
		return
	}
	switch c := k.s[k.i]; c {
	case '"', '\'':
		k.str()
	case '[':
		k.i++
		for n := 0; ; n++ {
			k.space(true)
			if k.i >= len(k.s) || k.s[k.i] == ']' {
				k.i++
				return
			}
			e := keyPos{path: p.path + "[" + strconv.Itoa(n) + "]", bare: p.bare}
			if k.s[k.i] == '{' {
				k.add(e.path, e.bare)
			}
			start := k.i
			k.value(e)
			k.space(true)
			if k.i < len(k.s) && k.s[k.i] == ',' {
				k.i++
			} else if k.i == start {
				k.i++
			}
		}
	case '{':
		k.i++
		for {
			k.space(true)
			if k.i >= len(k.s) || k.s[k.i] == '}' {
				k.i++
				return
			}
			start := k.i
			k.keyValue(p)
			k.space(true)
			if k.i < len(k.s) && k.s[k.i] == ',' {
				k.i++
			} else if k.i == start {
				k.i++
			}
		}
	default:
		for k.i < len(k.s) && !strings.ContainsRune(",]}\n#", rune(k.s[k.i])) {
			k.i++
		}
	}
}

// key reads a dotted key: bare or quoted parts.
func (k *keyLines) key() []string {
	var parts []string
	for {
		k.space(false)
		if k.i >= len(k.s) {
			return parts
		}
		switch c := k.s[k.i]; {
		case c == '"' || c == '\'':
			start := k.i
			k.str()
			raw := k.s[start:k.i]
			if u, err := strconv.Unquote(raw); err == nil && c == '"' {
				raw = u
			} else {
				raw = strings.Trim(raw, "'\"")
			}
			parts = append(parts, raw)
		case isBare(c):
			start := k.i
			for k.i < len(k.s) && isBare(k.s[k.i]) {
				k.i++
			}
			parts = append(parts, k.s[start:k.i])
		default:
			return parts
		}
		k.space(false)
		if k.i >= len(k.s) || k.s[k.i] != '.' {
			return parts
		}
		k.i++
	}
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// str skips a string of any of TOML's four kinds, counting its lines.
func (k *keyLines) str() {
	q := k.s[k.i]
	if strings.HasPrefix(k.s[k.i:], strings.Repeat(string(q), 3)) {
		end := strings.Index(k.s[k.i+3:], strings.Repeat(string(q), 3))
		if end < 0 {
			end = len(k.s) - k.i - 3
		}
		stop := k.i + 3 + end + 3
		for stop < len(k.s) && k.s[stop] == q { // """a"""" ends with a quote
			stop++
		}
		k.line += strings.Count(k.s[k.i:min(stop, len(k.s))], "\n")
		k.i = min(stop, len(k.s))
		return
	}
	for k.i++; k.i < len(k.s) && k.s[k.i] != q && k.s[k.i] != '\n'; k.i++ {
		if q == '"' && k.s[k.i] == '\\' {
			k.i++
		}
	}
	k.i++
}

// space skips blanks and comments, and newlines when nl.
func (k *keyLines) space(nl bool) {
	for k.i < len(k.s) {
		switch c := k.s[k.i]; {
		case c == ' ' || c == '\t' || c == '\r':
			k.i++
		case c == '#':
			for k.i < len(k.s) && k.s[k.i] != '\n' {
				k.i++
			}
		case c == '\n' && nl:
			k.line++
			k.i++
		default:
			return
		}
	}
}
