package mcp23017

import (
	"errors"
	"hearth/hal/drivers/drivertest"
	"testing"

	"hearth/hal/drivers"

	"periph.io/x/conn/v3/i2c/i2ctest"
)

const addr = 0x20

func w(bs ...byte) i2ctest.IO { return i2ctest.IO{Addr: addr, W: bs} }

func rd(reg byte, bs ...byte) i2ctest.IO { return i2ctest.IO{Addr: addr, W: []byte{reg}, R: bs} }

func newOps() []i2ctest.IO {
	return []i2ctest.IO{
		w(0x05, 0x00),       // IOCON if BANK = 1, else GPINTENB
		w(0x0A, 0x00),       // IOCON: BANK = 0, SEQOP = 0
		w(0x14, 0x00, 0x00), // OLATA, OLATB: relays open
		w(0x00, 0x00, 0x00), // IODIRA, IODIRB: all outputs
		rd(0x00, 0x00, 0x00),
		rd(0x14, 0x00, 0x00),
	}
}

func newDev(t *testing.T, more ...i2ctest.IO) (*Dev, *drivertest.FaultBus) {
	t.Helper()
	b := drivertest.NewBus(append(newOps(), more...))
	d, err := New(b, addr)
	if err != nil {
		t.Fatal(err)
	}
	return d, b
}

// TestNew: New's transactions byte for byte: BANK = 0, latch low before
// the pins turn outputs, both read back.
func TestNew(t *testing.T) {
	d, b := newDev(t)
	if want, got := d.State(); want != 0 || got != 0 {
		t.Errorf("State = %#x, %#x; want 0, 0", want, got)
	}
	drivertest.Done(t, b)
}

// TestNewRefused: addresses outside 0x20..0x27, before any transaction.
func TestNewRefused(t *testing.T) {
	for _, a := range []uint16{0x1F, 0x28, 0x40} {
		b := drivertest.NewBus(nil)
		if _, err := New(b, a); err == nil {
			t.Errorf("New(%#x) accepted", a)
		}
		drivertest.Done(t, b)
	}
}

// TestNewAbsent: no acknowledge on the first write wraps ErrAbsent.
func TestNewAbsent(t *testing.T) {
	b := drivertest.NewBus([]i2ctest.IO{w(0x05, 0x00)}, 0)
	_, err := New(b, addr)
	if !errors.Is(err, drivers.ErrAbsent) || !errors.Is(err, drivertest.ErrNACK) {
		t.Errorf("err = %v, want ErrAbsent wrapping the bus error", err)
	}
	drivertest.Done(t, b)
}

// TestNewWrongChip: directions that read back as inputs wrap ErrWrongChip.
func TestNewWrongChip(t *testing.T) {
	ops := newOps()
	ops[4] = rd(0x00, 0xFF, 0xFF)
	b := drivertest.NewBus(ops)
	_, err := New(b, addr)
	if !errors.Is(err, drivers.ErrWrongChip) || !errors.Is(err, ErrReadback) {
		t.Errorf("err = %v, want ErrWrongChip", err)
	}
	drivertest.Done(t, b)
}

// TestSet: each Set writes both latches in one transaction, port A first,
// from the whole image; energise-to-run, so on is a high bit.
func TestSet(t *testing.T) {
	d, b := newDev(t,
		w(0x14, 0x01, 0x00), // pin 0 (GPA0) on
		w(0x14, 0x01, 0x02), // pin 9 (GPB1) on
		w(0x14, 0x00, 0x02), // pin 0 off
		w(0x14, 0x00, 0x82), // pin 15 (GPB7) on
	)
	for _, s := range []struct {
		n  int
		on bool
	}{{0, true}, {9, true}, {0, false}, {15, true}} {
		if err := d.Pin(s.n).Set(s.on); err != nil {
			t.Fatal(err)
		}
	}
	if want, _ := d.State(); want != 0x8200 {
		t.Errorf("want = %#x, want 0x8200", want)
	}
	for _, n := range []int{-1, 16} {
		if err := d.Pin(n).Set(true); err == nil {
			t.Errorf("pin %d accepted", n)
		}
	}
	drivertest.Done(t, b)
}

// TestSetBusError: a latch write that fails returns the bus error, keeps
// the wanted state, and Refresh writes it.
func TestSetBusError(t *testing.T) {
	b := drivertest.NewBus(append(newOps(),
		w(0x14, 0x08, 0x00), // pin 3 on: no acknowledge
		rd(0x00, 0x00, 0x00),
		w(0x14, 0x08, 0x00),
		w(0x00, 0x00, 0x00),
		rd(0x00, 0x00, 0x00),
		rd(0x14, 0x08, 0x00),
	), len(newOps()))
	d, err := New(b, addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Pin(3).Set(true); !errors.Is(err, drivertest.ErrNACK) {
		t.Errorf("Set: err = %v, want the bus error", err)
	}
	if reset, err := d.Refresh(); reset || err != nil {
		t.Errorf("Refresh = %v, %v; want false, nil", reset, err)
	}
	if want, got := d.State(); want != 0x0008 || got != 0x0008 {
		t.Errorf("State = %#x, %#x; want 0x8, 0x8", want, got)
	}
	drivertest.Done(t, b)
}

// TestRefreshReset: a brown-out (IODIR back to 0xFFFF, OLAT 0: every relay
// dropped) is reported and undone: latch rewritten, then directions, then
// both read back.
func TestRefreshReset(t *testing.T) {
	d, b := newDev(t,
		w(0x14, 0x00, 0x10),  // pin 12 on
		rd(0x00, 0xFF, 0xFF), // reset: all inputs
		w(0x14, 0x00, 0x10),
		w(0x00, 0x00, 0x00),
		rd(0x00, 0x00, 0x00),
		rd(0x14, 0x00, 0x10),
	)
	if err := d.Pin(12).Set(true); err != nil {
		t.Fatal(err)
	}
	if reset, err := d.Refresh(); !reset || err != nil {
		t.Errorf("Refresh = %v, %v; want true, nil", reset, err)
	}
	drivertest.Done(t, b)
}

// TestRefreshMismatch: a latch that does not read back as written after
// the rewrite is reported (ErrReadback) and State shows what it holds.
func TestRefreshMismatch(t *testing.T) {
	d, b := newDev(t,
		w(0x14, 0x01, 0x00), // pin 0 on
		rd(0x00, 0x00, 0x00),
		w(0x14, 0x01, 0x00),
		w(0x00, 0x00, 0x00),
		rd(0x00, 0x00, 0x00),
		rd(0x14, 0x00, 0x00), // latch stuck low
	)
	if err := d.Pin(0).Set(true); err != nil {
		t.Fatal(err)
	}
	if reset, err := d.Refresh(); reset || !errors.Is(err, ErrReadback) {
		t.Errorf("Refresh = %v, %v; want false, ErrReadback", reset, err)
	}
	if want, got := d.State(); want != 1 || got != 0 {
		t.Errorf("State = %#x, %#x; want 1, 0", want, got)
	}
	drivertest.Done(t, b)
}

// TestRefreshBusError: a bus error on the first read is returned and
// nothing is written.
func TestRefreshBusError(t *testing.T) {
	b := drivertest.NewBus(append(newOps(), rd(0x00, 0, 0)), len(newOps()))
	d, err := New(b, addr)
	if err != nil {
		t.Fatal(err)
	}
	if reset, err := d.Refresh(); reset || !errors.Is(err, drivertest.ErrNACK) {
		t.Errorf("Refresh = %v, %v; want false, the bus error", reset, err)
	}
	drivertest.Done(t, b)
}
