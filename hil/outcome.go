package hil

// Outcome is one expectation of a scenario and what happened to it.
type Outcome struct {
	Expectation string `json:"expectation"` // e.g. "no_trip", "oil_module_in <= 50 C"
	Pass        bool   `json:"pass"`
	Detail      string `json:"detail"` // the measured figure behind the verdict
	// AtS is the time the expectation names, for those that name one
	// (state, outputs, modules_off_by, module), seconds since the start.
	AtS *float64 `json:"at_s,omitempty"`
}

// Violation is one episode of a broken invariant: a property that must hold
// at every tick of every run, whatever the scenario says. It starts at AtS
// and ends at EndS, when the condition cleared or the run ended; Detail
// describes its start.
type Violation struct {
	Invariant string  `json:"invariant"`
	AtS       float64 `json:"at_s"`
	EndS      float64 `json:"end_s"`
	LengthS   float64 `json:"length_s"`
	Detail    string  `json:"detail"`
}

// ScenarioResult is the verdict of one scenario run. Field names are a
// contract (issue 3): name, pass, faults, sim_seconds, wall_seconds,
// max_temp_c, trips, erf, compute_availability, expectations.
type ScenarioResult struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Pass        bool   `json:"pass"`
	// Faults lists the fault kinds injected, in order, without repeats
	// (channel_partition for a [channel] partition).
	Faults []string `json:"faults"`
	Result
	Expectations []Outcome   `json:"expectations"`
	Violations   []Violation `json:"violations"`
	// Replay is the command that runs this scenario again, exactly.
	Replay string `json:"replay"`
	// Trace is the run's history, recorded when a report is asked for.
	Trace *Trace `json:"-"`
}
