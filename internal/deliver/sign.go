package deliver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Standard Webhooks headers.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
	HeaderHub       = "X-Hub-Signature-256"
)

// SecretPrefix starts every signing secret.
const SecretPrefix = "whsec_"

// SecretKey returns the HMAC key of a Standard Webhooks secret: the base64
// part after "whsec_" (the prefix is optional), decoded.
func SecretKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil {
		return nil, fmt.Errorf("secret is not whsec_<base64>: %w", err)
	}
	if len(key) == 0 {
		return nil, errors.New("secret is empty")
	}
	return key, nil
}

// Sign returns the base64 HMAC-SHA256 of "id.timestamp.body" under key, the
// signature of the Standard Webhooks specification (without the "v1,").
func Sign(key []byte, id string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write(strconv.AppendInt(nil, timestamp, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// HubSignature returns the X-Hub-Signature-256 value for body:
// "sha256=" and the hex HMAC-SHA256 of the body keyed by the secret string
// exactly as shown to the user (GitHub's scheme).
func HubSignature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// SignatureHeader returns the webhook-signature header value: one
// "v1,<signature>" per secret, space-separated (several during a secret
// rotation's overlap).
func SignatureHeader(keys [][]byte, id string, timestamp int64, body []byte) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("v1,")
		b.WriteString(Sign(k, id, timestamp, body))
	}
	return b.String()
}
