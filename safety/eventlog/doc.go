// Package eventlog keeps the daemon's persistent log of events on the Pi's
// SD card: trips, faults, resets, overrides, configuration changes, starts
// and shutdowns, for the engineer who comes to look (`hearth log`).
//
// It is an edge package, like safety/tripstore: file I/O and nothing else.
// The log is not what latches a trip (tripstore is); it is the history.
//
// The log is a directory of segment files, events-000001.log and up, each a
// run of framed records (docs/eventlog.md has the format byte by byte). A
// record carries its length, a CRC-32C and a magic that text cannot hold.
//
//	l, err := eventlog.Open(dir, eventlog.Options{})
//	seq, err := l.Append(eventlog.Event{Kind: eventlog.KindTrip, Cause: "oil_in_high", Msg: "58.5 C"})
//	err = l.Close()
//
//	err = eventlog.ReadDir(dir, since, func(e eventlog.Event) error { ... })
//
// The rules:
//
//   - Append only. Append assigns each record its seq, one more than the
//     last on disk: strictly increasing across segments and restarts.
//   - Fsync: Append of a safety kind (Kind.Safety: trip, reset, stop, fault,
//     watchdog, override, config) returns once the record and all before it
//     are fsynced. Other kinds are written but not fsynced: a crash of the
//     process keeps them, a power cut may lose the latest of them. Sync
//     and Close fsync them; the caller who wants one durable now calls Sync.
//   - Rotation: a record that would take the segment past
//     Options.SegmentBytes (1 MiB) starts the next segment, after the full
//     one is fsynced; the oldest beyond Options.Segments (8) are deleted.
//     The directory is fsynced after each creation and deletion. The log
//     holds at most Segments*SegmentBytes, a little more if SegmentBytes is
//     below the size of one record.
//   - Torn tail: Open scans the newest segment and cuts it, fsynced, after
//     its last valid record; Stats.TornBytes says how much went. New
//     records follow the last valid one.
//   - Garbled records: a reader (ReadDir, and Open in the newest segment)
//     passes over a record that is not valid and resumes at the next magic
//     that starts a valid record, so garbling costs the garbled records
//     only and the rest of the segment is read. ReadDirStats counts what
//     was passed over.
//
// A Log is not safe for concurrent use: the daemon gives it a goroutine of
// its own, so that the 10 Hz tick never waits on the card. One process at a
// time writes a directory (nothing enforces it); any number may read it
// with ReadDir while it writes.
package eventlog
