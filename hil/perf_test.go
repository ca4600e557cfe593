package hil

import "testing"

// Regenerating docs/performance.md replaces the figures and keeps the
// hand-written reading of them.
func TestPerfDocumentKeepsTheProse(t *testing.T) {
	old := "# Performance\n\nold figures\n" + PerfEnd + "\n## Reading the table\n\nprose\n"
	md := "# Performance\n\nnew figures\n" + PerfEnd
	if got, want := PerfDocument(old, md), md+"\n## Reading the table\n\nprose\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := PerfDocument("a file without the marker", md); got != md {
		t.Errorf("without the marker: got %q, want the figures alone", got)
	}
}
