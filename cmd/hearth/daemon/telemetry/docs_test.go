package telemetry

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

const (
	docFile     = "../../../../docs/telemetry.md"
	alertsFile  = "../../../../docs/telemetry/alerts.yml"
	grafanaFile = "../../../../docs/telemetry/grafana.json"
)

var metricRef = regexp.MustCompile(`hearth_[a-z_]+`)

// known is every metric name /metrics serves, histograms' series included.
func known() map[string]bool {
	k := map[string]bool{}
	for _, d := range metricDefs {
		k[d.name] = true
	}
	for _, h := range []string{jitterName, workName} {
		for _, s := range []string{"", "_bucket", "_count", "_sum"} {
			k[h+s] = true
		}
	}
	return k
}

// checkRefs fails for every hearth_ name in text that /metrics does not
// serve, and returns how many it found.
func checkRefs(t *testing.T, what, text string) int {
	t.Helper()
	k := known()
	refs := metricRef.FindAllString(text, -1)
	for _, r := range refs {
		if !k[r] {
			t.Errorf("%s names %s, which /metrics does not serve", what, r)
		}
	}
	return len(refs)
}

func TestAlertRulesCheck(t *testing.T) {
	raw, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := checkRefs(t, alertsFile, string(raw)); n < 9 {
		t.Errorf("only %d metric references in the rules", n)
	}
	for _, a := range []string{"HearthTripped", "HearthHubLost", "HearthDegraded"} {
		if !strings.Contains(string(raw), "alert: "+a) {
			t.Errorf("no %s rule", a)
		}
	}
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (apt-get install prometheus; .ci/run installs it): promtool check rules skipped")
	}
	out, err := exec.Command(path, "check", "rules", alertsFile).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
}

func TestGrafanaDashboard(t *testing.T) {
	raw, err := os.ReadFile(grafanaFile)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", grafanaFile, err)
	}
	if d.Title == "" || len(d.Panels) < 10 {
		t.Fatalf("dashboard %q with %d panels", d.Title, len(d.Panels))
	}
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			if checkRefs(t, "panel "+p.Title, q.Expr) == 0 && !strings.Contains(q.Expr, "up{") {
				t.Errorf("panel %q: query %q names no hearth metric", p.Title, q.Expr)
			}
		}
	}
}

// docs/telemetry.md names every metric and every topic, and the figures
// it quotes are there.
func TestTelemetryDocCoversMetricsAndTopics(t *testing.T) {
	raw, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	// Metric names in code spans (an HA entity id like
	// sensor.hearth_loft_tank_top is not one).
	for _, m := range regexp.MustCompile("`(hearth_[a-z_]+)[`{]").FindAllStringSubmatch(doc, -1) {
		checkRefs(t, docFile, m[1])
	}
	for name := range known() {
		if strings.HasSuffix(name, "_bucket") || strings.HasSuffix(name, "_count") || strings.HasSuffix(name, "_sum") {
			continue
		}
		if !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("%s does not document %s", docFile, name)
		}
	}
	for _, tp := range []string{StateTopic("<hub_id>"), AvailabilityTopic("<hub_id>"), DiscoveryTopic("<hub_id>"), HAStatus} {
		if !strings.Contains(doc, "`"+tp+"`") {
			t.Errorf("%s does not document topic %s", docFile, tp)
		}
	}
	if strings.Contains(doc, "JITTER_TABLE") {
		t.Error("the jitter figures are not filled in")
	}
}
