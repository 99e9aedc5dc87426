// Package signertest holds the OAuth 1.0a RSA-SHA256 signing vectors that an implementation
// independent of this project computed (each signature checked with openssl), for the tests of
// every package that signs or verifies. They were made with the test key in this package (Key, PrivateKeyPEM).
package signertest

import (
	_ "embed"
	"encoding/json"
	"testing"
)

//go:embed vectors.json
var vectorsJSON []byte

// Vector is one signed request: its inputs and the expected outputs, byte for byte.
type Vector struct {
	Name                 string      `json:"name"`
	Method               string      `json:"method"`
	URL                  string      `json:"url"`
	Params               [][2]string `json:"params"` // body parameters, in order
	ConsumerKey          string      `json:"consumer_key"`
	Nonce                string      `json:"nonce"`
	Timestamp            string      `json:"timestamp"` // Unix seconds
	NormalizedParameters string      `json:"normalized_parameters"`
	SignatureBaseString  string      `json:"signature_base_string"`
	SignatureBase64      string      `json:"signature_base64"`
	SignatureHex         string      `json:"signature_hex"`
	AuthorizationHeader  string      `json:"authorization_header"`
}

// Vectors returns every vector; it fails the test if there are none.
func Vectors(tb testing.TB) []Vector {
	tb.Helper()
	var vs []Vector
	if err := json.Unmarshal(vectorsJSON, &vs); err != nil {
		tb.Fatalf("signertest: vectors: %v", err)
	}
	if len(vs) == 0 {
		tb.Fatal("signertest: no vectors")
	}
	return vs
}
