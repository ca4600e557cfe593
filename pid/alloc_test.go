package pid

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hearth/units"
)

// The hot path allocates nothing.
func TestUpdateDoesNotAllocate(t *testing.T) {
	c := mustNew(t, Config{Kp: 2, Ki: 0.1, Kd: 5, SetpointWeight: 0.7, OutMin: -1, OutMax: 3, RateLimit: 0.5})
	m, err := NewStepMeter(0, 0, 1, 0.02)
	if err != nil {
		t.Fatal(err)
	}
	now := units.Time(0)
	y := 0.0
	if n := testing.AllocsPerRun(1000, func() {
		now = now.Add(units.Second)
		y += 0.01
		u := c.Update(1, y, 0.1, now)
		c.Track(u * 0.9)
		m.Add(now, y)
	}); n != 0 {
		t.Errorf("Update+Track+StepMeter.Add: %v allocations per run, want 0", n)
	}
}

func BenchmarkUpdate(b *testing.B) {
	c, err := New(Config{Kp: 2, Ki: 0.1, Kd: 5, SetpointWeight: 0.7, OutMin: -1, OutMax: 3, RateLimit: 0.5})
	if err != nil {
		b.Fatal(err)
	}
	now := units.Time(0)
	y := 0.0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(units.Second)
		y = 0.999*y + 0.001*c.Update(1, y, 0, now)
	}
}

// The package's own files import nothing that could do I/O, read the clock
// or start goroutines behind the caller's back.
func TestImportsAreWithinTheAllowedSet(t *testing.T) {
	allowed := map[string]bool{"math": true, "errors": true, "strconv": true, "sort": true, "hearth/units": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !allowed[path] {
				t.Errorf("%s imports %q", name, path)
			}
		}
		if strings.Contains(string(src), "go func") {
			t.Errorf("%s starts a goroutine", name)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no package files found")
	}
}
