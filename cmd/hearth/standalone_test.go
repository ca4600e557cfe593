package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The repository stands alone: the README and the docs point at nothing
// outside it (the plant's domain facts are docs/domain.md).
func TestDocsPointInsideTheRepository(t *testing.T) {
	files := []string{"../../README.md"}
	err := filepath.WalkDir("../../docs", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) < 10 {
		t.Fatalf("%d files (%v)", len(files), err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, bad := range []string{"../shared", "DOMAIN.md", "../../"} {
				if strings.Contains(line, bad) {
					t.Errorf("%s:%d points outside the repository (%s): %s", f, i+1, bad, line)
				}
			}
		}
	}
	if _, err := os.Stat("../../docs/domain.md"); err != nil {
		t.Error(err)
	}
}
