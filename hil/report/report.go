package report

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"hearth/hil"
)

// Options are what a report writes beside the index and the SVGs.
type Options struct {
	// PNG writes dir/<name>.png beside each SVG: the same figure as an
	// image, for a ticket or a chat.
	PNG bool
}

// Write writes dir/index.html and dir/<name>.svg for each result (names
// sanitised for files), creating dir. title heads the index page. Failing
// scenarios come first in the index; within each verdict the order is the
// caller's. Figures render in parallel, one per core.
func Write(dir, title string, results []*hil.ScenarioResult) error {
	return WriteOpts(dir, title, results, Options{})
}

// WriteOpts is Write with its options.
func WriteOpts(dir, title string, results []*hil.ScenarioResult, o Options) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	rs := make([]*hil.ScenarioResult, 0, len(results))
	for _, r := range results {
		if r != nil {
			rs = append(rs, r)
		}
	}
	sort.SliceStable(rs, func(i, j int) bool { return !rs[i].Pass && rs[j].Pass })
	files := fileNames(rs)

	errs := make([]error, len(rs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(rs), 1)) {
		wg.Go(func() {
			for i := range jobs {
				path := filepath.Join(dir, files[i])
				errs[i] = writeSVG(path, rs[i])
				if o.PNG && errs[i] == nil {
					errs[i] = writePNG(strings.TrimSuffix(path, ".svg")+".png", rs[i])
				}
			}
		})
	}
	for i := range rs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	// The index is written even when a figure failed: it holds the verdicts.
	var buf bytes.Buffer
	if err := indexTmpl.Execute(&buf, indexData(title, rs, files)); err != nil {
		errs = append(errs, fmt.Errorf("report: index: %w", err))
	} else {
		errs = append(errs, writeFile(filepath.Join(dir, "index.html"), buf.Bytes()))
	}
	return errors.Join(errs...)
}

func writeSVG(path string, r *hil.ScenarioResult) error {
	b, err := SVG(r)
	if err != nil {
		return err
	}
	return writeFile(path, b)
}

func writePNG(path string, r *hil.ScenarioResult) error {
	b, err := PNG(r)
	if err != nil {
		return err
	}
	return writeFile(path, b)
}

// writeFile writes through a temporary file and a rename, so a reader (a
// browser left open on the report, a CI upload) never sees half a file.
func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// maxFileStem keeps file names well inside every file system's limit.
const maxFileStem = 80

// fileName makes a scenario name safe as a file name on any file system:
// ASCII letters, digits, '-', '_' and '.', lower case (two names differing
// only in case would collide on macOS and Windows), no leading dot.
func fileName(name string) string {
	var b strings.Builder
	under := false
	for _, c := range strings.ToLower(name) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.'
		if !ok {
			if !under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = true
			continue
		}
		b.WriteRune(c)
		under = false
	}
	s := strings.Trim(b.String(), "._-")
	if len(s) > maxFileStem {
		s = strings.TrimRight(s[:maxFileStem], "._-")
	}
	if s == "" || s == "index" {
		s = "scenario"
	}
	return s
}

// fileNames gives each result its own SVG file name, numbering repeats.
func fileNames(rs []*hil.ScenarioResult) []string {
	used := map[string]bool{}
	out := make([]string, len(rs))
	for i, r := range rs {
		stem := fileName(r.Name)
		f := stem + ".svg"
		for n := 2; used[f]; n++ {
			f = fmt.Sprintf("%s-%d.svg", stem, n)
		}
		used[f] = true
		out[i] = f
	}
	return out
}
