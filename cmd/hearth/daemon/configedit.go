package daemon

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

// configEditor is the configuration file as the console edits it: set
// stages a change into the file's text, checked by the same Parse the
// daemon starts with; commit writes the text atomically and durably. The
// configuration in force is not changed: the file is read at the next
// start, which runs the self-test again.
type configEditor struct {
	mu      sync.Mutex
	path    string
	inForce *Config
	text    []byte  // the file with the staged changes; nil before the first set
	staged  *Config // the configuration the staged text gives
	pending []string
	done    []string // committed, effective at the next start
	keys    []string
}

func newConfigEditor(path string, cfg *Config) *configEditor {
	e := &configEditor{path: path, inForce: cfg}
	for _, k := range Keys() {
		if k.Unit == "array of tables" || strings.HasPrefix(k.Key, "modules.module.") || strings.HasPrefix(k.Key, "sim.fault.") {
			continue
		}
		e.keys = append(e.keys, k.Key)
	}
	sort.Strings(e.keys)
	return e
}

func (e *configEditor) Keys() []string { return e.keys }

// Show returns the configuration in force as TOML, only the keys under
// prefix (and their tables' headers).
func (e *configEditor) Show(prefix string) string {
	text := hideHash(cutComments(string(e.inForce.TOML())))
	if prefix == "" {
		return text
	}
	prefix = strings.ToLower(prefix)
	var b strings.Builder
	table, header := "", ""
	for _, line := range strings.Split(text, "\n") {
		s := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(s, "["):
			table, header = strings.Trim(s, "[] "), line
			continue
		case s == "" || s[0] == '#':
			continue
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			continue
		}
		key := strings.TrimSpace(s[:eq])
		if table != "" {
			key = table + "." + key
		}
		if strings.HasPrefix(key, prefix) {
			if header != "" {
				b.WriteString(header + "\n")
				header = ""
			}
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// valueOf returns key's value as c's TOML writes it.
func valueOf(c *Config, key string) string {
	i := strings.LastIndexByte(key, '.')
	table, name := key[:max(i, 0)], key[i+1:]
	cur := ""
	for _, line := range strings.Split(string(c.TOML()), "\n") {
		s := strings.TrimSpace(line)
		if strings.HasPrefix(s, "[") {
			cur = strings.Trim(s, "[] ")
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		if ok && cur == table && strings.TrimSpace(k) == name {
			v, _, _ = strings.Cut(v, " #")
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// literal returns value as a TOML value: as typed when it is one (a
// number, a bool, a quoted string), else quoted as a string (a duration,
// a word).
func literal(value string) string {
	var probe map[string]any
	if _, err := toml.Decode("v = "+value, &probe); err == nil {
		return value
	}
	return tomlString(value)
}

func (e *configEditor) Set(key, value string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.path == "" {
		return "", errors.New("the daemon runs without a configuration file (hearth run --config): nothing to write")
	}
	if e.text == nil {
		data, err := os.ReadFile(e.path)
		if err != nil {
			return "", err
		}
		e.text = data
	}
	if strings.ContainsAny(value, "\r\n") {
		return "", errors.New("a value is one line")
	}
	base := e.inForce
	if e.staged != nil {
		base = e.staged
	}
	old := valueOf(base, key)
	text := setKey(e.text, key, literal(value))
	cfg, issues := Parse(e.path, text)
	if len(issues) > 0 {
		msgs := make([]string, len(issues))
		for i, is := range issues {
			msgs[i] = is.Error()
			if x, ok := is.(*Issue); ok {
				msgs[i] = x.Err.Error() // the line is of a file not yet written: the key says where
			}
		}
		return "", errors.New(strings.Join(msgs, "; "))
	}
	e.text, e.staged = text, &cfg
	e.pending = append(e.pending, key+" = "+literal(value))
	return old, nil
}

// setKey returns text with key set to lit: its line replaced where the file
// has it, else added under its table's header, else in a new table at the
// end.
func setKey(text []byte, key, lit string) []byte {
	i := strings.LastIndexByte(key, '.')
	table, name := key[:max(i, 0)], key[i+1:]
	lines := strings.Split(string(text), "\n")
	kl := KeyLines(text)
	if n := kl.Of(key); n > 0 && kl.Of(table) != n {
		old := lines[n-1]
		indent := old[:len(old)-len(strings.TrimLeft(old, " \t"))]
		lhs, _, _ := strings.Cut(old, "=")
		lines[n-1] = indent + strings.TrimSpace(lhs) + " = " + lit
		return []byte(strings.Join(lines, "\n"))
	}
	if n := kl.Of(table); n > 0 && strings.HasPrefix(strings.TrimSpace(lines[n-1]), "[") {
		lines = append(lines[:n], append([]string{name + " = " + lit}, lines[n:]...)...)
		return []byte(strings.Join(lines, "\n"))
	}
	s := strings.TrimRight(string(text), "\n")
	return []byte(s + "\n\n[" + table + "]\n" + name + " = " + lit + "\n")
}

func (e *configEditor) Pending() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.pending...)
}

// Commit writes the staged text beside the file, fsyncs it, renames it
// over the file and fsyncs the directory: after a power cut the file is
// the old one or the new one, whole.
func (e *configEditor) Commit() (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.pending) == 0 {
		return "", errors.New("nothing staged")
	}
	if err := writeDurable(e.path, e.text); err != nil {
		return "", err
	}
	e.done = append(e.done, e.pending...)
	e.pending = nil
	return e.path, nil
}

// Committed lists the changes committed since the start, effective at the
// next.
func (e *configEditor) Committed() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.done...)
}

// hideHash shows that a passphrase hash is set, not the hash: the console
// shows the configuration before a login, and a hash invites a guess
// offline. The broker's password is hidden the same way.
func hideHash(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if !ok || strings.HasPrefix(strings.TrimSpace(v), `""`) {
			continue
		}
		switch strings.TrimSpace(k) {
		case "passphrase_hash":
			lines[i] = k + `= "(a bcrypt hash: hidden)"`
		case "mqtt_password":
			lines[i] = k + `= "(a password: hidden)"`
		}
	}
	return strings.Join(lines, "\n")
}

func writeDurable(path string, data []byte) error {
	mode := os.FileMode(0o640)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // gone after the rename; left by a failure
	_, err = f.Write(append(bytes.TrimRight(data, "\n"), '\n'))
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// cutComments shortens the comments that would take a line past 80
// columns: the value stays whole, the comment ends in "...".
func cutComments(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if c := strings.Index(l, " #"); len(l) > 80 && c >= 0 && c < 70 {
			lines[i] = l[:77] + "..."
		}
	}
	return strings.Join(lines, "\n")
}
