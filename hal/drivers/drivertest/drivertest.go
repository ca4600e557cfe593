// Package drivertest holds what the I2C drivers' byte-for-byte tests share:
// periph's i2ctest.Playback, with chosen transactions failing as a chip
// that does not acknowledge fails them.
package drivertest

import (
	"errors"
	"testing"

	"periph.io/x/conn/v3/i2c/i2ctest"
)

// ErrNACK is the error a failed transaction returns.
var ErrNACK = errors.New("i2c: no acknowledge")

// FaultBus plays Ops back and fails the transactions whose index is in
// Fail, after checking their bytes like the others.
type FaultBus struct {
	i2ctest.Playback
	Fail map[int]bool
}

// Tx implements i2c.Bus.
func (b *FaultBus) Tx(a uint16, w, r []byte) error {
	fail := b.Fail[b.Count]
	if err := b.Playback.Tx(a, w, r); err != nil {
		return err
	}
	if fail {
		return ErrNACK
	}
	return nil
}

// NewBus plays ops, failing those at the indexes fail.
func NewBus(ops []i2ctest.IO, fail ...int) *FaultBus {
	b := &FaultBus{Playback: i2ctest.Playback{Ops: ops, DontPanic: true}, Fail: map[int]bool{}}
	for _, i := range fail {
		b.Fail[i] = true
	}
	return b
}

// Done fails t unless every op was played, and no other.
func Done(t *testing.T, b *FaultBus) {
	t.Helper()
	if err := b.Close(); err != nil {
		t.Error(err)
	}
}
