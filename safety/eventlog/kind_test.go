package eventlog

import "testing"

func TestKindNamesRoundTrip(t *testing.T) {
	for k := KindStart; k < numKinds; k++ {
		got, err := ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v; want %v", k.String(), got, err, k)
		}
	}
	for _, s := range []string{"", "Trip", "kind(3)", "unknown"} {
		if _, err := ParseKind(s); err == nil {
			t.Errorf("ParseKind(%q) accepted", s)
		}
	}
	if Kind(0).Valid() || numKinds.Valid() || Kind(200).String() != "kind(200)" {
		t.Error("a value that is not a kind passes for one")
	}
}

func TestSafetyKinds(t *testing.T) {
	want := map[Kind]bool{KindStop: true, KindTrip: true, KindReset: true, KindFault: true,
		KindOverride: true, KindConfig: true, KindWatchdog: true}
	for k := KindStart; k < numKinds; k++ {
		if k.Safety() != want[k] {
			t.Errorf("%v.Safety() = %v", k, k.Safety())
		}
	}
}
