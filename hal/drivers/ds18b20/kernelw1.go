package ds18b20

import (
	"errors"
	"fmt"

	"periph.io/x/conn/v3/onewire"
	"periph.io/x/host/v3/netlink"
)

// OpenKernelW1 returns the kernel w1 bus master masterID (the N of
// /sys/bus/w1/devices/w1_bus_masterN) through periph's netlink driver. It
// builds everywhere but opens only on Linux.
//
// The kernel's netlink interface cannot hold a strong pull-up, so the probes
// must be powered (three wires) and the Bus built with StrongPullup false:
// a transaction that asks for the strong pull-up fails, rather than leave
// parasite-powered probes reading their power-on value. The kernel's own
// w1_therm driver may talk to the same probes; blacklisting it leaves the bus
// to this one.
func OpenKernelW1(masterID uint32) (onewire.BusCloser, error) {
	ow, err := netlink.New(masterID)
	if err != nil {
		return nil, fmt.Errorf("ds18b20: kernel w1 master %d: %w", masterID, err)
	}
	return kernelW1{ow}, nil
}

// errNoStrongPullup is the error of a transaction asking the kernel's w1 for
// a strong pull-up.
var errNoStrongPullup = errors.New("ds18b20: the kernel w1 cannot hold a strong pull-up (build the Bus with StrongPullup false)")

// kernelW1 refuses the strong pull-up the netlink driver would ignore.
type kernelW1 struct{ *netlink.OneWire }

// Tx implements onewire.Bus.
func (k kernelW1) Tx(w, r []byte, power onewire.Pullup) error {
	if power == onewire.StrongPullup {
		return errNoStrongPullup
	}
	return k.OneWire.Tx(w, r, power)
}
