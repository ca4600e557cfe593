package modules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// The agent's session is its epoch. Leases are bound to it and the agent's
// lease counter starts again from zero at every run, so a run whose session
// repeats an earlier one's would accept a lease recorded in that run. The
// wall clock cannot rule that out (two runs within the same second, a board
// without a real-time clock, a clock set back), so the session is a counter
// kept on the board's disk and moved forward, durably, before it is used.

// MaxSession is the highest session an agent may use: its report counter
// starts at Session<<32 and must stay within 64 bits.
const MaxSession = 1<<32 - 1

// ErrSessionsExhausted says the session file holds MaxSession: no session is
// left that no earlier run used.
var ErrSessionsExhausted = errors.New("modules: the session counter is exhausted")

// sessionSync makes the session file durable: file syncs the new file's
// data before it is renamed over the old one, dir syncs the directory after,
// so the rename itself survives a power cut. Tests replace them.
type sessionSync struct {
	file func(*os.File) error
	dir  func(dir string) error
}

var osSessionSync = sessionSync{file: (*os.File).Sync, dir: syncDir}

// sessionMu serialises NextSessionFile within the process: two agents in one
// process sharing a file still get different sessions.
var sessionMu sync.Mutex

// NextSessionFile returns the session for this run of an agent: one above
// the session saved in path, which it saves first. It writes the new value
// to path+".tmp", syncs it, renames it over path and syncs the directory,
// and only then returns it, so a power cut at any point leaves path holding
// either the previous session or this one, never less.
//
// A missing file is a first run: the session is 1. A file that cannot be
// read or does not hold a decimal number is an error, and so is one holding
// MaxSession (ErrSessionsExhausted): the agent must refuse to start rather
// than risk a session an earlier run used. The clock plays no part. One file
// belongs to one agent; the directory must exist.
func NextSessionFile(path string) (uint64, error) {
	return nextSessionFile(path, osSessionSync)
}

func nextSessionFile(path string, ss sessionSync) (uint64, error) {
	sessionMu.Lock()
	defer sessionMu.Unlock()
	prev, err := readSession(path)
	if err != nil {
		return 0, err
	}
	if prev >= MaxSession {
		return 0, fmt.Errorf("%w: %s holds %d", ErrSessionsExhausted, path, prev)
	}
	s := prev + 1
	if err := writeSession(path, s, ss); err != nil {
		return 0, fmt.Errorf("modules: saving session %d to %s: %w", s, path, err)
	}
	return s, nil
}

// readSession returns the session saved in path, 0 if there is no file.
func readSession(path string) (uint64, error) {
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("modules: session file: %w", err)
	}
	s, err := strconv.ParseUint(strings.TrimSpace(string(raw)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("modules: session file %s holds %q, not a session number: refusing to guess one that may repeat an earlier run's", path, raw)
	}
	return s, nil
}

// writeSession replaces path with s, durably. On failure before the rename
// path is untouched; after it, path may already hold s, which only skips a
// session.
func writeSession(path string, s uint64, ss sessionSync) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(strconv.FormatUint(s, 10) + "\n")
	if err == nil {
		err = ss.file(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return ss.dir(filepath.Dir(path))
}

// syncDir flushes a directory's entries (a rename in it) to the disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
