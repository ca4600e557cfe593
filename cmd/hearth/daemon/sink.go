package daemon

import (
	"time"

	"hearth/safety/eventlog"
)

// eventSink writes the daemon's events to the persistent event log.
type eventSink struct{ l *eventlog.Log }

func (s eventSink) Append(kind, cause, msg string, wall time.Time) error {
	k, err := eventlog.ParseKind(kind)
	if err != nil {
		return err
	}
	_, err = s.l.Append(eventlog.Event{Wall: wall, Kind: k, Cause: cause, Msg: msg})
	return err
}

func (s eventSink) Sync() error  { return s.l.Sync() }
func (s eventSink) Close() error { return s.l.Close() }
