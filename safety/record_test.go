package safety

import (
	"encoding/hex"
	"errors"
	"hash/crc32"
	"math"
	"testing"
)

func sameRecord(a, b TripRecord) bool {
	return a.Cause == b.Cause && a.Latched == b.Latched && a.AtNs == b.AtNs && a.WallNs == b.WallNs &&
		math.Float64bits(a.Value) == math.Float64bits(b.Value) && a.Seq == b.Seq
}

var sampleRecords = []TripRecord{
	{},
	{Cause: CauseOilInHigh, Latched: true, AtNs: 12_345_000_000, WallNs: 1_767_225_600_000_000_000, Value: 58.25, Seq: 1},
	{Cause: CauseLeak, Latched: true, AtNs: -1, Value: math.NaN(), Seq: math.MaxUint64},
	{Cause: CausePressureLow, Latched: false, AtNs: math.MaxInt64, WallNs: math.MinInt64, Value: math.Inf(-1), Seq: 7},
	{Cause: NumCauses - 1, Latched: true, Value: math.Copysign(0, -1), Seq: 1 << 40},
}

func mustMarshal(t testing.TB, r TripRecord) []byte {
	t.Helper()
	b, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTripRecordRoundTrip(t *testing.T) {
	for _, r := range sampleRecords {
		b := mustMarshal(t, r)
		if len(b) != TripRecordSize {
			t.Fatalf("%+v: %d bytes, want %d", r, len(b), TripRecordSize)
		}
		var got TripRecord
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		if !sameRecord(got, r) {
			t.Errorf("round trip: got %+v, want %+v", got, r)
		}
		if int64(got.At()) != r.AtNs {
			t.Errorf("At() = %d, want %d", got.At(), r.AtNs)
		}
	}
}

// The format is persisted across software versions: pin it byte for byte.
func TestTripRecordGoldenEncoding(t *testing.T) {
	r := TripRecord{Cause: CauseOilInHigh, Latched: true, AtNs: 0x0102030405060708, WallNs: 0x1112131415161718,
		Value: 58.25, Seq: 0x2122232425262728}
	want := "48545250" + "0100" + "01" + "01" + "2827262524232221" + "0807060504030201" + "1817161514131211" +
		"0000000000204d40"
	b := mustMarshal(t, r)
	if got := hex.EncodeToString(b[:40]); got != want {
		t.Errorf("encoding\n got %s\nwant %s", got, want)
	}
}

func TestTripRecordMarshalRefusesUnknownCause(t *testing.T) {
	if _, err := (TripRecord{Cause: NumCauses}).MarshalBinary(); !errors.Is(err, ErrRecordField) {
		t.Errorf("err %v, want ErrRecordField", err)
	}
}

func TestTripRecordAppendDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, TripRecordSize)
	r := sampleRecords[1]
	if n := testing.AllocsPerRun(100, func() { buf, _ = r.AppendBinary(buf[:0]) }); n != 0 {
		t.Errorf("AppendBinary allocates %v", n)
	}
}

// Every torn write (any prefix) and any trailing garbage is refused.
func TestTripRecordTornWritesRefused(t *testing.T) {
	b := mustMarshal(t, sampleRecords[1])
	for n := 0; n < len(b); n++ {
		if err := new(TripRecord).UnmarshalBinary(b[:n]); !errors.Is(err, ErrRecordSize) {
			t.Errorf("prefix of %d bytes: err %v", n, err)
		}
	}
	if err := new(TripRecord).UnmarshalBinary(append(b, 0)); !errors.Is(err, ErrRecordSize) {
		t.Errorf("one byte extra: err %v", err)
	}
	// A write torn inside a sector often leaves zeros (or erased flash 0xFF).
	for _, fill := range []byte{0x00, 0xFF} {
		for n := 0; n < len(b); n++ {
			c := append([]byte(nil), b...)
			for i := n; i < len(c); i++ {
				c[i] = fill
			}
			if string(c) == string(b) {
				continue
			}
			if err := new(TripRecord).UnmarshalBinary(c); err == nil {
				t.Errorf("record filled with %#x from byte %d accepted", fill, n)
			}
		}
	}
}

// Exhaustive: every single and double bit flip of a record is refused.
func TestTripRecordBitFlipsRefused(t *testing.T) {
	for _, r := range sampleRecords {
		b := mustMarshal(t, r)
		bits := 8 * len(b)
		for i := range bits {
			for j := i; j < bits; j++ {
				c := append([]byte(nil), b...)
				c[i/8] ^= 1 << (i % 8)
				if j != i {
					c[j/8] ^= 1 << (j % 8)
				}
				got := r
				if err := got.UnmarshalBinary(c); err == nil {
					t.Fatalf("bits %d,%d flipped: accepted as %+v", i, j, got)
				}
				if !sameRecord(got, r) {
					t.Fatalf("refused record changed the receiver to %+v", got)
				}
			}
		}
	}
}

// reseal rewrites the CRC so that a test reaches the checks behind it.
func reseal(b []byte) []byte {
	b = append([]byte(nil), b...)
	return putU32(b[:40], crc32.Checksum(b[:40], castagnoli))
}

func TestTripRecordFieldChecksBehindTheCRC(t *testing.T) {
	good := mustMarshal(t, sampleRecords[1])
	for _, c := range []struct {
		name string
		mod  func(b []byte)
		want error
	}{
		{"magic", func(b []byte) { b[0] = 'X' }, ErrRecordMagic},
		{"version 2", func(b []byte) { b[4] = 2 }, ErrRecordVersion},
		{"version 0", func(b []byte) { b[4] = 0 }, ErrRecordVersion},
		{"unknown cause", func(b []byte) { b[6] = byte(NumCauses) }, ErrRecordField},
		{"unknown flag", func(b []byte) { b[7] |= 2 }, ErrRecordField},
	} {
		b := append([]byte(nil), good...)
		c.mod(b)
		b = reseal(b)
		if err := new(TripRecord).UnmarshalBinary(b); !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
}

func addRecordSeeds(f *testing.F) {
	for _, r := range sampleRecords {
		b := mustMarshal(f, r)
		f.Add(b)
		f.Add(b[:TripRecordSize-1])
		f.Add(b[:TripRecordSize/2])
		g := append([]byte(nil), b...)
		g[20] ^= 0x5A
		f.Add(g)
	}
	f.Add([]byte{})
	f.Add(make([]byte, TripRecordSize))
}

// Whatever bytes arrive, a record is accepted only if it is exactly the
// encoding some writer would produce: nothing garbled passes as a record.
func FuzzTripRecordUnmarshal(f *testing.F) {
	addRecordSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var r TripRecord
		if err := r.UnmarshalBinary(data); err != nil {
			return
		}
		b, err := r.MarshalBinary()
		if err != nil || string(b) != string(data) {
			t.Fatalf("accepted %x as %+v, which encodes to %x (err %v)", data, r, b, err)
		}
	})
}

// Up to five flipped bits anywhere in a valid record are always detected
// (CRC-32C has Hamming distance 6 at this length).
func FuzzTripRecordCorruption(f *testing.F) {
	f.Add(uint8(1), int64(5e9), uint64(3), uint16(0), uint16(1), uint16(2), uint16(3), uint16(4), uint8(1))
	f.Add(uint8(7), int64(-1), uint64(1<<63), uint16(351), uint16(0), uint16(200), uint16(17), uint16(42), uint8(5))
	f.Add(uint8(2), int64(0), uint64(0), uint16(320), uint16(321), uint16(322), uint16(323), uint16(324), uint8(5))
	f.Fuzz(func(t *testing.T, cause uint8, at int64, seq uint64, p0, p1, p2, p3, p4 uint16, n uint8) {
		r := TripRecord{Cause: Cause(cause) % NumCauses, Latched: at&1 == 0, AtNs: at, Seq: seq, Value: float64(at) / 7}
		b := mustMarshal(t, r)
		c := append([]byte(nil), b...)
		for _, p := range []uint16{p0, p1, p2, p3, p4}[:n%6] {
			p %= 8 * TripRecordSize
			c[p/8] ^= 1 << (p % 8)
		}
		var got TripRecord
		err := got.UnmarshalBinary(c)
		switch {
		case string(c) == string(b):
			if err != nil || !sameRecord(got, r) {
				t.Fatalf("unchanged record: err %v, got %+v", err, got)
			}
		case err == nil:
			t.Fatalf("corrupt record %x accepted as %+v (original %+v)", c, got, r)
		}
	})
}
