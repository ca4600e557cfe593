package daemon

import (
	"context"
	"fmt"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"hearth/hal"
	"hearth/safety"
)

// evKind is what happened, as the tick saw it. The tick sends small fixed
// records (no formatting, no allocation); the event goroutine writes them
// to the event log and the journal.
type evKind uint8

const (
	evBoot        evKind = iota // the daemon started; a: 1 if the store could not be read, b: 1 if latched
	evState                     // the safety state changed; a: from, b: to
	evTrip                      // a trip latched; a: cause, b: witness
	evReset                     // the latch was reset
	evUntrusted                 // a: bits of channels no longer believed
	evTrusted                   // a: bits of channels believed again
	evAlarm                     // a: alarm bits raised
	evOverrun                   // n: ticks missed
	evPersistErr                // a trip record could not be saved; err says why
	evWriteErr                  // an output could not be written; err says why; n: failed ticks so far
	evKickErr                   // the watchdog could not be kicked; err says why; n: failed kicks so far
	evStopBegin                 // a controlled shutdown began; a: the signal
	evStopDone                  // every output is de-energised; a: 1 if the modules' time ran out
	evCut                       // outputs cut at once; a: why (cutSignal, cutPanic)
	evConfig                    // the configuration in force; text is its summary
	evInfo                      // text says what
	evHardware                  // a board fault off the tick: a channel missing at start, a chip found reset; text says what
	evOverrideEnd               // an override ended; a: the output, b: why (endExpired; endTrip: every override)
	evConsole                   // an engineer's action at the console; tag is its event log kind, text says what
)

const (
	cutSignal = iota + 1
	cutPanic
)

type event struct {
	kind evKind
	wall time.Time
	a, b uint32
	n    uint64
	err  error  // the error behind a fault event (already made: no allocation on the tick)
	text string // set only off the tick (boot, config, console)
	tag  string // evConsole: the event log's kind
}

// Sink is where events end up: the persistent event log.
type Sink interface {
	// Append writes one event; safety events are durable when it returns.
	Append(kind, cause, msg string, wall time.Time) error
	Sync() error
	Close() error
}

// events carries the tick's events to their writer without ever blocking
// the tick: when the queue is full an event is dropped, and counted.
type events struct {
	q       chan event
	sink    Sink
	log     zerolog.Logger
	logged  atomic.Uint64
	dropped atomic.Uint64
	once    sync.Once
	done    chan struct{}
}

func newEvents(sink Sink, log zerolog.Logger) *events {
	return &events{q: make(chan event, 256), sink: sink, log: log, done: make(chan struct{})}
}

// send queues e; it never blocks.
func (e *events) send(ev event) {
	select {
	case e.q <- ev:
	default:
		e.dropped.Add(1)
	}
}

// run writes queued events until ctx ends, then drains the queue.
func (e *events) run(ctx context.Context) {
	defer close(e.done)
	for {
		select {
		case ev := <-e.q:
			e.write(ev)
		case <-ctx.Done():
			for {
				select {
				case ev := <-e.q:
					e.write(ev)
				default:
					return
				}
			}
		}
	}
}

// flush waits for the writer to drain after its context ended, then syncs
// and closes the log.
func (e *events) flush() {
	e.once.Do(func() {
		<-e.done
		if err := e.sink.Sync(); err != nil {
			e.log.Error().Err(err).Msg("event log: sync failed")
		}
		if err := e.sink.Close(); err != nil {
			e.log.Error().Err(err).Msg("event log: close failed")
		}
	})
}

func (e *events) write(ev event) {
	kind, cause, msg := describe(ev)
	lv := zerolog.InfoLevel
	switch kind {
	case "trip", "fault":
		lv = zerolog.WarnLevel
	}
	e.log.WithLevel(lv).Str("event", kind).Str("cause", cause).Msg(msg)
	if err := e.sink.Append(kind, cause, msg, ev.wall); err != nil {
		e.log.Error().Err(err).Str("event", kind).Msg("event log: append failed")
		return
	}
	e.logged.Add(1)
}

// describe turns an event into the event log's kind, cause and message.
func describe(ev event) (kind, cause, msg string) {
	switch ev.kind {
	case evBoot:
		msg = "hearth run started"
		if ev.a == 1 {
			msg += "; the trip store could not be read: starting latched (fail safe)"
		} else if ev.b == 1 {
			msg += "; a latched trip was restored from the trip store"
		}
		return "start", "", msg + ev.text
	case evState:
		return "info", "", fmt.Sprintf("safety state %s -> %s", safety.State(ev.a), safety.State(ev.b))
	case evTrip:
		return "trip", safety.Cause(ev.a).String(), "trip latched, witness " + safety.Witness(ev.b).String()
	case evReset:
		return "reset", "", "latched trip reset"
	case evUntrusted:
		return "fault", "", "not believed: " + channels(ev.a)
	case evTrusted:
		return "clear", "", "believed again: " + channels(ev.a)
	case evAlarm:
		return "fault", causes(ev.a), "alarm raised"
	case evOverrun:
		return "overrun", "", fmt.Sprintf("tick overrun: %d deadlines missed", ev.n)
	case evPersistErr:
		return "fault", "", "the trip record could not be saved; asked again next tick: " + errText(ev.err)
	case evWriteErr:
		return "fault", "", fmt.Sprintf("an output write failed (%d ticks so far): %s", ev.n, errText(ev.err))
	case evKickErr:
		return "fault", "", fmt.Sprintf("the watchdog kick failed (%d so far): %s", ev.n, errText(ev.err))
	case evStopBegin:
		if ev.a == 0 {
			return "stop", "", "controlled shutdown begun (restart asked at the console): modules shut down gracefully"
		}
		return "stop", "", fmt.Sprintf("controlled shutdown begun (signal %d): modules shut down gracefully", ev.a)
	case evStopDone:
		msg = "controlled shutdown done: modules down, outputs de-energised"
		if ev.a == 1 {
			msg = "controlled shutdown: the modules' time ran out, modules cut, outputs de-energised"
		}
		return "stop", "", msg
	case evCut:
		if ev.a == cutPanic {
			return "stop", "internal", "the tick panicked: modules cut, outputs de-energised: " + ev.text
		}
		return "stop", "cut", "second signal: modules cut, outputs de-energised at once"
	case evConfig:
		return "config", "", ev.text
	case evInfo:
		return "info", "", ev.text
	case evHardware:
		return "fault", "", ev.text
	case evOverrideEnd:
		if ev.b == endTrip {
			return "override", "", "every override ended: a trip latched, safety has the outputs"
		}
		return "override", "", "override of " + hal.Output(ev.a).String() + " expired: control has it again"
	case evConsole:
		return ev.tag, "", ev.text
	}
	return "info", "", fmt.Sprintf("event %d", ev.kind)
}

func channels(b uint32) string {
	return names(b, ", ", func(i int) string { return hal.Channel(i).String() })
}

func causes(b uint32) string {
	return names(b, ",", func(i int) string { return safety.Cause(i).String() })
}

// names lists the name of every bit set in b.
func names(b uint32, sep string, name func(int) string) string {
	s := ""
	for b != 0 {
		i := bits.TrailingZeros32(b)
		b &^= 1 << i
		if s != "" {
			s += sep
		}
		s += name(i)
	}
	return s
}

func errText(err error) string {
	if err == nil {
		return "unknown"
	}
	return err.Error()
}
