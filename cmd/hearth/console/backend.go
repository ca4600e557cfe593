package console

import (
	"time"

	"hearth/control"
	"hearth/core/livetune"
	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

// Snapshot is what the console reads of the daemon: the last tick's
// inputs, outputs and safety status, and what the console's own requests
// have set. The daemon copies it after every tick; the console reads a
// copy, so the tick never waits for the console.
type Snapshot struct {
	Ticks   uint64     // ticks so far (0: none yet)
	Wall    time.Time  // when the tick ran
	In      hal.Inputs // the inputs the core saw (calibration applied)
	Wish    hal.Outputs
	Out     hal.Outputs // safety's last word: what was written
	St      safety.Status
	Console Hand // what the console's requests set, as the tick holds it
	Tick    TickFigures
	Tune    livetune.Status // the live tuning session (tune start)
}

// Hand is what an engineer set from the console, as the tick holds it.
type Hand struct {
	Override    hal.Override
	Until       [hal.NumOutputs]units.Time // when each override expires
	Held        uint32                     // bit per overridden output that safety did not let through as asked
	Maintenance bool
	Calibration [hal.NumTemps]units.Kelvin
	// TuneSeq counts the tune requests the tick took; TuneErr is why the
	// last was refused ("" when taken).
	TuneSeq uint32
	TuneErr string
}

// TickFigures are the loop's health figures.
type TickFigures struct {
	Overruns    uint64
	Late        uint64
	JitterP99Ms float64
	EventsLost  uint64
}

// ReqKind is what a request asks of the tick.
type ReqKind uint8

// Requests.
const (
	ReqReset         ReqKind = iota + 1 // one press of the reset button
	ReqMaintenance                      // On: the engineer's maintenance hold
	ReqOverride                         // Out to Value for For
	ReqClearOverride                    // Out (or every override, with All)
	ReqCalibrate                        // Sensor's offset to Offset
	ReqTune                             // Tune on Loop: a live tuning session
)

// TuneOp is what a ReqTune asks.
type TuneOp uint8

// Tune requests.
const (
	TuneStart TuneOp = iota + 1 // a session on Loop
	TuneAbort                   // the running session
	TuneApply                   // the last session's gains into the running controller
)

// Request is one request to the tick. The tick takes it at its next start
// and the safety layer judges its effect as it judges everything.
type Request struct {
	Kind   ReqKind
	On     bool
	All    bool
	Out    hal.Output
	Value  float64
	For    units.Duration
	Sensor hal.TempID
	Offset units.Kelvin
	Tune   TuneOp
	Loop   control.Loop
}

// Event is one record of the event log.
type Event struct {
	Wall  time.Time `json:"time"`
	Kind  string    `json:"kind"`
	Cause string    `json:"cause,omitempty"`
	Msg   string    `json:"msg"`
}

// Backend is the daemon as the console sees it.
type Backend interface {
	// Snapshot copies the last tick's view into s.
	Snapshot(s *Snapshot)
	// Submit queues a request for the tick; it never blocks, and fails
	// when the queue is full.
	Submit(r Request) error
	// Note writes a privileged action to the event log (kind: one of the
	// event log's kinds: override, reset, config, info).
	Note(kind, msg string)
	// Events returns the last n records of the event log, oldest first.
	Events(n int) ([]Event, error)
	// SafetyConfig is the safety layer's configuration in force.
	SafetyConfig() *safety.Config
	// ModuleIDs are the modules' ids, in slot order.
	ModuleIDs() []uint32
	// Config is the configuration file as the console edits it.
	Config() ConfigEditor
	// Version says what is running.
	Version() string
	// Restart asks for a controlled shutdown, after which the service
	// manager starts the daemon again (the unit's Restart=always).
	Restart() error
}

// ConfigEditor stages changes to the configuration file and commits them.
type ConfigEditor interface {
	// Show returns the configuration in force as TOML, with the keys
	// under prefix only (every key when prefix is "").
	Show(prefix string) string
	// Keys lists every key a set may name.
	Keys() []string
	// Set stages key = value, checked with the same bounds as the file;
	// it returns the value it replaces.
	Set(key, value string) (old string, err error)
	// Pending lists the staged changes, as "key = value".
	Pending() []string
	// Commit writes the staged changes to the file, atomically and
	// durably, and returns the file's path.
	Commit() (string, error)
	// Committed lists what was committed since the start: effective at
	// the next.
	Committed() []string
}
