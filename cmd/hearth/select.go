package main

import (
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"hearth/hil"
)

// family is the name of the file (or matrix row) a built-in scenario came
// from: oil-leak for oil-leak-winter and oil-leak-summer.
func family(s *hil.Scenario) string {
	src := s.Source()
	if i := strings.IndexByte(src, ':'); i >= 0 {
		src = src[i+1:]
	}
	return strings.TrimSuffix(path.Base(src), ".toml")
}

// selectScenarios returns the scenarios args name, in order, each once.
// An argument is a scenario file (a path with a '/', or an existing .toml
// file), a built-in's name (oil-leak-winter), its file's name with or
// without .toml (oil-leak: both seasons), or a glob over either
// ('oil-*'). Nothing matching is an error with a did-you-mean.
func selectScenarios(args []string) ([]*hil.Scenario, error) {
	all, err := hil.Builtins()
	if err != nil {
		return nil, err
	}
	var out []*hil.Scenario
	seen := map[*hil.Scenario]bool{}
	for _, a := range args {
		found, err := selectOne(a, all)
		if err != nil {
			return nil, err
		}
		for _, s := range found {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out, nil
}

func selectOne(a string, all []*hil.Scenario) ([]*hil.Scenario, error) {
	if strings.ContainsRune(a, '/') {
		return hil.Lookup(a)
	}
	if strings.HasSuffix(a, ".toml") {
		if _, err := os.Stat(a); err == nil {
			return hil.Lookup(a)
		}
		a = strings.TrimSuffix(a, ".toml")
	}
	glob := strings.ContainsAny(a, "*?[")
	if glob {
		if _, err := path.Match(a, ""); err != nil {
			return nil, fmt.Errorf("scenario pattern %q: %v", a, err)
		}
	}
	var exact, fam, matched []*hil.Scenario
	for _, s := range all {
		switch {
		case s.Name == a:
			exact = append(exact, s)
		case family(s) == a:
			fam = append(fam, s)
		}
		if glob && (globMatch(a, s.Name) || globMatch(a, family(s))) {
			matched = append(matched, s)
		}
	}
	switch {
	case len(exact) > 0:
		return exact, nil
	case len(fam) > 0:
		return fam, nil
	case len(matched) > 0:
		return matched, nil
	case glob:
		return nil, fmt.Errorf("no built-in scenario matches %q (see 'hearth hil list')", a)
	}
	return nil, fmt.Errorf("no built-in scenario %q%s (see 'hearth hil list')", a, didYouMean(a, scenarioNames(all)))
}

func globMatch(pattern, name string) bool {
	ok, _ := path.Match(pattern, name)
	return ok
}

// scenarioNames are the names a scenario may be given by: each built-in's
// own and its family's.
func scenarioNames(all []*hil.Scenario) []string {
	set := map[string]bool{}
	for _, s := range all {
		set[s.Name], set[family(s)] = true, true
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// didYouMean is hil.Nearest's suggestion as a message tail: "; did you
// mean X?", or "" when no name is near.
func didYouMean(a string, names []string) string {
	near := hil.Nearest(a, names)
	if len(near) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(near, " or ") + "?"
}
