package telemetry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
)

// Topics. Everything the daemon publishes is under hearth/<hub_id>/ and
// homeassistant/device/<hub_id>/; the one topic it subscribes to is Home
// Assistant's birth, which only makes it send its discovery again.
const (
	HAStatus = "homeassistant/status"
	online   = "online"
	offline  = "offline"
)

// StateTopic is where a hub's state is retained.
func StateTopic(hub string) string { return "hearth/" + hub + "/state" }

// AvailabilityTopic carries online, and offline (the Will, and the last
// word of a controlled stop).
func AvailabilityTopic(hub string) string { return "hearth/" + hub + "/availability" }

// DiscoveryTopic is Home Assistant's device discovery topic for the hub.
func DiscoveryTopic(hub string) string { return "homeassistant/device/" + hub + "/config" }

// publishTimeout bounds one publish (QoS 1: until the broker's PUBACK).
const publishTimeout = 3 * time.Second

// discoveryEvery bounds how often a birth message resends the discovery.
const discoveryEvery = 5 * time.Second

func brokerURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("mqtt %q: %w", s, err)
	}
	port := ""
	switch u.Scheme {
	case "mqtt", "tcp":
		port = "1883"
	case "mqtts", "tls", "ssl":
		port = "8883"
	default:
		return nil, fmt.Errorf("mqtt %q: want mqtt://host:port or mqtts://host:port", s)
	}
	if u.Hostname() == "" || (u.Path != "" && u.Path != "/") || u.User != nil {
		return nil, fmt.Errorf("mqtt %q: want mqtt://host:port or mqtts://host:port (credentials go in the configuration)", s)
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), port)
	}
	return u, nil
}

// CheckBroker checks a broker's URL.
func CheckBroker(s string) error {
	_, err := brokerURL(s)
	return err
}

// CheckTLS loads the CA and the client certificate the configuration
// names, as the connection will.
func CheckTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate", caFile)
		}
	}
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("a client certificate needs both its cert and its key file")
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// mqttSession is the connection's events, from autopaho's callbacks
// (which must not block) to the publisher's loop.
type mqttSession struct {
	up, birth chan struct{}
}

func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (t *Telemetry) clientConfig(ses *mqttSession) (autopaho.ClientConfig, error) {
	u, err := brokerURL(t.cfg.MQTT)
	if err != nil {
		return autopaho.ClientConfig{}, err
	}
	tc, err := CheckTLS(t.cfg.CAFile, t.cfg.CertFile, t.cfg.KeyFile)
	if err != nil {
		return autopaho.ClientConfig{}, err
	}
	hub := t.cfg.HubID
	lastErr := time.Time{}
	cfg := autopaho.ClientConfig{
		ServerUrls: []*url.URL{u}, TlsCfg: tc, KeepAlive: 20, CleanStartOnInitialConnection: true,
		ReconnectBackoff: autopaho.NewConstantBackoff(2 * time.Second), ConnectTimeout: 5 * time.Second,
		ConnectUsername: t.cfg.Username, ConnectPassword: []byte(t.cfg.Password),
		WillMessage: &paho.WillMessage{Retain: true, QoS: 1, Topic: AvailabilityTopic(hub), Payload: []byte(offline)},
		OnConnectionUp: func(*autopaho.ConnectionManager, *paho.Connack) {
			t.connects.Add(1)
			t.connected.Store(true)
			notify(ses.up)
		},
		OnConnectionDown: func() bool {
			t.connected.Store(false)
			t.cfg.Log("telemetry: mqtt connection lost; reconnecting")
			return true
		},
		OnConnectError: func(err error) {
			if time.Since(lastErr) > time.Minute { // one note a minute while the broker is away
				lastErr = time.Now()
				t.cfg.Log("telemetry: mqtt connect: " + err.Error())
			}
		},
		// Reason 0x04, "disconnect with Will": the broker sends the Will
		// too (a clean disconnect, reason 0, would drop it).
		DisconnectPacketBuilder: func() *paho.Disconnect { return &paho.Disconnect{ReasonCode: 0x04} },
		ClientConfig: paho.ClientConfig{ClientID: "hearth-" + hub,
			OnPublishReceived: []func(paho.PublishReceived) (bool, error){t.received(ses)}},
	}
	return cfg, nil
}

// received is every message the broker delivers. Only Home Assistant's
// live birth message does anything, and only to telemetry: the discovery
// is sent again. Everything else is counted and dropped; nothing
// received ever reaches the tick.
func (t *Telemetry) received(ses *mqttSession) func(paho.PublishReceived) (bool, error) {
	return func(pr paho.PublishReceived) (bool, error) {
		p := pr.Packet
		if p.Topic == HAStatus && !p.Retain && string(p.Payload) == online {
			notify(ses.birth)
			return true, nil
		}
		t.ignored.Add(1)
		return true, nil
	}
}

// runMQTT connects (and reconnects) to the broker and publishes each
// state handed to it, until ctx ends; then it publishes the last state
// and `offline`, and disconnects.
func (t *Telemetry) runMQTT(ctx context.Context) error {
	ses := &mqttSession{up: make(chan struct{}, 1), birth: make(chan struct{}, 1)}
	cfg, err := t.clientConfig(ses)
	if err != nil {
		return err
	}
	connCtx, stop := context.WithCancel(context.Background())
	defer stop()
	cm, err := autopaho.NewConnection(connCtx, cfg)
	if err != nil {
		return err
	}
	var lastDiscovery time.Time
	for {
		select {
		case <-ctx.Done():
			t.goodbye(cm)
			return nil
		case <-ses.up:
			t.onUp(ctx, cm)
			lastDiscovery = time.Now()
		case <-ses.birth:
			if time.Since(lastDiscovery) >= discoveryEvery {
				lastDiscovery = time.Now()
				t.sendDiscovery(ctx, cm)
				t.sendState(ctx, cm, t.state.Load())
			}
		case s := <-t.toMQTT:
			t.sendState(ctx, cm, s)
		}
	}
}

// onUp runs on every (re)connection: availability, the discovery, the
// latest state, and the birth topic's subscription.
func (t *Telemetry) onUp(ctx context.Context, cm *autopaho.ConnectionManager) {
	t.cfg.Log("telemetry: mqtt connected to " + t.cfg.MQTT)
	t.publish(ctx, cm, AvailabilityTopic(t.cfg.HubID), []byte(online))
	t.sendDiscovery(ctx, cm)
	t.sendState(ctx, cm, t.state.Load())
	sctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	// RetainHandling 2: no retained message at subscribe (a retained
	// birth would be stale; discovery was just sent anyway).
	if _, err := cm.Subscribe(sctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{
		{Topic: HAStatus, QoS: 1, RetainHandling: 2}}}); err != nil {
		t.pubErrs.Add(1)
	}
}

func (t *Telemetry) sendDiscovery(ctx context.Context, cm *autopaho.ConnectionManager) {
	b, err := json.Marshal(Discovery(t.cfg.HubID, t.cfg.Version))
	if err == nil && t.publish(ctx, cm, DiscoveryTopic(t.cfg.HubID), b) {
		t.discovery.Add(1)
	}
}

func (t *Telemetry) sendState(ctx context.Context, cm *autopaho.ConnectionManager, s *State) {
	if s == nil {
		return
	}
	if b, err := json.Marshal(s); err == nil {
		t.publish(ctx, cm, StateTopic(t.cfg.HubID), b)
	}
}

// publish sends one retained message at QoS 1, waiting at most
// publishTimeout: a dead broker fails at once, a slow one times out.
func (t *Telemetry) publish(ctx context.Context, cm *autopaho.ConnectionManager, topic string, payload []byte) bool {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	if _, err := cm.Publish(pctx, &paho.Publish{Topic: topic, QoS: 1, Retain: true, Payload: payload}); err != nil {
		t.pubErrs.Add(1)
		return false
	}
	t.published.Add(1)
	return true
}

// goodbye publishes the last state and `offline` itself (retained), then
// disconnects with the Will, each step bounded.
func (t *Telemetry) goodbye(cm *autopaho.ConnectionManager) {
	if t.connected.Load() {
		t.sendState(context.Background(), cm, t.state.Load())
		t.publish(context.Background(), cm, AvailabilityTopic(t.cfg.HubID), []byte(offline))
	}
	dctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
	defer cancel()
	_ = cm.Disconnect(dctx)
	t.connected.Store(false)
}
