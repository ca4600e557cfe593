package telemetry

import (
	"strings"

	"hearth/hal"
	"hearth/safety"
)

// Home Assistant's MQTT device discovery: one retained message on
// homeassistant/device/<hub_id>/config names the device (dev), the
// software that sent it (o) and every entity (cmps), each reading the
// hub's retained state through a value_template. The shared options
// (state_topic, availability_topic) are given once, for every entity.

// DiscoveryPayload is the device discovery message.
type DiscoveryPayload struct {
	Device            Device               `json:"dev"`
	Origin            Origin               `json:"o"`
	Components        map[string]Component `json:"cmps"`
	StateTopic        string               `json:"state_topic"`
	AvailabilityTopic string               `json:"availability_topic"`
	QoS               int                  `json:"qos"`
}

// Device is the dev block.
type Device struct {
	IDs          []string `json:"ids"`
	Name         string   `json:"name"`
	Manufacturer string   `json:"mf"`
	Model        string   `json:"mdl"`
	SWVersion    string   `json:"sw,omitempty"`
}

// Origin is the o block.
type Origin struct {
	Name string `json:"name"`
	SW   string `json:"sw,omitempty"`
}

// Component is one entity.
type Component struct {
	Platform      string   `json:"p"`
	Name          string   `json:"name"`
	UniqueID      string   `json:"unique_id"`
	DeviceClass   string   `json:"device_class,omitempty"`
	StateClass    string   `json:"state_class,omitempty"`
	Unit          string   `json:"unit_of_measurement,omitempty"`
	Precision     *int     `json:"suggested_display_precision,omitempty"`
	Options       []string `json:"options,omitempty"`
	ValueTemplate string   `json:"value_template"`
	PayloadOn     string   `json:"payload_on,omitempty"`
	PayloadOff    string   `json:"payload_off,omitempty"`
	EntityCat     string   `json:"entity_category,omitempty"`
}

func prec(n int) *int { return &n }

func title(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// Discovery returns the hub's discovery payload.
func Discovery(hub, version string) DiscoveryPayload {
	d := DiscoveryPayload{
		Device: Device{IDs: []string{"hearth_" + hub}, Name: "Hearth " + hub, Manufacturer: "Hearth",
			Model: "HeatHub", SWVersion: version},
		Origin:     Origin{Name: "hearth", SW: version},
		Components: map[string]Component{}, StateTopic: StateTopic(hub), AvailabilityTopic: AvailabilityTopic(hub), QoS: 1,
	}
	add := func(key string, c Component) {
		c.UniqueID = hub + "_" + key
		d.Components[c.UniqueID] = c
	}
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		n := id.String()
		add(n, Component{Platform: "sensor", Name: title(n), DeviceClass: "temperature", StateClass: "measurement",
			Unit: "°C", Precision: prec(1), ValueTemplate: "{{ value_json.temperatures_c." + n + " }}"})
	}
	for f := hal.FlowID(0); f < hal.NumFlows; f++ {
		n := f.String()
		add("flow_"+n, Component{Platform: "sensor", Name: title(n) + " flow", DeviceClass: "volume_flow_rate",
			StateClass: "measurement", Unit: "L/min", Precision: prec(1), ValueTemplate: "{{ value_json.flows_lpm." + n + " }}"})
	}
	add("pressure", Component{Platform: "sensor", Name: "Water pressure", DeviceClass: "pressure", StateClass: "measurement",
		Unit: "bar", Precision: prec(2), ValueTemplate: "{{ value_json.pressure_bar }}"})
	add("compute_power", Component{Platform: "sensor", Name: "Compute power", DeviceClass: "power", StateClass: "measurement",
		Unit: "W", Precision: prec(0), ValueTemplate: "{{ value_json.compute_power_w }}"})
	add("compute_energy", Component{Platform: "sensor", Name: "Compute energy", DeviceClass: "energy",
		StateClass: "total_increasing", Unit: "kWh", Precision: prec(2), ValueTemplate: "{{ value_json.compute_energy_kwh }}"})
	for _, sink := range []string{"tank", "radiators", "dump"} {
		add("heat_"+sink, Component{Platform: "sensor", Name: "Heat to " + sink, DeviceClass: "power", StateClass: "measurement",
			Unit: "W", Precision: prec(0), ValueTemplate: "{{ value_json.heat_w." + sink + " }}"})
		add("heat_energy_"+sink, Component{Platform: "sensor", Name: "Heat energy to " + sink, DeviceClass: "energy",
			StateClass: "total_increasing", Unit: "kWh", Precision: prec(2), ValueTemplate: "{{ value_json.heat_energy_kwh." + sink + " }}"})
	}
	add("erf", Component{Platform: "sensor", Name: "Energy reuse factor", StateClass: "measurement", Precision: prec(2),
		ValueTemplate: "{{ value_json.erf }}"})
	states := make([]string, 0, safety.NumStates)
	for s := safety.State(0); s < safety.NumStates; s++ {
		states = append(states, s.String())
	}
	add("safety_state", Component{Platform: "sensor", Name: "Safety state", DeviceClass: "enum", Options: states,
		ValueTemplate: "{{ value_json.safety_state }}"})
	add("cause", Component{Platform: "sensor", Name: "Trip or warning cause", ValueTemplate: "{{ value_json.cause }}"})
	add("tripped", Component{Platform: "binary_sensor", Name: "Tripped", DeviceClass: "problem", PayloadOn: "ON", PayloadOff: "OFF",
		ValueTemplate: "{{ 'ON' if value_json.latched else 'OFF' }}"})
	for c := safety.Cause(1); c < safety.NumCauses; c++ {
		n := c.String()
		add("problem_"+n, Component{Platform: "binary_sensor", Name: "Problem " + strings.ReplaceAll(n, "_", " "), DeviceClass: "problem",
			PayloadOn: "ON", PayloadOff: "OFF", EntityCat: "diagnostic",
			ValueTemplate: "{{ 'ON' if '" + n + "' in value_json.faults.active else 'OFF' }}"})
	}
	return d
}
