// Package gpioin reads the HeatHub's GPIO inputs: the flow meters and the
// dump cooler fan's tachometer as edge counters, the circulators' VDMA 24224
// feedback lines as a 75 Hz PWM decoded into power and alarm, and the leak
// and oil-level loops as debounced levels.
//
// Edges come through the Edges interface, so that the decoding is tested with
// exact timestamps. PinEdges adapts any periph gpio.PinIn; LineEdges (a
// one-line gpioioctl.LineSet) also gets each edge's direction from the
// kernel. Neither gets the kernel's event timestamp or sequence number:
// periph host v3.8.5 reads the kernel's gpio_v2_line_event (timestamp_ns,
// seqno, line_seqno) and drops them, so an Edge is stamped with the
// controller's clock when the reading goroutine wakes, and its Seq is
// counted here. A source that has real sequence numbers (a future one on
// the character device) reports gaps through Seq, and they are counted.
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
