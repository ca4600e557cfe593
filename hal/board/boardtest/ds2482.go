package boardtest

import (
	"errors"
	"sync"

	"periph.io/x/conn/v3/onewire"
)

// DS2482 emulates a DS2482-100 1-wire master (an I2C Chip) in front of a
// OneWire bus: Device Reset (0xF0, status 0x18), Set Read Pointer (0xE1;
// the -100 has no port or channel register, so those pointers are not
// acknowledged), Write Configuration (0xD2, the upper nibble the lower's
// complement), 1-Wire Reset (0xB4, PPD when a probe is present), Write Byte
// (0xA5) and Read Byte (0x96). The bytes written since a 1-wire reset are
// one transaction of the OneWire bus, run at the first read or at the next
// reset.
type DS2482 struct {
	mu     sync.Mutex
	ow     *OneWire
	ptr    byte
	status byte
	data   byte
	config byte
	w      []byte
	resp   [32]byte
	ran    bool
	nread  int
}

// NewDS2482 returns the master of ow.
func NewDS2482(ow *OneWire) *DS2482 { return &DS2482{ow: ow, ptr: 0xF0, status: 0x18} }

// Tx implements Chip.
func (d *DS2482) Tx(w, r []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(w) > 0 {
		if err := d.command(w); err != nil {
			return err
		}
	}
	for i := range r {
		switch d.ptr {
		case 0xF0:
			r[i] = d.status
		case 0xE1:
			r[i] = d.data
		case 0xC3:
			r[i] = d.config
		}
	}
	return nil
}

func (d *DS2482) command(w []byte) error {
	switch w[0] {
	case 0xF0:
		d.flush()
		d.ptr, d.status, d.config = 0xF0, 0x18, 0
	case 0xE1:
		if len(w) < 2 || (w[1] != 0xF0 && w[1] != 0xE1 && w[1] != 0xC3) {
			return ErrNack
		}
		d.ptr = w[1]
	case 0xD2:
		if len(w) < 2 || w[1]>>4 != ^w[1]&0x0F {
			return errors.New("boardtest: DS2482 configuration without its complement")
		}
		d.config, d.ptr = w[1]&0x0F, 0xC3
	case 0xB4:
		d.flush()
		d.ptr, d.status = 0xF0, 0
		if roms, err := d.ow.Search(false); err == nil && len(roms) > 0 {
			d.status |= 0x02
		}
	case 0xA5:
		if len(w) < 2 {
			return errors.New("boardtest: DS2482 write byte without its byte")
		}
		d.w = append(d.w, w[1])
		d.ptr = 0xF0
	case 0x96:
		if !d.ran {
			d.ran = true
			if err := d.ow.Tx(d.w, d.resp[:], onewire.WeakPullup); err != nil {
				d.resp = [32]byte{}
			}
		}
		if d.nread < len(d.resp) {
			d.data = d.resp[d.nread]
		}
		d.nread++
		d.ptr = 0xF0
	default:
		return ErrNack
	}
	return nil
}

// flush runs the transaction written since the last 1-wire reset, if no
// read ran it (a Convert T).
func (d *DS2482) flush() {
	if len(d.w) > 0 && !d.ran {
		_ = d.ow.Tx(d.w, nil, onewire.WeakPullup)
	}
	d.w, d.ran, d.nread = d.w[:0], false, 0
}
