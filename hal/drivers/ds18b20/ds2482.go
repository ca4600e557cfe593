package ds18b20

import (
	"fmt"
	"sync"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/onewire"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/ds248x"

	"hearth/hal/drivers"
)

// DS2482 I2C addresses: 0x18 plus its address pins (two on the -100, three
// on the -800). 0x20..0x27, which periph's ds248x.New also takes, are the
// MCP23017's.
const (
	ds2482First = 0x18
	ds2482Last  = 0x1F
)

// ds248xAddr is the address periph's ds248x.New is given: it takes only
// 0x18, 0x19, 0x20 and 0x21, so the chip is reached through fixedAddr.
const ds248xAddr = 0x18

// OpenDS2482 returns the 1-wire bus of the DS2482 (or DS2483) at addr on
// bus, through periph's ds248x driver, having reset the chip and checked
// it.
//
// addr must be 0x18..0x1F. strongPullup says whether the chip may drive its
// strong pull-up (a board with parasite-powered probes); when false, every
// transaction ends on the weak pull-up whatever it asks.
//
// periph's ds248x.Dev stops for good at its first error of the chip or of
// I2C (its persistent error); the returned bus then drops it and creates it
// again (resetting the chip) at its next transaction, that is, the next
// round of the Bus on it. An error of the 1-wire line (no presence pulse, a
// short) keeps the device.
//
// A chip that does not acknowledge its reset wraps drivers.ErrAbsent; one
// that answers, but not as a DS2482, wraps drivers.ErrWrongChip.
func OpenDS2482(bus i2c.Bus, addr uint16, strongPullup bool) (onewire.Bus, error) {
	if addr < ds2482First || addr > ds2482Last {
		return nil, fmt.Errorf("ds18b20: I2C address %#02x is not a DS2482's (%#02x..%#02x)", addr, ds2482First, ds2482Last)
	}
	d := &ds2482{i2c: fixedAddr{bus, addr}, addr: addr, strong: strongPullup}
	if err := bus.Tx(addr, []byte{0xF0}, nil); err != nil { // Device Reset
		return nil, fmt.Errorf("ds18b20: DS2482 at %#02x: %w (%v)", addr, drivers.ErrAbsent, err)
	}
	if _, err := d.open(); err != nil {
		return nil, fmt.Errorf("%w: %w", drivers.ErrWrongChip, err)
	}
	return d, nil
}

// ds2482 is a DS2482's 1-wire bus that creates its ds248x.Dev again after a
// persistent error.
type ds2482 struct {
	mu     sync.Mutex
	i2c    fixedAddr
	addr   uint16
	strong bool
	dev    *ds248x.Dev // nil: to be created at the next transaction
}

func (d *ds2482) String() string { return fmt.Sprintf("DS2482(%s %#02x)", d.i2c.bus, d.addr) }

// Tx implements onewire.Bus.
func (d *ds2482) Tx(w, r []byte, power onewire.Pullup) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	dev, err := d.open()
	if err != nil {
		return err
	}
	if !d.strong {
		power = onewire.WeakPullup
	}
	return d.check(dev.Tx(w, r, power))
}

// Search implements onewire.Bus.
func (d *ds2482) Search(alarmOnly bool) ([]onewire.Address, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	dev, err := d.open()
	if err != nil {
		return nil, err
	}
	a, err := dev.Search(alarmOnly)
	return a, d.check(err)
}

// open returns the device, creating it if there is none.
func (d *ds2482) open() (*ds248x.Dev, error) {
	if d.dev != nil {
		return d.dev, nil
	}
	opts := ds248x.DefaultOpts
	dev, err := ds248x.New(&d.i2c, ds248xAddr, &opts)
	if err != nil {
		return nil, fmt.Errorf("ds18b20: DS2482 at %#02x: %w", d.addr, err)
	}
	d.dev = dev
	return dev, nil
}

// check drops the device after an error that is not the 1-wire line's.
func (d *ds2482) check(err error) error {
	if err != nil && !lineError(err) {
		d.dev = nil
		return fmt.Errorf("ds18b20: DS2482 at %#02x (recreated at the next transaction): %w", d.addr, err)
	}
	return err
}

// fixedAddr sends every transaction to addr, whatever address it is given.
type fixedAddr struct {
	bus  i2c.Bus
	addr uint16
}

func (f *fixedAddr) String() string                    { return f.bus.String() }
func (f *fixedAddr) Tx(_ uint16, w, r []byte) error    { return f.bus.Tx(f.addr, w, r) }
func (f *fixedAddr) SetSpeed(s physic.Frequency) error { return f.bus.SetSpeed(s) }
