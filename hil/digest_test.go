package hil

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var updateDigests = flag.Bool("update-digests", false, "rewrite testdata/builtin-digests.txt from this run")

const digestFile = "testdata/builtin-digests.txt"

// digest is the SHA-256 of a built-in's JSON report, wall time left out:
// the same seed must give the same bytes.
func digest(r *ScenarioResult) string {
	c := *r
	c.WallSeconds = 0
	b, err := json.Marshal(&c)
	if err != nil {
		panic(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// checkDigests compares every built-in's report with the one recorded
// before the edge loop took the read/step/persist/write sequence out of
// hil.Sim.Step (issue 12). A change of behaviour must be a deliberate one:
// rerun with -update-digests and explain each difference in the commit.
func checkDigests(t *testing.T, results []*ScenarioResult) {
	t.Helper()
	got := make([]string, 0, len(results))
	for _, r := range results {
		if r != nil {
			got = append(got, r.Name+" "+digest(r))
		}
	}
	if *updateDigests {
		if err := os.WriteFile(digestFile, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := readDigests()
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Errorf("%d built-in reports, %d recorded in %s", len(got), len(want), digestFile)
	}
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			t.Errorf("built-in %d: report changed: got %q, recorded %q", i, got[i], want[i])
		}
	}
}

func readDigests() ([]string, error) {
	f, err := os.Open(digestFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", digestFile, err)
	}
	return out, nil
}
