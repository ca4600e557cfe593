package simnet

import (
	"encoding/binary"
	"fmt"
	"strings"

	"hearth/units"
)

// trace folds every event into a 64-bit hash (a multiply-xorshift chain a
// word at a time: fast, not cryptographic) and, if asked, keeps the last few
// events as text for a failure report.
type trace struct {
	h, n uint64
	keep int
	ring []string
	next int
}

const (
	hashSeed  = 14695981039346656037 // FNV's offset basis
	hashPrime = 1099511628211        // FNV's prime
)

func newTrace(keep int) trace { return trace{h: hashSeed, keep: keep} }

func (t *trace) word(v uint64) {
	t.h = (t.h ^ v) * hashPrime
	t.h ^= t.h >> 29
}

func (t *trace) bytes(b []byte) {
	for len(b) >= 8 {
		t.word(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	var tail uint64
	for i, c := range b {
		tail |= uint64(c) << (8 * i)
	}
	t.word(tail)
	t.word(uint64(len(b)))
}

// add records event kind at time at with its values.
func (t *trace) add(at units.Time, kind string, vals ...uint64) {
	t.n++
	t.word(uint64(at))
	for i := 0; i < len(kind); i++ {
		t.word(uint64(kind[i]))
	}
	for _, v := range vals {
		t.word(v)
	}
	if t.keep <= 0 {
		return
	}
	s := fmt.Sprintf("%12.6f %s %v", at.Seconds(), kind, vals)
	if len(t.ring) < t.keep {
		t.ring = append(t.ring, s)
		return
	}
	t.ring[t.next] = s
	t.next = (t.next + 1) % t.keep
}

// last returns the kept events, oldest first.
func (t *trace) last() []string {
	out := make([]string, 0, len(t.ring))
	out = append(out, t.ring[t.next:]...)
	return append(out, t.ring[:t.next]...)
}

func (t *trace) String() string { return strings.Join(t.last(), "\n") }
