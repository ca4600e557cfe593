package ds18b20

import (
	"fmt"
	"testing"

	"periph.io/x/conn/v3/onewire"
)

func TestParseROM(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want onewire.Address
	}{
		{"28-0000012345ab", romA},
		{"28-0000012345AB", romA},
		{fmt.Sprintf("%016x", uint64(romA)), romA},
		{fmt.Sprintf("0x%016X", uint64(romA)), romA},
		{"28-060504030201", romB},
		{"10-000000000000", onewire.Address(0x10) | onewire.Address(crc8([]byte{0x10, 0, 0, 0, 0, 0, 0}))<<56},
	} {
		got, err := ParseROM(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseROM(%q) = %#016x, %v; want %#016x", tc.in, uint64(got), err, uint64(tc.want))
		}
	}
	for _, in := range []string{
		"",
		"28-0000012345a",   // short
		"28-0000012345abc", // long
		"28_0000012345ab",
		"28-00000123450g",
		"2g-0000012345ab",
		"28-+000012345ab",
		"28ab452301000 0d2",
		"28ab4523010000d2",                       // wire order, family first: CRC fails
		fmt.Sprintf("%016x", uint64(romA^1<<56)), // bad CRC
		"0x28ab452301000",
	} {
		if a, err := ParseROM(in); err == nil {
			t.Errorf("ParseROM(%q) = %#016x, want an error", in, uint64(a))
		}
	}
}

func TestFormatROM(t *testing.T) {
	if s := FormatROM(romA); s != "28-0000012345ab" {
		t.Errorf("FormatROM(romA) = %q", s)
	}
	for _, a := range []onewire.Address{romA, romB, mkROM(0xFFFFFFFFFFFF), mkROM(0)} {
		if b, err := ParseROM(FormatROM(a)); err != nil || b != a {
			t.Errorf("%#016x: round trip %q gives %#016x, %v", uint64(a), FormatROM(a), uint64(b), err)
		}
	}
}
