package modules

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Key is one module's 256-bit HMAC key. The controller derives every module's
// key from the hub secret; an agent holds its own key only, so it can neither
// sign for another module nor read another module's traffic as its own.
type Key [32]byte

// MinHubSecret is the shortest hub secret accepted, in bytes.
const MinHubSecret = 32

// keyInfo binds a derived key to this protocol and to one module id.
const keyInfo = "hearth modules v1 module key "

// ModuleKey derives module id's key from the hub secret with HKDF-SHA256
// (RFC 5869). The module id is in the HKDF info, so keys of different modules
// are independent and none reveals the secret or another key.
func ModuleKey(hubSecret []byte, module uint32) (Key, error) {
	var k Key
	if len(hubSecret) < MinHubSecret {
		return k, fmt.Errorf("modules: hub secret is %d bytes, need at least %d", len(hubSecret), MinHubSecret)
	}
	b, err := hkdf.Key(sha256.New, hubSecret, nil, keyInfo+strconv.FormatUint(uint64(module), 10), len(k))
	if err != nil {
		return k, fmt.Errorf("modules: derive key of module %d: %w", module, err)
	}
	copy(k[:], b)
	return k, nil
}

// NewHubSecret returns a fresh random hub secret.
func NewHubSecret() []byte {
	b := make([]byte, MinHubSecret)
	rand.Read(b) // never fails (crypto/rand panics on a broken source)
	return b
}

// ParseHex decodes a hex secret or key, ignoring surrounding white space.
func ParseHex(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("modules: not a hex secret: %w", err)
	}
	return b, nil
}

// ReadHubSecret reads a hex hub secret from a file.
func ReadHubSecret(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, err := ParseHex(string(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) < MinHubSecret {
		return nil, fmt.Errorf("%s: hub secret is %d bytes, need at least %d", path, len(b), MinHubSecret)
	}
	return b, nil
}

// ReadKey reads a module key (64 hex digits) from a file.
func ReadKey(path string) (Key, error) {
	var k Key
	raw, err := os.ReadFile(path)
	if err != nil {
		return k, err
	}
	b, err := ParseHex(string(raw))
	if err != nil {
		return k, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) != len(k) {
		return k, fmt.Errorf("%s: %w", path, errKeySize)
	}
	copy(k[:], b)
	return k, nil
}

var errKeySize = errors.New("a module key is 32 bytes (64 hex digits)")

// Hex renders the key in hex, for provisioning a key file.
func (k Key) Hex() string { return hex.EncodeToString(k[:]) }

// String keeps a key out of logs and error messages printed with %v.
func (k Key) String() string { return "modules.Key(redacted)" }
