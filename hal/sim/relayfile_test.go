package sim

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFileSwitchWritesGPIOValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "relay0")
	s, err := NewFileSwitch(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "0\n" {
		t.Fatalf("a new switch file holds %q, want de-energised 0", got)
	}
	for _, on := range []bool{true, true, false, true} {
		if err := s.Set(on); err != nil {
			t.Fatal(err)
		}
		got, err := ReadSwitchFile(path)
		if err != nil || got != on {
			t.Fatalf("after Set(%v): read %v, %v", on, got, err)
		}
	}
	if got := readFile(t, path); got != "1\n" {
		t.Errorf("file holds %q, want 1", got)
	}
}

// In place: a reader holding the file open sees every change, and a file
// left longer by someone else is cut to the value.
func TestFileSwitchWritesInPlace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "relay")
	if err := os.WriteFile(path, []byte("1\nleft over\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := NewFileSwitch(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	buf := make([]byte, 8)
	for _, on := range []bool{false, true, false} {
		s.Set(on)
		n, _ := r.ReadAt(buf, 0)
		want := map[bool]string{true: "1\n", false: "0\n"}[on]
		if string(buf[:n]) != want {
			t.Errorf("the open reader sees %q, want %q", buf[:n], want)
		}
	}
}

func TestReadSwitchFileRefusesAnythingElse(t *testing.T) {
	dir := t.TempDir()
	for content, want := range map[string]bool{"1": true, "0": false, "1\n": true} {
		path := filepath.Join(dir, "ok")
		os.WriteFile(path, []byte(content), 0o644)
		if got, err := ReadSwitchFile(path); err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", content, got, err, want)
		}
	}
	for _, content := range []string{"", "\n", "2\n", "on\n", "1\n\n", " 1\n", "0\n0\n"} {
		path := filepath.Join(dir, "bad")
		os.WriteFile(path, []byte(content), 0o644)
		if got, err := ReadSwitchFile(path); err == nil {
			t.Errorf("%q read as %v, want an error", content, got)
		}
	}
	if _, err := ReadSwitchFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v, want ErrNotExist", err)
	}
}

func TestFileSwitchInAMissingDirectoryFails(t *testing.T) {
	if _, err := NewFileSwitch(filepath.Join(t.TempDir(), "no", "relay")); err == nil {
		t.Error("made a switch file in a missing directory")
	}
}

// A reader racing a writer that toggles the switch sees only 0 or 1.
func TestFileSwitchIsNeverTornForAReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "relay")
	s, err := NewFileSwitch(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 2000 {
			s.Set(i%2 == 0)
		}
	}()
	for range 2000 {
		if _, err := ReadSwitchFile(path); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}

type fakeSwitch struct {
	on  bool
	set int
	err error
}

func (f *fakeSwitch) Set(on bool) error { f.on, f.set = on, f.set+1; return f.err }

func TestTeeSwitchSetsBothAndReturnsTheFirstError(t *testing.T) {
	errA, errB := errors.New("a"), errors.New("b")
	for _, c := range []struct{ a, b, want error }{
		{nil, nil, nil}, {errA, nil, errA}, {nil, errB, errB}, {errA, errB, errA},
	} {
		a, b := &fakeSwitch{err: c.a}, &fakeSwitch{err: c.b}
		err := TeeSwitch{A: a, B: b}.Set(true)
		if err != c.want || !a.on || !b.on || a.set != 1 || b.set != 1 {
			t.Errorf("errors %v, %v: got %v, a %+v, b %+v; want %v and both set once", c.a, c.b, err, a, b, c.want)
		}
	}
}

// The daemon's use: a plant relay and its file, set together.
func TestTeeSwitchDrivesThePlantAndTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "relay")
	f, err := NewFileSwitch(path)
	if err != nil {
		t.Fatal(err)
	}
	var plant Switch
	tee := TeeSwitch{A: &plant, B: f}
	if err := tee.Set(true); err != nil {
		t.Fatal(err)
	}
	if on, _ := ReadSwitchFile(path); !on || !plant.On {
		t.Errorf("plant %v, file %v: want both energised", plant.On, on)
	}
}
