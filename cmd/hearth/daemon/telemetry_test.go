package daemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"hearth/cmd/hearth/daemon"
)

// broker is a real mosquitto on loopback, on a port of its own.
type broker struct {
	t    *testing.T
	port int
	conf string
	cmd  *exec.Cmd
}

// freePort returns a loopback TCP port nothing listens on (a moment ago).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// mosquittoPath finds mosquitto, or skips the test saying how to get it.
func mosquittoPath(t *testing.T) string {
	for _, p := range []string{"mosquitto", "/usr/sbin/mosquitto"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("mosquitto not installed (apt-get install mosquitto; .ci/run installs it): the MQTT test needs a real broker")
	return ""
}

func startBroker(t *testing.T) *broker {
	path := mosquittoPath(t)
	b := &broker{t: t, port: freePort(t), conf: filepath.Join(t.TempDir(), "mosquitto.conf")}
	conf := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n", b.port)
	if err := os.WriteFile(b.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	b.start(path)
	t.Cleanup(b.kill)
	return b
}

func (b *broker) start(path string) {
	b.cmd = exec.Command(path, "-c", b.conf)
	if err := b.cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	for end := time.Now().Add(5 * time.Second); ; {
		c, err := net.DialTimeout("tcp", b.addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(end) {
			b.t.Fatalf("mosquitto not listening on %s within 5 s", b.addr())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill stops the broker at once (SIGKILL: no goodbye to its clients).
func (b *broker) kill() {
	if b.cmd != nil && b.cmd.Process != nil {
		_ = b.cmd.Process.Kill()
		_ = b.cmd.Wait()
		b.cmd = nil
	}
}

func (b *broker) addr() string { return "127.0.0.1:" + strconv.Itoa(b.port) }
func (b *broker) url() string  { return "mqtt://" + b.addr() }

// msg is one message a client saw.
type msg struct {
	topic   string
	payload string
	retain  bool
	at      time.Time
}

// client is an MQTT client of the test's: it records everything on its
// subscriptions, and publishes.
type client struct {
	cm   *autopaho.ConnectionManager
	mu   sync.Mutex
	msgs []msg
}

func newClient(t *testing.T, brokerURL, id string, topics ...string) *client {
	t.Helper()
	u, _ := url.Parse(brokerURL)
	c := &client{}
	var subs []paho.SubscribeOptions
	for _, tp := range topics {
		subs = append(subs, paho.SubscribeOptions{Topic: tp, QoS: 1})
	}
	cfg := autopaho.ClientConfig{ServerUrls: []*url.URL{u}, KeepAlive: 10, CleanStartOnInitialConnection: true,
		ReconnectBackoff: autopaho.NewConstantBackoff(time.Second), ConnectTimeout: 3 * time.Second,
		OnConnectionUp: func(cm *autopaho.ConnectionManager, _ *paho.Connack) {
			if len(subs) > 0 {
				go func() { _, _ = cm.Subscribe(context.Background(), &paho.Subscribe{Subscriptions: subs}) }()
			}
		},
		ClientConfig: paho.ClientConfig{ClientID: id, OnPublishReceived: []func(paho.PublishReceived) (bool, error){
			func(pr paho.PublishReceived) (bool, error) {
				c.mu.Lock()
				c.msgs = append(c.msgs, msg{pr.Packet.Topic, string(pr.Packet.Payload), pr.Packet.Retain, time.Now()})
				c.mu.Unlock()
				return true, nil
			}}}}
	ctx, cancel := context.WithCancel(context.Background())
	cm, err := autopaho.NewConnection(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.cm = cm
	t.Cleanup(cancel)
	actx, acancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer acancel()
	if err := cm.AwaitConnection(actx); err != nil {
		t.Fatalf("test client: no connection to %s: %v", brokerURL, err)
	}
	return c
}

// seen returns the messages on topic received after since.
func (c *client) seen(topic string, since time.Time) []msg {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []msg
	for _, m := range c.msgs {
		if m.topic == topic && !m.at.Before(since) {
			out = append(out, m)
		}
	}
	return out
}

func (c *client) publish(t *testing.T, topic, payload string, retain bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := c.cm.Publish(ctx, &paho.Publish{Topic: topic, Payload: []byte(payload), Retain: retain, QoS: 1}); err != nil {
		t.Fatalf("publish %s: %v", topic, err)
	}
}

// hubState is the part of the retained state the tests read.
type hubState struct {
	Hub    string              `json:"hub"`
	Ticks  uint64              `json:"ticks"`
	Safety string              `json:"safety_state"`
	Temps  map[string]*float64 `json:"temperatures_c"`
}

func lastState(t *testing.T, ms []msg) hubState {
	t.Helper()
	var s hubState
	if err := json.Unmarshal([]byte(ms[len(ms)-1].payload), &s); err != nil {
		t.Fatalf("state %q: %v", ms[len(ms)-1].payload, err)
	}
	return s
}

// newTelemetryBench runs `hearth run --sim --mqtt URL --hub-id ID` (and
// --metrics ADDR when metrics is set).
func newTelemetryBench(t *testing.T, tm timing, mqttURL, hub, metrics string) *bench {
	return newBenchOpts(t, tm, nil, "", "", func(o *daemon.Options) {
		o.MQTT, o.HubID, o.Metrics = mqttURL, hub, metrics
	})
}
