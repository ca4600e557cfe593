package board_test

import (
	"os"
	"strings"
	"testing"
)

// TestWiringDocCurrent: docs/wiring.md holds the reference board's wiring
// table as `hearth probe --board docs/examples/board.toml --wiring` prints
// it.
func TestWiringDocCurrent(t *testing.T) {
	src, err := os.ReadFile("../../docs/wiring.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- wiring:begin (generated: hearth probe --board docs/examples/board.toml --wiring) -->\n", "<!-- wiring:end -->"
	s := string(src)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatal("docs/wiring.md lacks the wiring markers")
	}
	if got, want := s[i+len(begin):j], load(t).Wiring(); got != want {
		t.Errorf("docs/wiring.md's table is stale: paste the output of\n  go run ./cmd/hearth probe --board docs/examples/board.toml --wiring\nbetween its markers")
	}
}
