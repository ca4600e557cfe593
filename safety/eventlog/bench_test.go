package eventlog

import (
	"testing"
)

// An info record of a typical size: written, not fsynced. Rotations (one per
// MiB) are part of the cost.
func BenchmarkAppendInfo(b *testing.B) {
	benchAppend(b, KindInfo)
}

// A trip: written and fsynced, the cost the log's goroutine pays on the
// card for each safety record.
func BenchmarkAppendTrip(b *testing.B) {
	benchAppend(b, KindTrip)
}

func benchAppend(b *testing.B, k Kind) {
	l := open(b, b.TempDir(), Options{})
	defer l.Close()
	e := Event{Wall: base, Kind: k, Cause: "oil_in_high", Msg: "oil into the modules 58.5 C, trip at 58.0 C; witness probe"}
	e.Seq = 1
	b.SetBytes(int64(len(appendFrame(nil, &e))))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Append(e); err != nil {
			b.Fatal(err)
		}
	}
}
