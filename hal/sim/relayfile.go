package sim

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"hearth/hal"
)

// FileSwitch is a hal.Switch whose state is a file holding "1\n"
// (energised) or "0\n", as a sysfs GPIO value file does. The daemon in
// --sim mode drives each module's relay into the simulated plant and into
// such a file, so that a test outside the process, playing the hardware,
// sees what the relays do when the daemon dies: the file keeps its last
// value, as a Raspberry Pi kernel keeps a dead process's GPIO outputs, until
// the test plays the watchdog's reset and writes "0\n" itself.
//
// It is the one thing in this package that does I/O; the bench never uses
// it.
type FileSwitch struct{ path string }

// NewFileSwitch makes the file at path (its directory must exist) and
// writes "0\n": a relay starts de-energised.
func NewFileSwitch(path string) (*FileSwitch, error) {
	if err := WriteSwitchFile(path, false); err != nil {
		return nil, err
	}
	return &FileSwitch{path: path}, nil
}

// Set implements hal.Switch.
func (s *FileSwitch) Set(on bool) error { return WriteSwitchFile(s.path, on) }

// Path is the switch's file.
func (s *FileSwitch) Path() string { return s.path }

// WriteSwitchFile writes a switch file in place: one write of two bytes at
// offset 0, then the file is cut to those two bytes. The newline never
// changes and a one-byte change is atomic, so once the file has been
// written a reader sees the old value or the new one, never an empty or
// torn file (O_TRUNC would empty it for a moment, and a new file renamed
// over it would leave a reader holding it open on the old one). Nothing is
// fsynced: the file stands for a GPIO line, which a power cut does not keep
// either.
func WriteSwitchFile(path string, on bool) error {
	b := []byte("0\n")
	if on {
		b[0] = '1'
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("sim: switch file: %w", err)
	}
	_, err = f.WriteAt(b, 0)
	if err == nil {
		err = f.Truncate(int64(len(b)))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sim: switch file %s: %w", path, err)
	}
	return nil
}

// ReadSwitchFile reads a switch file: "1" is energised and "0" not, with an
// optional newline. Anything else is an error, never a guess.
func ReadSwitchFile(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("sim: switch file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 8))
	if err != nil {
		return false, fmt.Errorf("sim: switch file %s: %w", path, err)
	}
	switch string(bytes.TrimSuffix(b, []byte("\n"))) {
	case "1":
		return true, nil
	case "0":
		return false, nil
	}
	return false, fmt.Errorf("sim: switch file %s holds %q, not 0 or 1", path, b)
}

// TeeSwitch sets two switches: the plant's relay and its file, say. It sets
// both even when the first fails, and returns the first error.
type TeeSwitch struct{ A, B hal.Switch }

// Set implements hal.Switch.
func (t TeeSwitch) Set(on bool) error {
	errA := t.A.Set(on)
	errB := t.B.Set(on)
	if errA != nil {
		return errA
	}
	return errB
}
