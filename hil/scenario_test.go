package hil

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"hearth/units"
)

// Every scenario file, built-in or in testdata, loads as it did when its
// durations were read by time.ParseDuration: each duration field holds the
// nanoseconds time.ParseDuration gives for the text in the file.
func TestScenarioDurationsLoadAsBefore(t *testing.T) {
	files, _ := fs.Glob(builtinFS, "scenarios/*.toml")
	var datas [][]byte
	for _, n := range files {
		b, err := builtinFS.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		datas = append(datas, b)
	}
	more, _ := filepath.Glob("testdata/*.toml")
	for _, n := range more {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files, datas = append(files, n), append(datas, b)
	}
	checked := 0
	for i, data := range datas {
		s, err := ParseScenario(data, files[i])
		if err != nil {
			t.Fatalf("%s: %v", files[i], err)
		}
		var raw map[string]any
		if _, err := toml.Decode(string(data), &raw); err != nil {
			t.Fatal(err)
		}
		checked += sameDurations(t, files[i], reflect.ValueOf(s).Elem(), raw)
	}
	t.Logf("%d durations checked in %d files", checked, len(files))
	if checked < 100 {
		t.Errorf("%d durations checked in %d files: the walk missed them", checked, len(files))
	}
}

var durationType = reflect.TypeFor[units.Duration]()

// sameDurations walks v (a struct) beside raw (its TOML table) and checks
// every duration field against time.ParseDuration of its text. It returns
// how many it checked.
func sameDurations(t *testing.T, where string, v reflect.Value, raw map[string]any) int {
	n := 0
	for i := range v.NumField() {
		f, tag := v.Field(i), strings.Split(v.Type().Field(i).Tag.Get("toml"), ",")[0]
		r, ok := raw[tag]
		if !ok || tag == "" || tag == "-" {
			continue
		}
		if f.Kind() == reflect.Pointer && !f.IsNil() {
			f = f.Elem()
		}
		switch {
		case f.Type() == durationType:
			want, err := time.ParseDuration(r.(string))
			if err != nil || int64(want) != f.Int() {
				t.Errorf("%s: %s = %q reads as %d ns; time.ParseDuration gives %d, %v", where, tag, r, f.Int(), want, err)
			}
			n++
		case f.Kind() == reflect.Struct:
			if m, ok := r.(map[string]any); ok {
				n += sameDurations(t, where+": "+tag, f, m)
			}
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
			var rows []map[string]any
			switch rr := r.(type) {
			case []map[string]any:
				rows = rr
			case []any:
				for _, x := range rr {
					rows = append(rows, x.(map[string]any))
				}
			}
			for j := range min(len(rows), f.Len()) {
				n += sameDurations(t, where+": "+tag, f.Index(j), rows[j])
			}
		}
	}
	return n
}
