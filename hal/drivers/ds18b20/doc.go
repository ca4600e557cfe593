// Package ds18b20 reads DS18B20 temperature probes on a 1-wire bus (periph's
// onewire.Bus: a DS2482 I2C master, OpenDS2482, or the kernel's w1 through
// netlink, OpenKernelW1), all converting at once and read later, so that no
// call waits on a conversion.
//
// It speaks the DS18B20's protocol itself rather than through periph's
// devices/ds18b20, whose New copies the scratchpad to EEPROM when the stored
// resolution differs (wearing it at every start) and whose Sense sleeps
// through the 750 ms conversion.
//
// # The round
//
// A Bus runs one state machine for all its probes, advanced under its lock by
// every call of a probe's Temperature, which then returns that probe's latest
// finished sample:
//
//   - no conversion in flight: Skip ROM (0xCC), Convert T (0x44) to every
//     probe at once, ending on the strong pull-up if Options.StrongPullup,
//     and the time is noted (after the transaction, when the conversion has
//     begun);
//   - in flight, and less than the datasheet's conversion time (750 ms at 12
//     bits, halved for each bit less: 93.75 ms at 9) plus Options.Margin
//     since: nothing touches the bus (the strong pull-up may be powering the
//     conversion). Two calls in that time issue no transaction;
//   - in flight and that time past: for each probe in turn, Match ROM (0x55)
//     with its ROM, Read Scratchpad (0xBE), nine bytes; each is judged and
//     published; then the next conversion starts.
//
// A round's cost is bounded by its transactions, one per probe and one for
// the conversion; the calls in between cost a clock read. If the calls stop,
// so do the rounds: the next call reads the conversion started long ago.
//
// # Timestamps
//
// Every sample a round publishes is stamped with the time its conversion was
// started, not the time it was read. The conversion samples the temperature
// from then on, and it is read at the first call after it has had its time,
// which may be long after if the caller was held up: stamping the read would
// make an old measurement look fresh, and the safety layer judges staleness
// by At alone. A sample is thus never younger than its measurement; it is
// older by at most the conversion time. A failed Convert T stamps StatusBus on
// every probe at the time of the attempt, and the next attempt waits as long
// as a conversion would, so a dead bus is not hammered on every call.
//
// # Statuses
//
// A read that fails, or whose scratchpad is not believed, keeps the probe's
// previous Value with the new Status and At:
//
//   - StatusBus: the transaction failed (an error of the 1-wire line affects
//     that probe; one of the bus master itself abandons the round, every
//     probe not yet read gets StatusBus, and the next try waits), or the
//     scratchpad reads all zeros (the line held low; such a scratchpad
//     passes its CRC, so it is caught first);
//   - StatusMissing: no presence pulse, or a scratchpad of all ones (nothing
//     answered the Match ROM: the probe is gone); also every probe's status
//     before its first round;
//   - StatusCRC: the scratchpad fails its CRC-8 (Dallas/Maxim);
//   - StatusPowerOn: the power-on value, not a measurement (below);
//   - StatusRange: outside the DS18B20's -55..125 C.
//
// # The power-on value
//
// A DS18B20 powers up with 85.0 C (0x0550) in its scratchpad and keeps it
// until its first conversion ends; a probe that browns out between our
// Convert T and our read, or a parasite-powered one short of power, hands
// it back as if measured. 85.0 C is a real temperature for oil, so the rule
// is: a reading of exactly 85.0 C is StatusOK only if the probe's previous
// sample was StatusOK and within PowerOnBand (2 K) of 85.0 C; otherwise
// (no previous sample, as at the first read after NewBus; a previous
// failure, which may have been a power loss; a previous value far away) it
// is StatusPowerOn. A probe that truly sits at 85.0 C from its start reads
// StatusPowerOn until its reading moves by one step. An 85.0 C that follows
// an OK sample near it is indistinguishable from a measurement, unless the
// resolution tells (next).
//
// # Resolution, without EEPROM writes
//
// The resolution lives in the configuration register, which a probe loads
// from its EEPROM at power-on. NewBus reads each scratchpad and, only where
// the resolution differs from Options.Resolution, writes it with Write
// Scratchpad (0x4E: TH and TL as read, and the configuration); it never
// issues Copy Scratchpad (0x48), so the EEPROM is never written and keeps
// whatever it holds. The setting is thus lost at every power-on of the
// probe, and each round checks it: a scratchpad whose resolution is not the
// one set belongs to a probe that has been through a power-on since (its
// reading may be the power-on value, or a conversion at the EEPROM's longer
// resolution not yet done), so it is StatusPowerOn and the configuration
// is written again before the next conversion. With a resolution equal to
// the EEPROM's (12 bits, the factory setting) this witness is blind, and
// only the 85.0 C rule above remains.
//
// # Presence
//
// NewBus reads every probe's scratchpad: a probe that does not answer (all
// ones, all zeros, no presence pulse) does not stop the others: the Bus is
// returned with an error wrapping drivers.ErrAbsent naming each such ROM,
// and those probes read StatusMissing, and are read at every round in case
// they come back.
//
// # Bus masters
//
// OpenDS2482 checks that its I2C address is a DS2482's (0x18..0x1F; periph's
// ds248x.New takes 0x20 and 0x21, which are an MCP23017's, and refuses
// 0x1A..0x1F, which are a DS2482-800's), and creates periph's ds248x device
// again after a persistent error. OpenKernelW1 opens the kernel's w1 master
// through netlink, which cannot hold a strong pull-up (powered probes only).
//
// ROMs are written in the kernel's form, "28-0000012345ab" (ParseROM,
// FormatROM).
package ds18b20
