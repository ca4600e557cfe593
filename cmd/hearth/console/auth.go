package console

import (
	"errors"
	"strconv"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// The engineer's login: MaxFailures wrong passphrases in a row lock it for
// Lockout; a session idle for the configured time is logged out.
const (
	MaxFailures = 5
	Lockout     = 5 * time.Minute
	// DefaultIdle is the idle logout's default.
	DefaultIdle = 15 * time.Minute
)

// Auth is the engineer level of one console. Its clock is injected.
type Auth struct {
	hash     []byte
	idle     time.Duration
	now      func() time.Time
	failures int
	until    time.Time // locked until
	in       bool
	last     time.Time // the last command of a logged-in session
}

// NewAuth returns the login for a bcrypt hash (empty: engineer commands
// are disabled), logging out after idle.
func NewAuth(hash string, idle time.Duration, now func() time.Time) *Auth {
	if idle <= 0 {
		idle = DefaultIdle
	}
	return &Auth{hash: []byte(hash), idle: idle, now: now}
}

// Errors of Login.
var (
	ErrNoPassphrase = errors.New("no engineer passphrase is configured: engineer commands (reset among them) are disabled; " +
		"hearth config passphrase makes the console.passphrase_hash line for the configuration file, then restart hearth")
	ErrWrong = errors.New("wrong passphrase")
)

// LockedError says how long the login stays locked.
type LockedError struct{ Left time.Duration }

func (e *LockedError) Error() string {
	return "login locked after " + strconv.Itoa(MaxFailures) + " wrong passphrases: try again in " +
		e.Left.Round(time.Second).String()
}

// Login checks a passphrase. A locked login is refused without looking at
// it; the fifth failure in a row locks it.
func (a *Auth) Login(pass string) error {
	now := a.now()
	if now.Before(a.until) {
		return &LockedError{Left: a.until.Sub(now)}
	}
	if len(a.hash) == 0 {
		return ErrNoPassphrase
	}
	if err := bcrypt.CompareHashAndPassword(a.hash, []byte(pass)); err != nil {
		a.failures++
		if a.failures >= MaxFailures {
			a.failures = 0
			a.until = now.Add(Lockout)
			return &LockedError{Left: Lockout}
		}
		return ErrWrong
	}
	a.failures, a.in, a.last = 0, true, now
	return nil
}

// Configured reports whether an engineer's passphrase is configured.
func (a *Auth) Configured() bool { return len(a.hash) > 0 }

// Failures returns the wrong passphrases in a row so far.
func (a *Auth) Failures() int { return a.failures }

// LoggedIn reports whether an engineer is logged in, and logs out a session
// idle too long (idled is true on that call only).
func (a *Auth) LoggedIn() (in, idled bool) {
	if a.in && a.now().Sub(a.last) >= a.idle {
		a.in = false
		return false, true
	}
	return a.in, false
}

// Touch marks a command of the logged-in session.
func (a *Auth) Touch() {
	if a.in {
		a.last = a.now()
	}
}

// Logout ends the session.
func (a *Auth) Logout() { a.in = false }

// Idle returns the idle logout's time.
func (a *Auth) Idle() time.Duration { return a.idle }

// Hash returns the bcrypt hash of a passphrase, for the configuration.
func Hash(pass string) (string, error) {
	if len(pass) < 8 {
		return "", errors.New("a passphrase of at least 8 characters, please")
	}
	if len(pass) > 72 {
		return "", errors.New("bcrypt reads at most 72 bytes of a passphrase: a shorter one, please")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.DefaultCost)
	return string(h), err
}

// ValidHash reports whether h is a bcrypt hash.
func ValidHash(h string) bool {
	_, err := bcrypt.Cost([]byte(h))
	return err == nil
}
