package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

func init() {
	register("version", "the build: module version, VCS revision and time, Go version", runVersion)
}

// versionInfo is `hearth version --json`. Field names are a contract.
type versionInfo struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Revision string `json:"vcs_revision,omitempty"`
	Time     string `json:"vcs_time,omitempty"`
	Modified bool   `json:"vcs_modified"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

func buildVersion() versionInfo {
	v := versionInfo{Module: "hearth", Version: "(unknown)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Module, v.Version, v.Go = bi.Main.Path, bi.Main.Version, bi.GoVersion
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	c := newCmd("hearth version", "[--json]")
	asJSON := c.Bool("json", false, "print one JSON object: module, version, vcs_revision, vcs_time, vcs_modified, go, platform")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if !c.noArgs(pos, stderr) {
		return 2
	}
	v := buildVersion()
	if *asJSON {
		return writeJSON(stdout, v)
	}
	fmt.Fprintf(stdout, "%s %s", v.Module, v.Version)
	if v.Revision != "" {
		fmt.Fprintf(stdout, " (%s, %s", v.Revision, v.Time)
		if v.Modified {
			fmt.Fprint(stdout, ", modified")
		}
		fmt.Fprint(stdout, ")")
	} else {
		fmt.Fprint(stdout, " (no VCS information: built outside git or with -buildvcs=false)")
	}
	fmt.Fprintf(stdout, " built with %s for %s\n", v.Go, v.Platform)
	return 0
}
