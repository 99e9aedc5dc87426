package stack

import (
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/config"
)

func TestOverridesApply(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	dir, none := "/var/lib/payrun", ""
	type worker struct {
		embedded, sandbox bool
		storeDir          string
	}
	tests := []struct {
		name string
		from worker // the file and environment
		o    Overrides
		want worker
	}{
		{"nothing given", worker{true, true, "/srv"}, Overrides{}, worker{true, true, "/srv"}},
		{"--embedded", worker{}, Overrides{Embedded: &yes}, worker{embedded: true}},
		{"--embedded=false", worker{embedded: true}, Overrides{Embedded: &no}, worker{}},
		{"--sandbox", worker{}, Overrides{Sandbox: &yes}, worker{sandbox: true}},
		{"--sandbox=false", worker{sandbox: true}, Overrides{Sandbox: &no}, worker{}},
		{"--store-dir implies --embedded", worker{}, Overrides{StoreDir: &dir}, worker{embedded: true, storeDir: dir}},
		{"--store-dir with --embedded=false", worker{}, Overrides{StoreDir: &dir, Embedded: &no}, worker{storeDir: dir}},
		{"--store-dir with --embedded", worker{}, Overrides{StoreDir: &dir, Embedded: &yes}, worker{embedded: true, storeDir: dir}},
		{"empty --store-dir implies nothing", worker{storeDir: "/srv"}, Overrides{StoreDir: &none}, worker{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var cfg config.Config
			cfg.Worker.Embedded, cfg.Worker.Sandbox, cfg.Worker.StoreDir = tt.from.embedded, tt.from.sandbox, tt.from.storeDir
			got := tt.o.Apply(cfg).Worker
			if (worker{got.Embedded, got.Sandbox, got.StoreDir}) != tt.want {
				t.Errorf("worker.embedded %t, sandbox %t, store_dir %q; want %+v", got.Embedded, got.Sandbox, got.StoreDir, tt.want)
			}
		})
	}
}

// An error about a key a flag set names the flag, not the variable or file line the flag
// overrode: that is what the operator must change.
func TestOverridesErrorsNameTheFlag(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("", []string{"PAYRUN_WORKER_EMBEDDED=true", "PAYRUN_WORKER_STORE_DIR=/var/lib/payrun",
		"PAYRUN_GATEWAY_URL=https://gateway.test/paynet", "PAYRUN_GATEWAY_LOGIN=merchant", "PAYRUN_GATEWAY_ENDPOINT_ID=1",
		"PAYRUN_GATEWAY_PRIVATE_KEY_FILE=merchant.pem", "PAYRUN_SECURITY_ALLOW_CLEARTEXT_JOBS=true"})
	if err != nil {
		t.Fatal(err)
	}
	yes, none := true, ""
	err = CheckConfig(Overrides{Embedded: &yes, StoreDir: &none}.Apply(cfg))
	const want = "config: worker.store_dir (--store-dir): "
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("CheckConfig after --embedded --store-dir '' = %v; want an error starting %q", err, want)
	}
	if err := CheckConfig(cfg); err != nil && strings.Contains(err.Error(), "--store-dir") {
		t.Errorf("the configuration Apply was given names the flag too (its record was shared): %v", err)
	}
}
