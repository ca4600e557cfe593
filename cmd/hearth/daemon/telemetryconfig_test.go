package daemon

import (
	"strings"
	"testing"
)

// The [telemetry] table's bounds refuse what is past them, and the flags
// override the table; the hub id defaults to the host name.
func TestTelemetryConfig(t *testing.T) {
	base := "[watchdog]\nkind = \"none\"\n[telemetry]\n"
	for _, c := range []struct{ toml, want string }{
		{"mqtt = \"http://broker:1883\"\n", "telemetry.mqtt"},
		{"mqtt = \"mqtt://user:pw@broker:1883\"\n", "telemetry.mqtt"},
		{"hub_id = \"a/b\"\n", "telemetry.hub_id"},
		{"hub_id = \"#\"\n", "telemetry.hub_id"},
		{"mqtt_cert_file = \"/etc/hearth/hub.crt\"\n", "telemetry.mqtt_cert_file"},
		{"metrix = \":9477\"\n", "unknown key telemetry.metrix"},
	} {
		_, issues := Parse("h.toml", []byte(base+c.toml))
		var all []string
		for _, e := range issues {
			all = append(all, e.Error())
		}
		if !strings.Contains(strings.Join(all, "; "), c.want) {
			t.Errorf("%q: issues %q, want one on %s", c.toml, all, c.want)
		}
	}
	cfg, issues := Parse("h.toml", []byte(base+"hub_id = \"loft\"\nmqtt = \"mqtts://broker.lan\"\nmetrics = \":9477\"\n"))
	if len(issues) > 0 {
		t.Fatal(issues)
	}
	d := &daemon{cfg: cfg}
	if c := d.telemetryConfig(); c.HubID != "loft" || c.MQTT != "mqtts://broker.lan" || c.Metrics != ":9477" {
		t.Errorf("from the table: %+v", c)
	}
	d.opts = Options{HubID: "attic", MQTT: "mqtt://127.0.0.1:1883", Metrics: "127.0.0.1:9000"}
	if c := d.telemetryConfig(); c.HubID != "attic" || c.MQTT != "mqtt://127.0.0.1:1883" || c.Metrics != "127.0.0.1:9000" {
		t.Errorf("the flags do not override: %+v", c)
	}
	d = &daemon{cfg: DefaultConfig()}
	if c := d.telemetryConfig(); c.HubID != hostHubID() || c.HubID == "" || c.MQTT != "" || c.Metrics != "" {
		t.Errorf("defaults: %+v (host %q)", c, hostHubID())
	}
	// The console's config show hides the broker's password.
	if got := hideHash("[telemetry]\nmqtt_password = \"hunter2\"\n"); strings.Contains(got, "hunter2") {
		t.Errorf("config show: %q", got)
	}
}
