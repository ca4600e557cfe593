//go:build !linux

package gpioin

import (
	"errors"
	"time"

	"periph.io/x/conn/v3/gpio"

	"hearth/units"
)

// KernelEdges is the GPIO character device's edge source: Linux only.
type KernelEdges struct{}

// NewKernelEdges fails off Linux: there is no GPIO character device.
func NewKernelEdges(chipLabel string, offset int, pull gpio.Pull, edge gpio.Edge, now func() units.Time) (*KernelEdges, error) {
	return nil, errors.New("gpioin: the GPIO character device is Linux's")
}

// Next implements Edges.
func (k *KernelEdges) Next(time.Duration) (Edge, bool, error) {
	return Edge{}, false, errors.New("gpioin: no GPIO character device")
}

// Dropped is how many events came while the queue was full.
func (k *KernelEdges) Dropped() uint64 { return 0 }

// Close releases the line.
func (k *KernelEdges) Close() error { return nil }
