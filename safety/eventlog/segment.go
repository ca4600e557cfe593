package eventlog

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Segments are files events-NNNNNN.log in the log's directory, numbered
// from 1 up, never reused: the highest number is the segment being
// written, the lowest the oldest kept. A number past 999999 takes more
// digits. Other files in the directory are left alone.
const (
	segPrefix = "events-"
	segSuffix = ".log"
)

func segName(n uint64) string { return fmt.Sprintf("%s%06d%s", segPrefix, n, segSuffix) }

// segNumber returns the number of the segment named name, or ok false if
// name is not a segment's.
func segNumber(name string) (n uint64, ok bool) {
	digits, ok := strings.CutPrefix(name, segPrefix)
	if !ok {
		return 0, false
	}
	if digits, ok = strings.CutSuffix(digits, segSuffix); !ok || len(digits) < 6 {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n == 0 || segName(n) != name {
		return 0, false
	}
	return n, true
}

// segments returns the numbers of the segments in dir, oldest first.
func segments(dir string) ([]uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var nums []uint64
	for _, ent := range ents {
		if n, ok := segNumber(ent.Name()); ok && ent.Type().IsRegular() {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	return nums, nil
}

func segPath(dir string, n uint64) string { return filepath.Join(dir, segName(n)) }

// syncDir makes the creation or removal of files in dir durable, through
// sync (Options.Sync).
func syncDir(dir string, sync func(*os.File) error) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = sync(d)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
