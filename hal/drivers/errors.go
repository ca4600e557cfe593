package drivers

import "errors"

// Errors a constructor wraps, so that `hearth probe` can tell a chip that is
// not there from one that answers wrongly.
var (
	// ErrAbsent: nothing answered at the address (no acknowledge, no
	// presence pulse, no such 1-wire ROM on the bus).
	ErrAbsent = errors.New("device did not answer")
	// ErrWrongChip: something answered, but its identity or its registers'
	// power-on values are not the chip's.
	ErrWrongChip = errors.New("device answered, but is not the expected chip")
)
