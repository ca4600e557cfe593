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
	// A Search ROM (0xF0) in progress: the probes still in it, the bit.
	search []onewire.Address
	bit    int
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
		if len(d.w) == 1 && w[1] == 0xF0 { // Search ROM: every probe takes part
			d.search, d.bit, d.ran = nil, 0, true
			roms, _ := d.ow.Search(false)
			d.search = append(d.search, roms...)
		}
		d.ptr = 0xF0
	case 0x78:
		d.triplet(len(w) > 1 && w[1]&0x80 != 0)
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

// triplet is the 1-Wire Triplet (0x78) of a search: the wired-AND of the
// remaining probes' bit and of its complement (SBR, TSB in the status
// register), the direction taken (DIR: the one bit all share, else dir),
// and the probes whose bit differs leave the search.
func (d *DS2482) triplet(dir bool) {
	sbr, tsb := byte(1), byte(1)
	for _, a := range d.search {
		if a>>d.bit&1 == 0 {
			sbr = 0
		} else {
			tsb = 0
		}
	}
	take := dir
	switch {
	case sbr == 0 && tsb == 1:
		take = false
	case sbr == 1 && tsb == 0:
		take = true
	}
	var keep []onewire.Address
	for _, a := range d.search {
		if (a>>d.bit&1 == 1) == take {
			keep = append(keep, a)
		}
	}
	d.search, d.bit = keep, d.bit+1
	d.status = sbr<<5 | tsb<<6
	if take {
		d.status |= 0x80
	}
}

// flush runs the transaction written since the last 1-wire reset, if no
// read ran it (a Convert T).
func (d *DS2482) flush() {
	if len(d.w) > 0 && !d.ran {
		_ = d.ow.Tx(d.w, nil, onewire.WeakPullup)
	}
	d.w, d.ran, d.nread = d.w[:0], false, 0
}
