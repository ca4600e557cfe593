package daemon

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Issue is one thing wrong with a configuration file: the key it is about
// and the file's line (0 where none is known).
type Issue struct {
	File string
	Line int
	Key  string
	Err  error
}

func (i *Issue) Error() string {
	where := i.File
	if i.Line > 0 {
		where += ":" + strconv.Itoa(i.Line)
	}
	return where + ": " + i.Err.Error()
}

func (i *Issue) Unwrap() error { return i.Err }

// maxDecodeIssues bounds how many values of one file DecodeStrict reports
// it could not decode.
const maxDecodeIssues = 50

// DecodeStrict decodes TOML text over v (a pointer to a struct holding its
// defaults) and returns every issue: a syntax error (then nothing else can
// be read), each value that does not decode (a bad duration, a string for a
// number), and each unknown key, in the order of the file. A value that
// does not decode leaves its default. file names the text in the issues.
func DecodeStrict(file string, data []byte, v any) []error {
	lines := KeyLines(data)
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return []error{&Issue{File: file, Line: pe.Position.Line, Key: pe.LastKey, Err: errors.New(pe.Message)}}
		}
		return []error{&Issue{File: file, Err: err}}
	}
	rv := reflect.ValueOf(v).Elem()
	saved := reflect.New(rv.Type()).Elem()
	saved.Set(rv)
	var issues []*Issue
	text := data
	for {
		rv.Set(saved)
		md, err := toml.Decode(string(text), v)
		if err == nil {
			issues = append(issues, unknownKeys(file, md.Undecoded(), lines)...)
			break
		}
		key, msg := decodeErrKey(err)
		issues = append(issues, &Issue{File: file, Line: lines.Of(key), Key: key, Err: errors.New(key + ": " + msg)})
		if key == "" || !deleteKey(raw, strings.Split(key, ".")) || len(issues) >= maxDecodeIssues {
			break // nothing more can be read
		}
		var b bytes.Buffer
		if err := toml.NewEncoder(&b).Encode(raw); err != nil {
			break
		}
		text = b.Bytes()
	}
	sort.SliceStable(issues, func(i, j int) bool { return issues[i].Line < issues[j].Line })
	out := make([]error, len(issues))
	for i := range issues {
		out[i] = issues[i]
	}
	return out
}

var lastKeyRE = regexp.MustCompile(`\(last key "([^"]*)"\): (.*)$`)

// decodeErrKey returns the key a decoding error is about and its message.
func decodeErrKey(err error) (key, msg string) {
	var pe toml.ParseError
	if errors.As(err, &pe) && pe.LastKey != "" {
		return pe.LastKey, pe.Message
	}
	if m := lastKeyRE.FindStringSubmatch(err.Error()); m != nil {
		return m[1], m[2]
	}
	return "", err.Error()
}

// deleteKey removes the value at path from raw (from every table of an
// array of tables on the way) and reports whether there was one.
func deleteKey(raw map[string]any, path []string) bool {
	v, ok := raw[path[0]]
	if !ok {
		return false
	}
	if len(path) == 1 {
		delete(raw, path[0])
		return true
	}
	switch t := v.(type) {
	case map[string]any:
		return deleteKey(t, path[1:])
	case []map[string]any:
		found := false
		for _, m := range t {
			found = deleteKey(m, path[1:]) || found
		}
		return found
	}
	return false
}

func unknownKeys(file string, und []toml.Key, lines Lines) []*Issue {
	var out []*Issue
	for i, k := range und {
		s := k.String()
		if i+1 < len(und) && strings.HasPrefix(und[i+1].String(), s+".") {
			continue // a table: its keys are named
		}
		out = append(out, &Issue{File: file, Line: lines.Of(s), Key: s, Err: fmt.Errorf("unknown key %s", s)})
	}
	return out
}

// Lines maps each key of a TOML file ("control.oil_ceiling_c", and each
// table's header) to the line it is on, keys lower-cased.
type Lines map[string]int

// Of returns the line of key, or 0.
func (l Lines) Of(key string) int { return l[strings.ToLower(key)] }

// KeyLines finds the line of every key of a TOML file: a table header
// ([a.b], [[a.b]]) sets the table the keys under it belong to. It reads
// the keys as a person writes them (bare or quoted, dotted); a key it does
// not find has no line.
func KeyLines(data []byte) Lines {
	l := Lines{}
	table := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		s := strings.TrimSpace(sc.Text())
		switch {
		case s == "" || s[0] == '#':
			continue
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				continue
			}
			table = normKey(strings.Trim(s[:end], "[ "))
			if _, ok := l[table]; !ok {
				l[table] = n
			}
			continue
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			continue
		}
		key := normKey(s[:eq])
		if table != "" {
			key = table + "." + key
		}
		if _, ok := l[key]; !ok {
			l[key] = n
		}
	}
	return l
}

// normKey writes a TOML key as toml.Key.String does for plain keys: parts
// unquoted, joined by dots, lower-cased.
func normKey(s string) string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		parts[i] = strings.ToLower(strings.Trim(strings.TrimSpace(p), `"'`))
	}
	return strings.Join(parts, ".")
}

// CheckText decodes data over v strictly (DecodeStrict) and, unless the
// text could not be parsed at all, runs validate on what it decoded: it
// returns every issue of both, in the order of the file's lines (those
// with no line last).
func CheckText(file string, data []byte, v any, validate func() error) []error {
	issues := DecodeStrict(file, data, v)
	if len(issues) == 1 && issues[0].(*Issue).Key == "" {
		return issues // a syntax error: nothing was read
	}
	issues = append(issues, Locate(file, KeyLines(data), validate())...)
	line := func(e error) int {
		if n := e.(*Issue).Line; n > 0 {
			return n
		}
		return 1 << 30
	}
	sort.SliceStable(issues, func(i, j int) bool { return line(issues[i]) < line(issues[j]) })
	return issues
}

// Locate splits err (errors.Join of the checks) into one Issue per error,
// each with the line of the first key of the file it names.
func Locate(file string, lines Lines, err error) []error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		key := lines.firstKeyIn(e.Error())
		out = append(out, &Issue{File: file, Line: lines.Of(key), Key: key, Err: e})
	}
	if err != nil {
		walk(err)
	}
	return out
}

// firstKeyIn returns the key of the file named first in msg, or "".
func (l Lines) firstKeyIn(msg string) string {
	low := strings.ToLower(msg)
	best, at := "", len(low)+1
	for k := range l {
		for i := 0; i < len(low); {
			j := strings.Index(low[i:], k)
			if j < 0 {
				break
			}
			j += i
			end := j + len(k)
			whole := (j == 0 || !keyChar(low[j-1])) && (end == len(low) || !keyChar(low[end]) || low[end] == '.' && end+1 == len(low))
			if whole && (j < at || j == at && len(k) > len(best)) {
				best, at = k, j
				break
			}
			i = j + 1
		}
	}
	return best
}

func keyChar(c byte) bool {
	return c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}
