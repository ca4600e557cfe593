package console

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// clock is an injected wall clock a test moves by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)} }
func hashOf(t testing.TB, p string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(p), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

const pass = "warm house, cold oil"

// Five wrong passphrases in a row lock the login for five minutes, the
// right one included; after the lock the count starts again.
func TestLoginLockout(t *testing.T) {
	clk := newClock()
	a := NewAuth(hashOf(t, pass), 0, clk.now)
	for i := 1; i < MaxFailures; i++ {
		if err := a.Login("guess"); !errors.Is(err, ErrWrong) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	var le *LockedError
	if err := a.Login("guess"); !errors.As(err, &le) || le.Left != Lockout {
		t.Fatalf("fifth failure: %v", err)
	}
	clk.add(Lockout - time.Second)
	if err := a.Login(pass); !errors.As(err, &le) || le.Left != time.Second {
		t.Fatalf("the right passphrase 1 s before the lock ends: %v", err)
	}
	if in, _ := a.LoggedIn(); in {
		t.Fatal("logged in while locked")
	}
	clk.add(time.Second)
	if err := a.Login("guess"); !errors.Is(err, ErrWrong) {
		t.Fatalf("after the lock: %v, want a plain wrong passphrase (the count starts again)", err)
	}
	if err := a.Login(pass); err != nil {
		t.Fatalf("after the lock, the right one: %v", err)
	}
	if a.Failures() != 0 {
		t.Errorf("%d failures after a login", a.Failures())
	}
}

// A session is logged out once idle for the configured time; each command
// renews it.
func TestIdleLogout(t *testing.T) {
	clk := newClock()
	a := NewAuth(hashOf(t, pass), 15*time.Minute, clk.now)
	if err := a.Login(pass); err != nil {
		t.Fatal(err)
	}
	clk.add(14 * time.Minute)
	a.Touch()
	clk.add(14 * time.Minute)
	if in, idled := a.LoggedIn(); !in || idled {
		t.Fatalf("28 min after login, 14 after a command: in %v idled %v", in, idled)
	}
	clk.add(time.Minute)
	if in, idled := a.LoggedIn(); in || !idled {
		t.Fatalf("15 min idle: in %v idled %v", in, idled)
	}
	if in, idled := a.LoggedIn(); in || idled {
		t.Fatalf("asked again: in %v idled %v (the logout is told once)", in, idled)
	}
}

func TestNoPassphraseConfigured(t *testing.T) {
	a := NewAuth("", 0, time.Now)
	if err := a.Login(""); !errors.Is(err, ErrNoPassphrase) {
		t.Errorf("%v", err)
	}
}

func TestHash(t *testing.T) {
	h, err := Hash(pass)
	if err != nil || !ValidHash(h) || bcrypt.CompareHashAndPassword([]byte(h), []byte(pass)) != nil {
		t.Errorf("Hash: %q %v", h, err)
	}
	if ValidHash("plain text") {
		t.Error("plain text taken for a hash")
	}
}
