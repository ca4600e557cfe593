package board

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// DefaultLock is the lock every opener of a hub's chips holds: the daemon,
// `hearth probe` and `hearth drive`. Opening a board writes its chips (the
// PCA9685's channels off, the MCP23017's latches open): a probe run beside
// the daemon would open every contactor under it.
const DefaultLock = "/run/hearth/board.lock"

// ErrLocked is returned when another process holds the board.
var ErrLocked = errors.New("the board is held by another process")

// Lock takes the board's lock at path (an advisory flock, released when
// the process dies, however it dies). It fails at once, naming the holder's
// pid, when another process holds it.
func Lock(path string) (release func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if errors.Is(err, os.ErrPermission) {
		// Left by another user (root's `hearth probe` before the daemon
		// started): a lock is taken on a read-only descriptor as well.
		f, err = os.Open(path)
	}
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w (pid %s): stop it first (systemctl stop hearth)", path, ErrLocked, strings.TrimSpace(string(b)))
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() { f.Close() }, nil
}
