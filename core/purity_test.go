package core_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The core packages are pure: they may import only computation. I/O, the
// wall clock, goroutine plumbing and hardware live at the edges.
var corePkgs = []string{"hearth/core", "hearth/control", "hearth/safety", "hearth/pid", "hearth/units", "hearth/hal"}

// allowedDirect is everything a core package may import itself.
var allowedDirect = map[string]bool{
	"math": true, "math/bits": true, "errors": true, "strconv": true, "sort": true, "slices": true,
	"strings": true, "hash/crc32": true,
	// looplab/fsm drives safety's state machine off the hot path; it needs a context.
	"github.com/looplab/fsm": true, "context": true,
}

// forbiddenDeep may not appear anywhere below a core package.
var forbiddenDeep = []string{"net", "os/exec", "os/signal", "io/ioutil", "periph.io/x/host", "periph.io/x/devices",
	"github.com/rs/zerolog", "hearth/hil", "hearth/hal/sim", "hearth/cmd"}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, out)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

func TestCoreImportsNoIOAndNoClock(t *testing.T) {
	for _, line := range goList(t, append([]string{"-f", "{{.ImportPath}} {{join .Imports \" \"}}"}, corePkgs...)...) {
		f := strings.Fields(line)
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, "hearth/") && !strings.HasPrefix(imp, "hearth/hal/") && !strings.HasPrefix(imp, "hearth/cmd") && imp != "hearth/hil" {
				continue
			}
			if !allowedDirect[imp] {
				t.Errorf("%s imports %s: core packages may import only %v and hearth's core", f[0], imp, keys(allowedDirect))
			}
		}
	}
	for _, pkg := range corePkgs {
		for _, dep := range goList(t, "-deps", pkg) {
			for _, bad := range forbiddenDeep {
				if dep == bad || strings.HasPrefix(dep, bad+"/") {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}

func keys(m map[string]bool) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	return s
}
