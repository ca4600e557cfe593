package hil

import (
	"reflect"
	"testing"
)

// The did-you-mean's edit distance and its choice of the nearest names.
func TestNearest(t *testing.T) {
	if d := levenshtein("kitten", "sitting"); d != 3 {
		t.Errorf("levenshtein(kitten, sitting) = %d, want 3", d)
	}
	for _, c := range []struct {
		a    string
		want []string
	}{
		{"dump_derat", []string{"dump_derate"}},
		{"runing", []string{"running"}},
		{"xyzzy", nil},
	} {
		if got := Nearest(c.a, []string{"dump_derate", "running", "standby", "oil_leak"}); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Nearest(%q) = %v, want %v", c.a, got, c.want)
		}
	}
}
