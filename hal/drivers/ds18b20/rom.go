package ds18b20

import (
	"errors"
	"fmt"
	"strconv"

	"periph.io/x/conn/v3/onewire"
)

// Family is the DS18B20's 1-wire family code, the ROM's first byte on the
// wire (the low byte of an onewire.Address).
const Family = 0x28

// ParseROM parses a 1-wire ROM in one of two forms:
//
//   - the kernel's, as named in /sys/bus/w1/devices: two hex digits of
//     family code, a dash and twelve of serial number, "28-0000012345ab";
//     the kernel leaves the CRC byte out, so ParseROM computes it;
//   - sixteen hex digits (an optional "0x" before them) of the
//     onewire.Address as a number, as periph prints it: the CRC byte
//     first, the family code last, "0x7a00000131825228". Its CRC is
//     checked, so a ROM typed in wire order (family code first) is refused
//     rather than misread.
//
// ParseROM checks the form and the CRC, not the family: NewBus does.
func ParseROM(s string) (onewire.Address, error) {
	switch {
	case len(s) == 15 && s[2] == '-':
		fam, err1 := strconv.ParseUint(s[:2], 16, 8)
		serial, err2 := strconv.ParseUint(s[3:], 16, 48)
		if err1 != nil || err2 != nil || !isHex(s[:2]) || !isHex(s[3:]) {
			break
		}
		a := onewire.Address(serial<<8 | fam)
		return a | onewire.Address(romCRC(a))<<56, nil
	case len(s) == 18 && (s[:2] == "0x" || s[:2] == "0X"):
		s = s[2:]
		fallthrough
	case len(s) == 16:
		v, err := strconv.ParseUint(s, 16, 64)
		if err != nil || !isHex(s) {
			break
		}
		a := onewire.Address(v)
		if byte(a>>56) != romCRC(a) {
			return 0, fmt.Errorf("ds18b20: ROM %q: bad CRC %#02x, want %#02x (sixteen digits are the address as a number: CRC first, family code last)",
				s, byte(a>>56), romCRC(a))
		}
		return a, nil
	}
	return 0, errors.New("ds18b20: ROM " + strconv.Quote(s) +
		` is neither "ff-ssssssssssss" (kernel w1) nor sixteen hex digits`)
}

// FormatROM returns a's kernel form, "28-0000012345ab", the name of its
// directory in /sys/bus/w1/devices (the CRC byte is left out, as the kernel
// does).
func FormatROM(a onewire.Address) string {
	const hex = "0123456789abcdef"
	var b [15]byte
	b[0], b[1], b[2] = hex[byte(a)>>4], hex[byte(a)&15], '-'
	serial := uint64(a>>8) & (1<<48 - 1)
	for i := 14; i >= 3; i-- {
		b[i] = hex[serial&15]
		serial >>= 4
	}
	return string(b[:])
}

// romCRC returns the CRC-8 of a's first seven bytes on the wire (family
// code and serial number).
func romCRC(a onewire.Address) byte {
	var b [7]byte
	for i := range b {
		b[i] = byte(a >> (8 * i))
	}
	return onewire.CalcCRC(b[:])
}

// isHex reports whether s is hex digits only: belt and braces over
// ParseUint, which is not meant to take anything else in base 16 either.
func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
