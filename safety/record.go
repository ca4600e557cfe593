package safety

import (
	"errors"
	"hash/crc32"
	"math"

	"hearth/units"
)

// TripRecord is what survives a power cut: the latched trip (or its reset),
// so that a controller that restarts into a plant it tripped does not power
// compute again until an engineer resets it. The edge persists it (package
// safety/tripstore); this file only encodes it.
type TripRecord struct {
	Cause Cause
	// Latched is true for a trip awaiting its reset. A reset is persisted as a
	// record with Latched false, so that the next boot does not latch again.
	Latched bool
	// AtNs is the controller time (units.Time) of the trip. It is on the
	// monotonic clock of the boot that tripped: after a power cycle it is not
	// comparable with the new boot's time.
	AtNs int64
	// WallNs is the wall-clock time of the trip, Unix nanoseconds, stamped by
	// the edge (the core has no wall clock); 0 if unknown. It is for people.
	WallNs int64
	// Value is the measurement that tripped, in its cause's unit (C, bar,
	// L/min), or NaN when the cause has none.
	Value float64
	// Seq numbers records: the store assigns it, the highest valid one wins.
	Seq uint64
}

// At returns AtNs as controller time.
func (r TripRecord) At() units.Time { return units.Time(r.AtNs) }

// The encoding is fixed size, little endian:
//
//	off size field
//	  0    4 magic "HTRP"
//	  4    2 version (1)
//	  6    1 cause
//	  7    1 flags: bit 0 latched; other bits zero
//	  8    8 seq
//	 16    8 at_ns
//	 24    8 wall_ns
//	 32    8 value (IEEE 754 bits)
//	 40    4 CRC-32C (Castagnoli) of bytes 0..39
//
// Castagnoli detects every error of up to 5 flipped bits in a record this
// short and every burst up to 32 bits; a truncated or extended record fails
// the size check first.
const (
	TripRecordSize    = 44
	tripRecordVersion = 1
	tripRecordMagic   = "HTRP"
	flagLatched       = 1 << 0
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Errors of UnmarshalBinary, matched with errors.Is. Every one means "this
// is not a record": the caller must use another copy or fail safe.
var (
	ErrRecordSize    = errors.New("trip record: wrong size (torn or truncated write)")
	ErrRecordMagic   = errors.New("trip record: bad magic")
	ErrRecordVersion = errors.New("trip record: unsupported version")
	ErrRecordCRC     = errors.New("trip record: CRC mismatch (corrupt)")
	ErrRecordField   = errors.New("trip record: field out of range")
)

// AppendBinary appends the record's encoding to b. It refuses a record whose
// cause is not a Cause, so that nothing unreadable is ever written.
func (r TripRecord) AppendBinary(b []byte) ([]byte, error) {
	if r.Cause >= NumCauses {
		return b, ErrRecordField
	}
	var flags byte
	if r.Latched {
		flags |= flagLatched
	}
	start := len(b)
	b = append(b, tripRecordMagic...)
	b = putU16(b, tripRecordVersion)
	b = append(b, byte(r.Cause), flags)
	b = putU64(b, r.Seq)
	b = putU64(b, uint64(r.AtNs))
	b = putU64(b, uint64(r.WallNs))
	b = putU64(b, math.Float64bits(r.Value))
	b = putU32(b, crc32.Checksum(b[start:], castagnoli))
	return b, nil
}

// MarshalBinary returns the record's TripRecordSize-byte encoding.
func (r TripRecord) MarshalBinary() ([]byte, error) {
	return r.AppendBinary(make([]byte, 0, TripRecordSize))
}

// UnmarshalBinary decodes data, which must be exactly one encoded record. On
// any error *r is left unchanged. A decoded record re-encodes to exactly
// data: there is one encoding per record and no lenient parsing.
func (r *TripRecord) UnmarshalBinary(data []byte) error {
	if len(data) != TripRecordSize {
		return ErrRecordSize
	}
	if string(data[0:4]) != tripRecordMagic {
		return ErrRecordMagic
	}
	if crc32.Checksum(data[:40], castagnoli) != getU32(data[40:]) {
		return ErrRecordCRC
	}
	if getU16(data[4:]) != tripRecordVersion {
		return ErrRecordVersion
	}
	cause, flags := Cause(data[6]), data[7]
	if cause >= NumCauses || flags&^flagLatched != 0 {
		return ErrRecordField
	}
	*r = TripRecord{
		Cause:   cause,
		Latched: flags&flagLatched != 0,
		Seq:     getU64(data[8:]),
		AtNs:    int64(getU64(data[16:])),
		WallNs:  int64(getU64(data[24:])),
		Value:   math.Float64frombits(getU64(data[32:])),
	}
	return nil
}

// Little-endian helpers: package safety may not import encoding/binary.

func putU16(b []byte, v uint16) []byte { return append(b, byte(v), byte(v>>8)) }

func putU32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

func putU64(b []byte, v uint64) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24),
		byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
}

func getU16(b []byte) uint16 { _ = b[1]; return uint16(b[0]) | uint16(b[1])<<8 }

func getU32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func getU64(b []byte) uint64 { return uint64(getU32(b)) | uint64(getU32(b[4:]))<<32 }
