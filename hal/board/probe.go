package board

import (
	"fmt"
	"strings"

	"hearth/hal"
)

// Verdicts of a probed channel.
const (
	VerdictOK          = "ok"          // it answered, and reads in its commissioning range
	VerdictMissing     = "missing"     // it could not be opened: not wired, not answering, wrong chip
	VerdictImplausible = "implausible" // it answered, but its reading is not to be believed
)

// Probed is one channel as `hearth probe` found it.
type Probed struct {
	Name    string   `json:"name"`
	Wired   string   `json:"wired"`
	Trip    bool     `json:"trip"` // a trip hangs on it
	Verdict string   `json:"verdict"`
	Status  string   `json:"status,omitempty"` // the driver's sample status
	Value   *float64 `json:"value,omitempty"`
	Unit    string   `json:"unit,omitempty"`
	Text    string   `json:"text,omitempty"`
	Why     string   `json:"why,omitempty"` // what is missing or implausible
}

// Report is a whole board probed.
type Report struct {
	Board    string   `json:"board"`
	Channels []Probed `json:"channels"`
	// Missing and Implausible name the channels; MissingTrip those of
	// Missing a trip hangs on (any: probe exits 1).
	Missing     []string `json:"missing"`
	MissingTrip []string `json:"missing_trip"`
	Implausible []string `json:"implausible"`
	OK          bool     `json:"ok"` // every channel a trip hangs on answered and reads plausibly
}

// Probe reads every channel of h once and judges it. Call it after the
// slow inputs had their time (a DS18B20 conversion, a flow meter's window):
// hearth probe reads once, waits, and probes.
//
// only, when not nil, picks the channels probed (by name); the others are
// left out of the report and of its verdict.
func Probe(name string, h *Hub, only func(string) bool) Report {
	r := Report{Board: name, Missing: []string{}, MissingTrip: []string{}, Implausible: []string{}, OK: true}
	for i := range h.Channels {
		c := &h.Channels[i]
		if only != nil && !only(c.Name) {
			continue
		}
		p := Probed{Name: c.Name, Wired: c.Wired, Trip: c.Trip}
		switch {
		case c.Missing():
			p.Verdict, p.Why = VerdictMissing, strings.ReplaceAll(c.Err.Error(), "\n", "; ")
			r.Missing = append(r.Missing, c.Name)
			if c.Trip {
				r.MissingTrip = append(r.MissingTrip, c.Name)
				r.OK = false
			}
		default:
			rd := c.Read()
			v := rd.Value
			p.Status, p.Value, p.Unit, p.Text = rd.Status.String(), &v, rd.Unit, rd.Text
			p.Verdict, p.Why = judge(c, rd)
			if p.Verdict != VerdictOK {
				r.Implausible = append(r.Implausible, c.Name)
				if c.Trip {
					r.OK = false
				}
			}
		}
		r.Channels = append(r.Channels, p)
	}
	return r
}

// judge says whether a reading is to be believed while commissioning: the
// driver vouches for it, and it lies in the channel's healthy span.
func judge(c *Channel, rd Reading) (string, string) {
	if rd.Status != hal.StatusOK {
		return VerdictImplausible, "the driver reports " + rd.Status.String()
	}
	if rd.Alarm {
		return VerdictImplausible, "reads " + rd.Text
	}
	if c.Lo < c.Hi && !(rd.Value >= c.Lo && rd.Value <= c.Hi) {
		return VerdictImplausible, fmt.Sprintf("%g %s is outside %g..%g", rd.Value, rd.Unit, c.Lo, c.Hi)
	}
	return VerdictOK, ""
}
