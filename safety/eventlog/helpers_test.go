package eventlog

import (
	"fmt"
	"strings"
	"time"
)

var base = time.Date(2026, 12, 1, 21, 56, 36, 123_000_000, time.UTC)

// ev returns the event the tests append as seq: its content follows from
// seq, so a record read back can be checked whole. One in four is a safety
// kind.
func ev(seq uint64) Event {
	kinds := [8]Kind{KindTrip, KindInfo, KindOverrun, KindInfo, KindFault, KindInfo, KindClear, KindInfo}
	return Event{
		Wall:  base.Add(time.Duration(seq) * time.Second),
		Kind:  kinds[seq%8],
		Cause: fmt.Sprintf("cause_%d", seq%7),
		Msg:   strings.Repeat("m", int(seq*37%200)) + fmt.Sprint(seq),
	}
}

// same reports whether e is ev(seq) as read back.
func same(e Event, seq uint64) bool {
	w := ev(seq)
	return e.Seq == seq && e.Wall.Equal(w.Wall) && e.Kind == w.Kind && e.Cause == w.Cause && e.Msg == w.Msg
}
