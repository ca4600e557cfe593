package hil

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"hearth/hil/plant"
)

// Nearest returns the names nearest to a, up to three, at a Levenshtein
// distance of at most a third of its length (at least 2): the candidates of
// a did-you-mean, for the scenario loader and the command line alike.
func Nearest(a string, names []string) []string {
	limit := max(2, len(a)/3)
	best, near := limit+1, []string(nil)
	for _, n := range names {
		switch d := levenshtein(a, n); {
		case d < best:
			best, near = d, []string{n}
		case d == best && len(near) < 3:
			near = append(near, n)
		}
	}
	return near
}

// didYouMean is Nearest's suggestion as a message tail:
// ` (did you mean "dump_derate"?)`, or "" when none is near.
func didYouMean(a string, names []string) string {
	near := Nearest(a, names)
	if len(near) == 0 {
		return ""
	}
	q := make([]string, len(near))
	for i, n := range near {
		q[i] = strconv.Quote(n)
	}
	return " (did you mean " + strings.Join(q, " or ") + "?)"
}

// levenshtein is the edit distance between a and b (bytes).
func levenshtein(a, b string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unknownName is the message for a name that is none of names.
func unknownName(what, name string, names []string) string {
	return "unknown " + what + " " + strconv.Quote(name) + didYouMean(name, names) +
		" (want " + strings.Join(names, ", ") + ")"
}

var (
	primitiveType = reflect.TypeFor[toml.Primitive]()
	paramsType    = reflect.TypeFor[plant.Params]()
)

// keysAt lists the keys a scenario file can write in the table at path
// (key names, no indices): "" the top level, "plant", "events", ...
func keysAt(path []string) []string {
	t := reflect.TypeFor[Scenario]()
	for _, k := range path {
		if t = fieldType(t, k); t == nil {
			return nil
		}
	}
	return tomlKeys(deref(t))
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t == primitiveType {
		return paramsType // [plant] is decoded later, into plant.Params
	}
	return t
}

// fieldType is the type of the field keyed k in struct t (promoted fields
// of embedded structs included), nil if there is none.
func fieldType(t reflect.Type, k string) reflect.Type {
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("toml"), ",")[0]
		if tag == k {
			return f.Type
		}
		if f.Anonymous && tag == "" {
			if ft := fieldType(f.Type, k); ft != nil {
				return ft
			}
		}
	}
	return nil
}

// tomlKeys lists the keys of struct t, embedded structs' included.
func tomlKeys(t reflect.Type) []string {
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("toml"), ",")[0]
		switch {
		case f.Anonymous && tag == "":
			out = append(out, tomlKeys(deref(f.Type))...)
		case tag != "" && tag != "-" && f.IsExported():
			out = append(out, tag)
		}
	}
	return out
}
