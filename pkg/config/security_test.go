package config

import (
	"errors"
	"testing"
)

func TestGatewayPlainHTTPRefusedBeyondLoopback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"https://gate.example/paynet", false, true},
		{"http://gate.example/paynet", false, false},
		{"http://10.0.0.7:8080/paynet", false, false},
		{"http://[2001:db8::1]/paynet", false, false},
		{"http://127.0.0.1:8080/paynet", false, true},
		{"http://127.9.9.9/paynet", false, true},
		{"http://localhost:8080/paynet", false, true},
		{"http://[::1]:8080/paynet", false, true},
		{"http://localhost.evil.example/paynet", false, false},
		{"http://gate.example/paynet", true, true},
	} {
		cfg := Default()
		cfg.Gateway.URL, cfg.Gateway.AllowInsecureHTTP = tc.url, tc.insecure
		err := cfg.Validate()
		var fe *FieldError
		if tc.ok && err != nil {
			t.Errorf("%s (insecure %v): %v", tc.url, tc.insecure, err)
		}
		if !tc.ok && (!errors.As(err, &fe) || fe.Key != "gateway.url") {
			t.Errorf("%s: err = %v, want a gateway.url error", tc.url, err)
		}
	}
}

func TestDataKeyFileAlias(t *testing.T) {
	t.Parallel()
	cfg, err := Load("", []string{"PAYRUN_DATA_KEY_FILE=/etc/payrun/payrun.key"})
	if err != nil || cfg.Security.DataKeyFile != "/etc/payrun/payrun.key" {
		t.Fatalf("security.data_key_file = %q, %v", cfg.Security.DataKeyFile, err)
	}
	if cfg, err := Load("", []string{"PAYRUN_ENQUEUE_MAX_FILE_BYTES=0"}); err == nil {
		t.Errorf("max_file_bytes 0 accepted: %+v", cfg.Enqueue)
	}
}
