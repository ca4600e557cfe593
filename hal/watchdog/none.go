package watchdog

import "time"

// none is kind none: it arms nothing.
type none struct{}

func (none) Kick() error            { return nil }
func (none) Close(bool) error       { return nil }
func (none) Timeout() time.Duration { return 0 }
func (none) Kind() string           { return KindNone }
func (none) Emulated() bool         { return false }
func (none) String() string         { return "none: no watchdog is armed" }
