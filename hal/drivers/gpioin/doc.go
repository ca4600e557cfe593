// Package gpioin reads the HeatHub's GPIO inputs: the flow meters and the
// dump cooler fan's tachometer as edge counters, the circulators' VDMA 24224
// feedback lines as a 75 Hz PWM decoded into power and alarm, and the leak
// and oil-level loops as debounced levels.
//
// Edges come through the Edges interface, so that the decoding is tested with
// exact timestamps. On the Pi, KernelEdges (Linux) requests the line on the
// GPIO character device through go-gpiocdev and keeps the kernel's own
// timestamp (CLOCK_MONOTONIC) and sequence number of each edge: an edge is
// stamped when the kernel saw it, so a reader that wakes late on a loaded
// Pi does not bunch the edges queued meanwhile (which would read as
// impossibly short intervals), and a gap in the sequence is edges lost.
// periph's gpioioctl (host v3.8.5) reads the same kernel event and drops
// both, which is why the edges do not go through it. PinEdges adapts any
// periph gpio.PinIn (the tests' gpiotest.Pin), stamping on waking and
// counting Seq itself.
//
// Chips are found by label (OpenChip, Line), never by number: the Pi 5's
// gpiochip numbers moved with kernel 6.6.45 and again later. Labels are
// "pinctrl-bcm2711" on a Pi 4 and "pinctrl-rp1" on a Pi 5. /sys/class/gpio
// is deprecated and not used.
//
// Every reader's accessor (Flow, Speed, Feedback, Leak) returns at once; the
// counting is done by a Run goroutine whose every wait is bounded, so it
// ends soon after its context does.
package gpioin
