package hil

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// Every TOML block in docs/*.md that is a scenario (it has a top-level
// name) loads as one: the docs' examples cannot rot.
func TestDocsScenariosParse(t *testing.T) {
	files, err := filepath.Glob("../docs/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no docs: %v", err)
	}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range tomlBlocks(string(data)) {
			where := filepath.ToSlash(filepath.Join("docs", filepath.Base(f))) + ":" + strconv.Itoa(b.line)
			var top map[string]any
			if _, err := toml.Decode(b.text, &top); err != nil {
				t.Errorf("%s: not TOML: %v", where, err)
				continue
			}
			if _, ok := top["name"]; !ok {
				continue // a configuration's block, not a scenario
			}
			n++
			if _, err := ParseScenario([]byte(b.text), where); err != nil {
				t.Errorf("the docs' scenario is refused:\n%v", err)
			}
		}
	}
	if n < 2 {
		t.Errorf("%d scenario blocks in docs/*.md, want the two of docs/hil.md at least", n)
	}
}

type block struct {
	line int // of the block's first line in its file
	text string
}

// tomlBlocks finds the ```toml fenced blocks of a markdown text.
func tomlBlocks(md string) []block {
	var out []block
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```toml" {
			continue
		}
		start := i + 1
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
		}
		out = append(out, block{start + 1, strings.Join(lines[start:min(i, len(lines))], "\n") + "\n"})
	}
	return out
}
