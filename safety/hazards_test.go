package safety

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// hazardsSection returns the "## Hazards and checks" section of docs/safety.md.
func hazardsSection(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i := strings.Index(doc, "\n## Hazards and checks\n")
	if i < 0 {
		t.Fatalf("%s: no section \"## Hazards and checks\"", docPath)
	}
	doc = doc[i+1:]
	if j := strings.Index(doc[1:], "\n## "); j >= 0 {
		doc = doc[:j+1]
	}
	return doc
}

// testFuncs returns the names of every Test and Benchmark function of the
// module, test files of every package included.
func testFuncs(t *testing.T) map[string]bool {
	t.Helper()
	re := regexp.MustCompile(`(?m)^func ((?:Test|Benchmark)\w+)\(`)
	names := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			names[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// scenarioNames returns the names of the built-in HIL scenarios as
// 'hearth hil list' shows them: a file with seasons = [...] is NAME-season.
func scenarioNames(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("../hil/scenarios/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no built-in scenarios found: %v", err)
	}
	nameRe := regexp.MustCompile(`(?m)^name\s*=\s*"([^"]+)"`)
	seasonsRe := regexp.MustCompile(`(?m)^seasons\s*=\s*\[([^\]]*)\]`)
	quoted := regexp.MustCompile(`"([^"]+)"`)
	names := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := nameRe.FindSubmatch(b)
		if n == nil {
			t.Fatalf("%s: no name", f)
		}
		if s := seasonsRe.FindSubmatch(b); s != nil {
			for _, q := range quoted.FindAllSubmatch(s[1], -1) {
				names[string(n[1])+"-"+string(q[1])] = true
			}
			continue
		}
		names[string(n[1])] = true
	}
	return names
}

// Every test and every HIL scenario the hazard table cites exists, and every
// cause the layer can latch or report appears in it.
func TestDocHazards(t *testing.T) {
	doc := hazardsSection(t)
	funcs, scenarios := testFuncs(t), scenarioNames(t)
	testRe := regexp.MustCompile("`((?:Test|Benchmark)\\w+)(?:/[^`]*)?`")
	scenarioRe := regexp.MustCompile("`([a-z0-9]+(?:-[a-z0-9]+)+)`")
	nt, ns := 0, 0
	for _, m := range testRe.FindAllStringSubmatch(doc, -1) {
		nt++
		if !funcs[m[1]] {
			t.Errorf("docs/safety.md cites %s: no such test", m[1])
		}
	}
	for _, m := range scenarioRe.FindAllStringSubmatch(doc, -1) {
		ns++
		if !scenarios[m[1]] {
			t.Errorf("docs/safety.md cites scenario %s: not a built-in", m[1])
		}
	}
	if nt == 0 || ns == 0 {
		t.Errorf("%d tests and %d scenarios cited: the section is not being read", nt, ns)
	}
	for c := Cause(1); c < NumCauses; c++ {
		if !strings.Contains(doc, "`"+c.String()+"`") {
			t.Errorf("cause %s appears nowhere in the hazard table", c)
		}
	}
}
