package eventlog

import "fmt"

// Kind says what an event is, and whether appending it waits for the SD
// card (Safety). The values are written to disk: append only, never
// renumber.
type Kind uint8

// Kinds. The zero Kind is not a kind: Append refuses it, so that an Event
// left half filled in is an error and not a record.
const (
	KindStart    Kind = iota + 1 // the daemon started
	KindStop                     // controlled shutdown
	KindTrip                     // the safety layer latched a trip
	KindReset                    // an engineer reset a trip
	KindFault                    // a channel, device or module faulted
	KindClear                    // a fault cleared
	KindOverride                 // an engineer overrode a command or a protection
	KindConfig                   // the configuration changed
	KindWatchdog                 // the hardware watchdog fired, or its feed failed
	KindOverrun                  // a tick overran its period
	KindInfo                     // anything else worth keeping
	numKinds
)

var kindNames = [numKinds]string{"", "start", "stop", "trip", "reset", "fault", "clear",
	"override", "config", "watchdog", "overrun", "info"}

// String returns the kind's name, as `hearth log` prints it, or "kind(N)"
// for a value this version does not know (a record from a newer daemon).
func (k Kind) String() string {
	if k.Valid() {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool { return k > 0 && k < numKinds }

// ParseKind returns the kind named s, the inverse of String.
func ParseKind(s string) (Kind, error) {
	for k := KindStart; k < numKinds; k++ {
		if kindNames[k] == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("eventlog: unknown event kind %q", s)
}

// Safety reports whether an event of kind k is a safety event: Append
// fsyncs the log before it returns one, so that it survives a power cut
// that follows. Trips, resets, controlled shutdowns, faults and the
// watchdog are, as the issue asks; so are overrides and configuration
// changes, because they change what protects the plant and are rare. A
// start, a clear, an overrun and info are not: they reach the card at the
// next safety event, Sync or Close, and a power cut may lose the latest of
// them. A tick overrun is the last thing that should wait for the card.
func (k Kind) Safety() bool {
	switch k {
	case KindStop, KindTrip, KindReset, KindFault, KindOverride, KindConfig, KindWatchdog:
		return true
	}
	return false
}
