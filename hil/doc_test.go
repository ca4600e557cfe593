package hil

import (
	"flag"
	"os"
	"strings"
	"testing"

	"hearth/hil/plant"
)

var updateDoc = flag.Bool("update-doc", false, "rewrite the generated sections of docs/hil.md")

// docFaults renders the fault catalogue as docs/hil.md shows it.
func docFaults() string {
	var b strings.Builder
	b.WriteString("| kind | what it does | targets | argument (default) | expected of the controller |\n| --- | --- | --- | --- | --- |\n")
	for _, f := range plant.Catalogue {
		arg := ""
		if f.Arg != "" {
			arg = f.Arg + " (" + strings.TrimSuffix(strings.TrimRight(ftoa(f.DefaultArg), "0"), ".") + ")"
		}
		b.WriteString("| `" + string(f.Kind) + "` | " + f.Description + " | " + strings.Join(f.Targets, ", ") + " | " + arg + " | " + f.SafeState + " |\n")
	}
	return b.String()
}

// docInvariants renders the invariants as docs/hil.md shows them.
func docInvariants() string {
	var b strings.Builder
	b.WriteString("| name | what must hold at every tick |\n| --- | --- |\n")
	for _, i := range Invariants {
		b.WriteString("| `" + i.Name + "` | " + i.Doc + " |\n")
	}
	return b.String()
}

// The doc's fault catalogue and invariants are generated from the code; the
// test fails when they disagree (go test ./hil -run TestHILDoc -update-doc
// rewrites them).
func TestHILDoc(t *testing.T) {
	const path = "../docs/hil.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, sec := range []struct{ name, body string }{{"faults", docFaults()}, {"invariants", docInvariants()}} {
		begin, end := "<!-- BEGIN "+sec.name+" -->\n", "<!-- END "+sec.name+" -->"
		i, j := strings.Index(doc, begin), strings.Index(doc, end)
		if i < 0 || j < i {
			t.Fatalf("docs/hil.md lacks the %s markers", sec.name)
		}
		if got := doc[i+len(begin) : j]; got != sec.body {
			if *updateDoc {
				doc = doc[:i+len(begin)] + sec.body + doc[j:]
				continue
			}
			t.Errorf("docs/hil.md's %s section disagrees with the code; run go test ./hil -run TestHILDoc -update-doc", sec.name)
		}
	}
	if *updateDoc {
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
