package eventlog

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFrameRoundTrip(t *testing.T) {
	for seq := uint64(1); seq < 50; seq++ {
		e := ev(seq)
		e.Seq = seq
		f := appendFrame(nil, &e)
		n, err := frameLen(f[:headerSize])
		if err != nil || n != len(f) {
			t.Fatalf("frameLen %d, %v; frame is %d bytes", n, err, len(f))
		}
		got, err := decodeFrame(f)
		if err != nil || !same(got, seq) {
			t.Fatalf("decoded %+v, %v; want ev(%d)", got, err, seq)
		}
	}
}

func TestTextIsCutAndMadeValid(t *testing.T) {
	e := Event{Seq: 1, Kind: KindInfo, Wall: base,
		Cause: strings.Repeat("c", MaxCause+10),
		Msg:   strings.Repeat("é", MaxMsg) + "\xff tail"} // 2-byte runes: the cut must fall between them
	f := appendFrame(nil, &e)
	if len(f) > maxFrame {
		t.Fatalf("frame of %d bytes, max %d", len(f), maxFrame)
	}
	got, err := decodeFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	if got.Cause != strings.Repeat("c", MaxCause) || len(got.Msg) != MaxMsg || !utf8.ValidString(got.Msg) {
		t.Fatalf("cause %d bytes, msg %d bytes, valid %v", len(got.Cause), len(got.Msg), utf8.ValidString(got.Msg))
	}
	e.Cause, e.Msg = "a\xffb", "x\xc3"
	got, _ = decodeFrame(appendFrame(nil, &e))
	if got.Cause != "a\uFFFDb" || got.Msg != "x\uFFFD" {
		t.Fatalf("invalid UTF-8 written as %q, %q", got.Cause, got.Msg)
	}
	e.Msg = strings.Repeat("m", MaxMsg-1) + "\xff" // no room for U+FFFD's 3 bytes
	if got, _ = decodeFrame(appendFrame(nil, &e)); got.Msg != strings.Repeat("m", MaxMsg-1) {
		t.Fatalf("msg of %d bytes", len(got.Msg))
	}
}

// Every single flipped bit of a frame makes it unreadable, wherever it is.
func TestEveryBitFlipIsCaught(t *testing.T) {
	e := ev(12)
	e.Seq = 12
	f := appendFrame(nil, &e)
	for i := range len(f) * 8 {
		g := bytes.Clone(f)
		g[i/8] ^= 1 << (i % 8)
		sc := newScanner(bytes.NewReader(g), 0)
		if got, ok, err := sc.next(); ok || err != nil {
			t.Fatalf("bit %d flipped: read %+v, %v", i, got, err)
		}
		if sc.tail() != int64(len(f)) {
			t.Fatalf("bit %d flipped: tail %d, want %d", i, sc.tail(), len(f))
		}
	}
}
