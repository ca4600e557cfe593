package ds18b20

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/onewire"

	"hearth/hal"
	"hearth/hal/drivers"
)

// A DS2482 at 0x1A (address pins AD1 AD0 = 1 0), which periph's ds248x.New
// would refuse by itself.
const dsAddr = 0x1A

// DS2482 datasheet commands and registers.
const (
	dsDeviceReset = 0xF0
	dsSetReadPtr  = 0xE1
	dsWriteConfig = 0xD2
	ds1WReset     = 0xB4
	ds1WWrite     = 0xA5
	ds1WRead      = 0x96
	dsRegStatus   = 0xF0
	dsRegData     = 0xE1
	dsRegPort     = 0xB4 // DS2483 only
	dsRegChannel  = 0xD2 // DS2482-800 only

	// Status after a 1-wire reset or byte: 1WB (busy) clear, PPD
	// (presence pulse) and LL (line high) set.
	dsIdle = 0x0A
	dsBusy = dsIdle | 0x01 // 1WB
	// Configuration: APU; with SPU; each with its complement in the
	// upper nibble.
	dsConfig    = 0xE1
	dsConfigSPU = 0xA5
)

func dsIO(w, r []byte) i2ctest.IO { return i2ctest.IO{Addr: dsAddr, W: w, R: r} }

// dsOpen is periph's ds248x.New on a DS2482-100: Device Reset, status
// 0x18 (RST, LL), the configuration written and read back (its low
// nibble); the DS2483's port register and the -800's channel register are
// then probed, and not acknowledged (a mismatch in the playback).
func dsOpen() []i2ctest.IO {
	return []i2ctest.IO{
		dsIO([]byte{dsDeviceReset}, nil),
		dsIO([]byte{dsSetReadPtr, dsRegStatus}, []byte{0x18}),
		dsIO([]byte{dsWriteConfig, dsConfig}, []byte{0x01}),
	}
}

// dsTx is one 1-wire transaction through the DS2482: 1-Wire Reset, each
// byte written (with the strong pull-up set before the last, if asked),
// each byte read (1-Wire Read Byte, whose status periph reads in the same
// I2C transaction, then the read data register), every command followed by
// a status read until the bus is idle.
func dsTx(w, r []byte, strong bool) []i2ctest.IO {
	ops := []i2ctest.IO{dsIO([]byte{ds1WReset}, nil), dsIO(nil, []byte{dsIdle})}
	for i, b := range w {
		if strong && i == len(w)-1 && len(r) == 0 {
			ops = append(ops, dsIO([]byte{dsWriteConfig, dsConfigSPU}, nil))
		}
		ops = append(ops, dsIO([]byte{ds1WWrite, b}, nil), dsIO(nil, []byte{dsIdle}))
	}
	for _, b := range r {
		ops = append(ops, dsIO([]byte{ds1WRead}, []byte{dsBusy}), dsIO(nil, []byte{dsIdle}), dsIO([]byte{dsSetReadPtr, dsRegData}, []byte{b}))
	}
	return ops
}

func dsRead(rom onewire.Address, sp []byte) []i2ctest.IO {
	return dsTx(append(append([]byte{0x55}, wire(rom)...), 0xBE), sp, false)
}

func dsConvert() []i2ctest.IO { return dsTx([]byte{0xCC, 0x44}, nil, true) }

func cat(parts ...[]i2ctest.IO) []i2ctest.IO {
	var ops []i2ctest.IO
	for _, p := range parts {
		ops = append(ops, p...)
	}
	return ops
}

// A good read through a DS2482, byte for byte on I2C, the conversion under
// the strong pull-up.
func TestDS2482GoodRead(t *testing.T) {
	pb := &i2ctest.Playback{DontPanic: true, Ops: cat(
		[]i2ctest.IO{dsIO([]byte{dsDeviceReset}, nil)}, // OpenDS2482's own: is anything there?
		dsOpen(),
		dsRead(romA, powerOnSpad),
		dsConvert(),
		dsRead(romA, spad(0x0191, cfg12)),
		dsConvert(),
	)}
	ow, err := OpenDS2482(pb, dsAddr, true)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	bus, err := NewBus(ow, []onewire.Address{romA}, clk.now, Options{StrongPullup: true})
	if err != nil {
		t.Fatal(err)
	}
	p := bus.Probe(0)
	p.Temperature()
	clk.advance(800 * ms)
	want(t, "through the DS2482", p.Temperature(), 25.0625, 0, hal.StatusOK)
	if err := pb.Close(); err != nil {
		t.Fatal(err)
	}
}

// Without strongPullup, OpenDS2482's bus never sets SPU, whatever the Bus
// asks.
func TestDS2482NoStrongPullup(t *testing.T) {
	pb := &i2ctest.Playback{DontPanic: true, Ops: cat(
		[]i2ctest.IO{dsIO([]byte{dsDeviceReset}, nil)},
		dsOpen(),
		dsTx([]byte{0xCC, 0x44}, nil, false),
	)}
	ow, err := OpenDS2482(pb, dsAddr, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := ow.Tx([]byte{0xCC, 0x44}, nil, onewire.StrongPullup); err != nil {
		t.Fatal(err)
	}
	if err := pb.Close(); err != nil {
		t.Fatal(err)
	}
}

// faultI2C fails the transaction that would have been the playback's
// operation at, once.
type faultI2C struct {
	*i2ctest.Playback
	at    int
	fired bool
}

func (f *faultI2C) Tx(addr uint16, w, r []byte) error {
	if !f.fired && f.Playback.Count == f.at {
		f.fired = true
		return errors.New("test: I2C no acknowledge")
	}
	return f.Playback.Tx(addr, w, r)
}

// An I2C failure is ds248x's persistent error: the round reports StatusBus,
// and the next round creates the device again (Device Reset and its checks)
// and reads.
func TestDS2482Recreated(t *testing.T) {
	before := cat(
		[]i2ctest.IO{dsIO([]byte{dsDeviceReset}, nil)},
		dsOpen(),
		dsRead(romA, powerOnSpad),
		dsConvert(),
	)
	pb := &i2ctest.Playback{DontPanic: true, Ops: cat(
		before,
		// The read's 1-Wire Reset fails: no operation consumed.
		dsOpen(),
		dsConvert(),
		dsRead(romA, spad(0x0191, cfg12)),
		dsConvert(),
	)}
	fi := &faultI2C{Playback: pb, at: len(before)}
	ow, err := OpenDS2482(fi, dsAddr, true)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	bus, err := NewBus(ow, []onewire.Address{romA}, clk.now, Options{StrongPullup: true})
	if err != nil {
		t.Fatal(err)
	}
	p := bus.Probe(0)
	p.Temperature()
	clk.advance(800 * ms)
	want(t, "I2C failed", p.Temperature(), 0, 0, hal.StatusBus)
	clk.advance(800 * ms)
	t1 := clk.t
	p.Temperature() // recreates the device, Convert T
	clk.advance(800 * ms)
	want(t, "recreated", p.Temperature(), 25.0625, t1, hal.StatusOK)
	if err := pb.Close(); err != nil {
		t.Fatal(err)
	}
}

// OpenDS2482 refuses an address that is not a DS2482's without touching
// the bus (the empty playback panics at any transaction), and says which.
func TestOpenDS2482Address(t *testing.T) {
	for _, addr := range []uint16{0x00, 0x17, 0x20, 0x21, 0x27, 0x48} {
		_, err := OpenDS2482(&i2ctest.Playback{}, addr, false)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("address %#02x ", addr)) {
			t.Errorf("%#02x: %v", addr, err)
		}
	}
	// Nothing acknowledges: ErrAbsent.
	_, err := OpenDS2482(&i2ctest.Playback{DontPanic: true}, 0x18, false)
	if !errors.Is(err, drivers.ErrAbsent) {
		t.Errorf("nothing at 0x18: %v", err)
	}
	// Something acknowledges the reset but its status is not a DS2482's.
	pb := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{
		{Addr: 0x18, W: []byte{dsDeviceReset}},
		{Addr: 0x18, W: []byte{dsDeviceReset}},
		{Addr: 0x18, W: []byte{dsSetReadPtr, dsRegStatus}, R: []byte{0x00}},
	}}
	if _, err := OpenDS2482(pb, 0x18, false); !errors.Is(err, drivers.ErrWrongChip) {
		t.Errorf("wrong chip at 0x18: %v", err)
	}
}
