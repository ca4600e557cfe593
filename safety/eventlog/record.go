package eventlog

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"time"
	"unicode/utf8"
)

// Event is one record of the log.
type Event struct {
	// Wall is the wall-clock time of the event, kept to the nanosecond in
	// UTC. Append stamps time.Now() when it is zero. The Pi has no
	// real-time clock: until NTP answers after a boot, its clock may be far
	// off, so Seq, not Wall, is the order of events.
	Wall time.Time
	// Seq numbers the records: Append assigns it, one more than the last
	// record on disk, so it is strictly increasing across segments and
	// restarts. Whatever the caller puts here is ignored.
	Seq  uint64
	Kind Kind
	// Cause names the cause, e.g. "oil_in_high"; it may be empty. Longer
	// than MaxCause bytes is cut to MaxCause.
	Cause string
	// Msg is free text. Longer than MaxMsg bytes is cut to MaxMsg.
	Msg string
}

// Bounds of an event's text, in bytes. Text is cut on a rune boundary, and
// bytes that are not UTF-8 are written as U+FFFD, so that what is on disk
// is always valid UTF-8.
const (
	MaxCause = 64
	MaxMsg   = 1024
)

// A frame on disk, little endian:
//
//	off     size field
//	  0        4 magic ff 48 45 56 ("\xffHEV")
//	  4        2 n, the length of the body
//	  6        n body
//	6+n        4 CRC-32C (Castagnoli) of bytes 0 .. 6+n-1
//
// and its body:
//
//	  0        1 version (1)
//	  1        1 kind
//	  2        8 seq
//	 10        8 wall clock, Unix nanoseconds (int64)
//	 18        1 c, the length of the cause
//	 19        c cause (UTF-8)
//	19+c n-19-c msg (UTF-8)
//
// 0xff never occurs in UTF-8, so the magic is never inside the text of a
// record: a reader that loses its place can look for the next magic.
const (
	frameMagic   = "\xffHEV"
	frameVersion = 1
	headerSize   = 6  // magic and n
	trailerSize  = 4  // the CRC
	bodyFixed    = 19 // the body before the cause
	minBody      = bodyFixed
	maxBody      = bodyFixed + MaxCause + MaxMsg
	maxFrame     = headerSize + maxBody + trailerSize
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errFrame means "there is no valid frame here": a garbled or torn record,
// or bytes that never were one.
var errFrame = errors.New("eventlog: not a valid frame")

// appendFrame appends e's frame to b. e must carry its Seq and a Wall in the
// range of Unix nanoseconds; the text is cut and made valid as documented.
func appendFrame(b []byte, e *Event) []byte {
	start := len(b)
	b = append(b, frameMagic...)
	b = append(b, 0, 0) // n, filled in below
	b = append(b, frameVersion, byte(e.Kind))
	b = binary.LittleEndian.AppendUint64(b, e.Seq)
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Wall.UnixNano()))
	b = append(b, 0) // c, filled in below
	cause := len(b)
	b = appendText(b, e.Cause, MaxCause)
	b[cause-1] = byte(len(b) - cause)
	b = appendText(b, e.Msg, MaxMsg)
	binary.LittleEndian.PutUint16(b[start+4:], uint16(len(b)-start-headerSize))
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// appendText appends at most max bytes of s to b, whole runes only, with
// U+FFFD for each byte that is not UTF-8.
func appendText(b []byte, s string, max int) []byte {
	left := max
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		n := size
		if r == utf8.RuneError && size == 1 {
			n = utf8.RuneLen(utf8.RuneError)
		}
		if n > left {
			break
		}
		if n == size {
			b = append(b, s[:size]...)
		} else {
			b = utf8.AppendRune(b, utf8.RuneError)
		}
		s, left = s[size:], left-n
	}
	return b
}

// frameLen returns the length of the frame whose header is h (headerSize
// bytes), or errFrame if h cannot start one.
func frameLen(h []byte) (int, error) {
	if string(h[:4]) != frameMagic {
		return 0, errFrame
	}
	n := int(binary.LittleEndian.Uint16(h[4:]))
	if n < minBody || n > maxBody {
		return 0, errFrame
	}
	return headerSize + n + trailerSize, nil
}

// decodeFrame decodes f, exactly one frame as frameLen measured it. Every
// field is checked: a frame decodes only if appendFrame could have written
// it, with a kind this version may not know as the one leniency.
func decodeFrame(f []byte) (Event, error) {
	end := len(f) - trailerSize
	if crc32.Checksum(f[:end], castagnoli) != binary.LittleEndian.Uint32(f[end:]) {
		return Event{}, errFrame
	}
	body := f[headerSize:end]
	if body[0] != frameVersion || body[1] == 0 {
		return Event{}, errFrame
	}
	c := int(body[18])
	if c > MaxCause || bodyFixed+c > len(body) || len(body)-bodyFixed-c > MaxMsg {
		return Event{}, errFrame
	}
	cause, msg := body[bodyFixed:bodyFixed+c], body[bodyFixed+c:]
	if !utf8.Valid(cause) || !utf8.Valid(msg) {
		return Event{}, errFrame
	}
	return Event{
		Wall:  time.Unix(0, int64(binary.LittleEndian.Uint64(body[10:]))).UTC(),
		Seq:   binary.LittleEndian.Uint64(body[2:]),
		Kind:  Kind(body[1]),
		Cause: string(cause),
		Msg:   string(msg),
	}, nil
}
