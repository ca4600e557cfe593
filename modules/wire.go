package modules

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math"

	"hearth/hal"
	"hearth/units"
)

// Wire format, version 1. Every datagram is MsgSize bytes, big-endian:
//
//	off len  field
//	  0   2  magic "HM"
//	  2   1  version (1)
//	  3   1  kind (1 lease: controller to agent; 2 report: agent to controller)
//	  4   4  module id
//	  8   8  counter: the sender's, strictly increasing per module and direction
//	 16   8  session: the agent's epoch (its own in a report, the one a lease is for)
//	 24   1  level (hal.Level)
//	 25   1  flags (reports: ReportFlags; leases: 0)
//	 26   2  reserved, zero
//	 28   4  lease: TTL in ms          | report: measured power in mW
//	 32   4  lease: reserved, zero     | report: board temperature in milli-C (int32)
//	 36   4  lease: reserved, zero     | report: datagrams the agent rejected (saturating)
//	 40   8  lease: reserved, zero     | report: ack, the counter of the last lease accepted
//	 48  32  HMAC-SHA256 over bytes 0..47 under the module's key
//
// A fixed size keeps parsing trivial and lets a datagram of any other length
// be dropped before any cryptography is spent on it.
const (
	MsgSize  = 80
	macStart = 48
	macSize  = sha256.Size

	wireVersion = 1
)

// Kind says which way a datagram travels.
type Kind uint8

// Datagram kinds. Append only: the values are on the wire.
const (
	KindLease  Kind = 1 // controller to agent
	KindReport Kind = 2 // agent to controller
)

// ReportFlags qualify an agent's report.
type ReportFlags uint8

// Report flags. Append only: the values are on the wire.
const (
	FlagLeased     ReportFlags = 1 << iota // the agent holds an unexpired lease
	FlagExpired                            // the lease expired: idle, shutdown after the grace period
	FlagShutdown                           // the shutdown command has been run
	FlagApplyError                         // the last level could not be applied (cpufreq write failed)
)

// unknownTemp encodes "no board temperature" on the wire.
const unknownTemp = math.MinInt32

// maxTTL bounds the TTL field (ms in 32 bits) and any lease an agent will hold.
const maxTTL = units.Duration(math.MaxUint32) * units.Millisecond

// Lease is a controller-to-agent datagram: run at most at Level until TTL
// after you receive this.
type Lease struct {
	Module  uint32
	Counter uint64
	Session uint64
	Level   hal.Level
	TTL     units.Duration
}

// Report is an agent-to-controller datagram.
type Report struct {
	Module    uint32
	Counter   uint64
	Session   uint64
	Level     hal.Level
	Flags     ReportFlags
	Power     units.Watt
	BoardTemp units.Celsius // NaN when the agent has no temperature
	Rejected  uint32
	Ack       uint64
}

// Reject says why a datagram was refused. Append only: the values are counted
// and reported.
type Reject uint8

// Reasons to refuse a datagram. A valid one is Accepted.
const (
	Accepted      Reject = iota
	Malformed            // wrong size, magic, version, kind or field value
	WrongModule          // addressed to another module
	Forged               // MAC does not verify under this module's key
	WrongSession         // authentic but for another session of the agent
	Replayed             // authentic, counter equal to the last accepted one
	Stale                // authentic, counter below the last accepted one
	UnknownModule        // (controller) no such module configured
	NumRejects
)

var rejectNames = [NumRejects]string{"accepted", "malformed", "wrong_module", "forged",
	"wrong_session", "replayed", "stale", "unknown_module"}

func (r Reject) String() string {
	if r < NumRejects {
		return rejectNames[r]
	}
	return "reject?"
}

// macer signs and verifies datagrams under one key. It is not safe for
// concurrent use: each owner keeps its own and uses it under its own lock.
type macer struct {
	h   hash.Hash
	sum [macSize]byte
}

func newMacer(k Key) *macer { return &macer{h: hmac.New(sha256.New, k[:])} }

// sign writes the MAC of b[:macStart] into b[macStart:].
func (m *macer) sign(b *[MsgSize]byte) {
	m.h.Reset()
	m.h.Write(b[:macStart])
	m.h.Sum(b[macStart:macStart]) // appends in place: capacity is exactly macSize
}

// verify reports whether b carries a valid MAC, in constant time.
func (m *macer) verify(b []byte) bool {
	m.h.Reset()
	m.h.Write(b[:macStart])
	return hmac.Equal(m.h.Sum(m.sum[:0]), b[macStart:MsgSize])
}

func putHeader(b *[MsgSize]byte, k Kind, module uint32, counter, session uint64) {
	b[0], b[1], b[2], b[3] = 'H', 'M', wireVersion, byte(k)
	binary.BigEndian.PutUint32(b[4:], module)
	binary.BigEndian.PutUint64(b[8:], counter)
	binary.BigEndian.PutUint64(b[16:], session)
}

// encodeLease fills b with l, unsigned.
func encodeLease(b *[MsgSize]byte, l *Lease) {
	*b = [MsgSize]byte{}
	putHeader(b, KindLease, l.Module, l.Counter, l.Session)
	b[24] = byte(l.Level)
	ttl := max(l.TTL, 0) / units.Millisecond
	binary.BigEndian.PutUint32(b[28:], uint32(min(ttl, maxTTL/units.Millisecond)))
}

// encodeReport fills b with r, unsigned.
func encodeReport(b *[MsgSize]byte, r *Report) {
	*b = [MsgSize]byte{}
	putHeader(b, KindReport, r.Module, r.Counter, r.Session)
	b[24] = byte(r.Level)
	b[25] = byte(r.Flags)
	binary.BigEndian.PutUint32(b[28:], milli32(float64(r.Power), 0, math.MaxUint32))
	t := int32(unknownTemp)
	if c := math.Round(float64(r.BoardTemp) * 1000); !math.IsNaN(c) {
		t = int32(max(min(c, math.MaxInt32), unknownTemp+1))
	}
	binary.BigEndian.PutUint32(b[32:], uint32(t))
	binary.BigEndian.PutUint32(b[36:], r.Rejected)
	binary.BigEndian.PutUint64(b[40:], r.Ack)
}

// milli32 converts v to thousandths, clamped to [lo, hi]; NaN maps to lo.
func milli32(v float64, lo, hi float64) uint32 {
	m := math.Round(v * 1000)
	if !(m > lo) {
		return uint32(lo)
	}
	return uint32(min(m, hi))
}

// header checks what can be checked without the key and returns the module
// id and kind. The MAC is checked by the owner of the key.
func header(b []byte, want Kind) (module uint32, r Reject) {
	if len(b) != MsgSize || b[0] != 'H' || b[1] != 'M' || b[2] != wireVersion || Kind(b[3]) != want {
		return 0, Malformed
	}
	return binary.BigEndian.Uint32(b[4:]), Accepted
}

// decodeLease parses an authenticated lease.
func decodeLease(b []byte) (l Lease, r Reject) {
	l = Lease{
		Module:  binary.BigEndian.Uint32(b[4:]),
		Counter: binary.BigEndian.Uint64(b[8:]),
		Session: binary.BigEndian.Uint64(b[16:]),
		Level:   hal.Level(b[24]),
		TTL:     units.Duration(binary.BigEndian.Uint32(b[28:])) * units.Millisecond,
	}
	if l.Level >= hal.NumLevels {
		return l, Malformed
	}
	return l, Accepted
}

// decodeReport parses an authenticated report.
func decodeReport(b []byte) (r Report, rej Reject) {
	t := int32(binary.BigEndian.Uint32(b[32:]))
	temp := units.Celsius(math.NaN())
	if t != unknownTemp {
		temp = units.Celsius(float64(t) / 1000)
	}
	r = Report{
		Module:    binary.BigEndian.Uint32(b[4:]),
		Counter:   binary.BigEndian.Uint64(b[8:]),
		Session:   binary.BigEndian.Uint64(b[16:]),
		Level:     hal.Level(b[24]),
		Flags:     ReportFlags(b[25]),
		Power:     units.Watt(float64(binary.BigEndian.Uint32(b[28:])) / 1000),
		BoardTemp: temp,
		Rejected:  binary.BigEndian.Uint32(b[36:]),
		Ack:       binary.BigEndian.Uint64(b[40:]),
	}
	if r.Level >= hal.NumLevels {
		return r, Malformed
	}
	return r, Accepted
}

// SignLease encodes and signs l into b. Tools and tests use it to speak the
// protocol; the Hub uses the same code.
func SignLease(b *[MsgSize]byte, key Key, l Lease) {
	encodeLease(b, &l)
	newMacer(key).sign(b)
}

// SignReport encodes and signs r into b.
func SignReport(b *[MsgSize]byte, key Key, r Report) {
	encodeReport(b, &r)
	newMacer(key).sign(b)
}
