package board

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLockHeldElsewhere: a second process cannot take the board while the
// first holds it, and is told who holds it; once released, it can.
func TestLockHeldElsewhere(t *testing.T) {
	if os.Getenv("BOARD_LOCK_CHILD") != "" {
		_, err := Lock(os.Getenv("BOARD_LOCK_CHILD"))
		if err == nil {
			os.Exit(0)
		}
		os.Stderr.WriteString(err.Error())
		if errors.Is(err, ErrLocked) {
			os.Exit(3)
		}
		os.Exit(4)
	}
	path := filepath.Join(t.TempDir(), "run", "board.lock")
	release, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	child := func() (int, string) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLockHeldElsewhere$")
		cmd.Env = append(os.Environ(), "BOARD_LOCK_CHILD="+path)
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}
	code, out := child()
	if code != 3 || !strings.Contains(out, "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("while held: exit %d, %q", code, out)
	}
	release()
	if code, out := child(); code != 0 {
		t.Fatalf("after release: exit %d, %q", code, out)
	}
}
