// Package console is the field engineer's serial console: a line editor
// that works with picocom and minicom at their defaults (it echoes; Enter
// may be CR, LF or CRLF; backspace and DEL erase; Ctrl-C abandons the
// line), a command parser, the engineer's login, the commands, and the
// serial transport that reopens an adapter unplugged and plugged back.
//
// It runs apart from the tick: it reads the daemon through a Backend (a
// snapshot of the last tick, and a bounded queue of requests the tick
// takes when it is ready), so a stalled or flooded console cannot delay a
// tick, and everything it asks still passes the safety layer.
package console

// MaxLine is the longest line the editor keeps; a longer one is dropped
// whole, with one answer when it ends.
const MaxLine = 256

// Action is what a byte fed to the editor completed.
type Action uint8

// Actions.
const (
	None     Action = iota // nothing to do yet
	Line                   // a line was entered: Editor.Text
	Abandon                // Ctrl-C: the line was dropped
	TooLong                // a line over MaxLine ended: dropped
	Complete               // Tab or '?': complete or help the word being typed (Editor.Text is the line so far)
	Redraw                 // Ctrl-L: draw the prompt and the line again
)

// Editor is a line editor over a byte stream. It keeps no more than
// MaxLine bytes, allocates nothing per byte, and drops what a terminal
// line cannot hold: NULs (a BREAK reads as one in raw mode), other control
// bytes, bytes above 0x7e (line noise, UTF-8 the commands never need) and
// escape sequences (arrow keys). Echo goes to the slice the caller gives.
type Editor struct {
	buf      [MaxLine]byte
	n        int
	overflow bool // the line passed MaxLine: dropped until it ends
	lastCR   bool // the last byte was CR: an LF after it is not a second Enter
	esc      uint8
	escN     int
	// Secret: echo nothing (a passphrase) and take '?' and Tab as text.
	Secret bool
	text   string
}

const (
	escNone = iota
	escStart
	escCSI
	escSS3
)

// maxEsc bounds an escape sequence: a longer one is noise, and ends.
const maxEsc = 16

// Text returns the line the last Line or Complete action carried.
func (e *Editor) Text() string { return e.text }

// Buffer returns the line typed so far.
func (e *Editor) Buffer() string { return string(e.buf[:e.n]) }

// Reset drops the line typed so far.
func (e *Editor) Reset() { e.n, e.overflow, e.esc = 0, false, escNone }

// Feed takes one byte, appends its echo to echo, and returns what it
// completed.
func (e *Editor) Feed(b byte, echo []byte) (Action, []byte) {
	cr := e.lastCR
	e.lastCR = b == '\r'
	if e.esc != escNone {
		if b >= 0x20 && b != 0x7f {
			e.escape(b)
			return None, echo
		}
		e.esc = escNone // a control byte ends a sequence and is itself: Enter, Ctrl-C
	}
	switch {
	case b == '\r' || b == '\n':
		if b == '\n' && cr {
			return None, echo // CRLF: one Enter
		}
		return e.enter(echo)
	case b == 0x7f || b == 0x08: // DEL, backspace
		if e.n > 0 && !e.overflow {
			e.n--
			if !e.Secret {
				echo = append(echo, "\b \b"...)
			}
		}
		return None, echo
	case b == 0x03: // Ctrl-C
		e.Reset()
		return Abandon, append(echo, "^C\r\n"...)
	case b == 0x15: // Ctrl-U: erase the line
		for ; e.n > 0 && !e.Secret; e.n-- {
			echo = append(echo, "\b \b"...)
		}
		e.n = 0
		return None, echo
	case b == 0x0c: // Ctrl-L
		return Redraw, echo
	case b == 0x1b:
		e.esc, e.escN = escStart, 0
		return None, echo
	case (b == '\t' || b == '?') && !e.Secret && !e.overflow:
		e.text = string(e.buf[:e.n])
		return Complete, echo
	case (b < 0x20 && !(e.Secret && b == '\t')) || b > 0x7e:
		return None, echo
	}
	if e.n == MaxLine || e.overflow {
		e.overflow = true
		return None, echo
	}
	e.buf[e.n] = b
	e.n++
	if !e.Secret {
		echo = append(echo, b)
	}
	return None, echo
}

func (e *Editor) enter(echo []byte) (Action, []byte) {
	echo = append(echo, "\r\n"...)
	if e.overflow {
		e.Reset()
		return TooLong, echo
	}
	e.text = string(e.buf[:e.n])
	e.n = 0
	return Line, echo
}

// escape swallows an escape sequence: ESC [ parameters final, ESC O x, or
// ESC x.
func (e *Editor) escape(b byte) {
	e.escN++
	switch e.esc {
	case escStart:
		switch b {
		case '[':
			e.esc = escCSI
		case 'O':
			e.esc = escSS3
		default:
			e.esc = escNone
		}
	case escSS3:
		e.esc = escNone
	case escCSI:
		if b >= 0x40 && b <= 0x7e {
			e.esc = escNone
		}
	}
	if e.escN >= maxEsc {
		e.esc = escNone
	}
}
