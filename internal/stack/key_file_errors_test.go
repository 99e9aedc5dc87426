package stack

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/config"
)

// A key file that cannot be read fails Build naming the key and the variable as the user wrote
// it, the short alias included (issue 11: errors name what the user set).
func TestKeyFileErrorsNameTheVariableSet(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing.pem")
	gateway := []string{"PAYRUN_GATEWAY_URL=https://gw.example/paynet", "PAYRUN_ENDPOINT_ID=1", "PAYRUN_LOGIN=m"}
	tests := []struct {
		env     []string
		key     string
		wantEnv string
	}{
		{[]string{"PAYRUN_DATA_KEY_FILE=" + missing, "PAYRUN_PRIVATE_KEY_FILE=" + missing}, "security.data_key_file", "PAYRUN_DATA_KEY_FILE"},
		{[]string{"PAYRUN_SECURITY_ALLOW_CLEARTEXT_JOBS=true", "PAYRUN_PRIVATE_KEY_FILE=" + missing}, "gateway.private_key_file", "PAYRUN_PRIVATE_KEY_FILE"},
		{[]string{"PAYRUN_SECURITY_ALLOW_CLEARTEXT_JOBS=true", "PAYRUN_GATEWAY_PRIVATE_KEY_FILE=" + missing}, "gateway.private_key_file", "PAYRUN_GATEWAY_PRIVATE_KEY_FILE"},
	}
	for _, tt := range tests {
		cfg, err := config.Parse(nil, "", append(tt.env, gateway...))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Build(context.Background(), cfg, zerolog.Nop(), Options{})
		var fe *config.FieldError
		if !errors.As(err, &fe) || fe.Key != tt.key || fe.Env != tt.wantEnv {
			t.Errorf("%v: Build = %v, want an error about %s (%s)", tt.env, err, tt.key, tt.wantEnv)
		}
	}
}
