package config_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/pkg/config"
)

func TestDefaultIsValid(t *testing.T) {
	t.Parallel()
	if err := config.Default().Validate(); err != nil {
		t.Fatal(err)
	}
	if err := config.Default().ValidateWorker(); err == nil {
		t.Error("ValidateWorker accepted a config without gateway keys")
	}
	c := config.Default()
	c.Worker.Sandbox = true
	if err := c.ValidateWorker(); err != nil {
		t.Errorf("sandbox worker: %v", err)
	}
}

// The example file documents every key with its default: loading it gives exactly Default().
func TestExampleConfigIsDefault(t *testing.T) {
	t.Parallel()
	const path = "../../configs/payrun.yaml"
	got, err := config.Load(path, nil)
	got = config.WithoutOrigins(got)
	if err != nil {
		t.Fatal(err)
	}
	if want := config.Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("configs/payrun.yaml differs from Default():\n got %+v\nwant %+v", got, want)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Every key appears in the file, on a line that carries a comment or under one.
	lines := strings.Split(string(data), "\n")
	for _, f := range config.Fields() {
		leaf := f.Key[strings.LastIndex(f.Key, ".")+1:]
		found := false
		for i, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), leaf+":") {
				found = strings.Contains(l, "#") || (i > 0 && strings.Contains(lines[i-1], "#"))
				if found {
					break
				}
			}
		}
		if !found {
			t.Errorf("key %s is not in configs/payrun.yaml with a comment", f.Key)
		}
	}
}

func TestLoadFileThenEnv(t *testing.T) {
	t.Parallel()
	yaml := "worker:\n  concurrency: 4\n  ack_wait: 45s\ngateway:\n  url: https://gw.example/paynet\n"
	got, err := config.Parse([]byte(yaml), "t.yaml", []string{"PAYRUN_CONCURRENCY=8", "HOME=/x", "PAYRUN_NATS_URL=nats://10.0.0.1:4222"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Worker.Concurrency != 8 || got.Worker.AckWait != 45*time.Second || got.Gateway.URL != "https://gw.example/paynet" || got.NATS.URL != "nats://10.0.0.1:4222" {
		t.Errorf("got %+v", got)
	}
	if got.Worker.MaxDeliver != config.Default().Worker.MaxDeliver {
		t.Error("a key missing from the file lost its default")
	}
}

func TestUnknownKeysNameKeyAndLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		yaml string
		want []string
	}{
		{"worker:\n  ack_wiat: 1s\n", []string{`"worker.ack_wiat"`, "t.yaml:2", `did you mean "worker.ack_wait"`}},
		{"nats:\n  url: nats://h:1\n  tls:\n    ca: x\n", []string{`"nats.tls.ca"`, "t.yaml:4"}},
		{"bogus: 1\n", []string{`"bogus"`, "t.yaml:1"}},
		{"- a\n- b\n", []string{"t.yaml:1", "mapping"}},
		{"worker:\n  ack_wait: soon\n", []string{"t.yaml:2: worker.ack_wait: "}},
	}
	for _, tt := range tests {
		_, err := config.Parse([]byte(tt.yaml), "t.yaml", nil)
		if !errors.Is(err, config.ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", tt.yaml, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Parse(%q) = %q, want it to mention %s", tt.yaml, err, w)
			}
		}
	}
}

func TestEnvAliasesAndErrors(t *testing.T) {
	t.Parallel()
	c, err := config.Parse(nil, "", []string{
		"PAYRUN_GATEWAY_URL=https://gw.example/paynet", "PAYRUN_ENDPOINT_ID=1234", "PAYRUN_LOGIN=merchant",
		"PAYRUN_PRIVATE_KEY_FILE=key.pem", "PAYRUN_CONTROL_KEY=ck", "PAYRUN_CONCURRENCY=3", "PAYRUN_RATE_LIMIT=2.5",
		"PAYRUN_POLL_INTERVAL=4s", "PAYRUN_HTTP_TIMEOUT=8s", "PAYRUN_HTTP_ADDR=127.0.0.1:9090", "PAYRUN_SETTLE_DELAY=12s",
		"PAYRUN_WORKER_ACK_WAIT=40s", "PAYRUN_WORKER_EMBEDDED=true",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := config.Default()
	want.Gateway.URL, want.Gateway.EndpointID, want.Gateway.Login = "https://gw.example/paynet", "1234", "merchant"
	want.Gateway.PrivateKeyFile, want.Gateway.ControlKey, want.Gateway.HTTPTimeout = "key.pem", "ck", 8*time.Second
	want.Worker.Concurrency, want.Worker.Poll.FirstInterval, want.Worker.SettleDelay = 3, 4*time.Second, 12*time.Second
	want.Worker.AckWait, want.Worker.Embedded = 40*time.Second, true
	want.RateLimit.Rate, want.HTTPAddr = 2.5, "127.0.0.1:9090"
	if !reflect.DeepEqual(config.WithoutOrigins(c), want) {
		t.Errorf("got  %+v\nwant %+v", c, want)
	}

	tests := []struct {
		env     []string
		wantEnv string
	}{
		{[]string{"PAYRUN_CONCURRENCY=many"}, "PAYRUN_CONCURRENCY"},
		{[]string{"PAYRUN_WORKER_ACK_WAIT=30"}, "PAYRUN_WORKER_ACK_WAIT"},
		{[]string{"PAYRUN_WORKER_EMBEDDED=yes please"}, "PAYRUN_WORKER_EMBEDDED"},
		{[]string{"PAYRUN_RATE_LIMIT=NaN"}, "PAYRUN_RATE_LIMIT"},
		{[]string{"PAYRUN_CONCURRENCY=2", "PAYRUN_WORKER_CONCURRENCY=3"}, "PAYRUN_CONCURRENCY"},
		{[]string{"PAYRUN_CONCURENCY=2"}, "PAYRUN_CONCURENCY"},
		{[]string{"PAYRUN_WORKER_CONCURRENCY=0"}, "PAYRUN_WORKER_CONCURRENCY"},
	}
	for _, tt := range tests {
		_, err := config.Parse(nil, "", tt.env)
		if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), tt.wantEnv) {
			t.Errorf("env %v: err = %v, want one naming %s", tt.env, err, tt.wantEnv)
		}
	}
}

func TestValidateNamesKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*config.Config)
		key    string
	}{
		{"ack wait below http timeout", func(c *config.Config) { c.Worker.AckWait = c.Gateway.HTTPTimeout }, "worker.ack_wait"},
		{"settle delay below http timeout", func(c *config.Config) { c.Worker.SettleDelay = c.Gateway.HTTPTimeout }, "worker.settle_delay"},
		{"no settle delay", func(c *config.Config) { c.Worker.SettleDelay = 0 }, "worker.settle_delay"},
		{"both endpoints", func(c *config.Config) { c.Gateway.EndpointID, c.Gateway.EndpointGroupID = "1", "2" }, "gateway.endpoint_id"},
		{"gateway url without /paynet", func(c *config.Config) { c.Gateway.URL = "https://gw.example/api" }, "gateway.url"},
		{"relative gateway url", func(c *config.Config) { c.Gateway.URL = "/paynet" }, "gateway.url"},
		{"empty nats url", func(c *config.Config) { c.NATS.URL = "" }, "nats.url"},
		{"http nats url", func(c *config.Config) { c.NATS.URL = "http://127.0.0.1:4222" }, "nats.url"},
		{"two auth methods", func(c *config.Config) { c.NATS.Token, c.NATS.CredsFile = "t", "c.creds" }, "nats.creds_file"},
		{"cert without key", func(c *config.Config) { c.NATS.TLS.CertFile = "c.pem" }, "nats.tls.cert_file"},
		{"a single delivery", func(c *config.Config) { c.Worker.MaxDeliver = 1 }, "worker.max_deliver"},
		{"failures above deliveries", func(c *config.Config) { c.Worker.MaxDeliver, c.Worker.MaxFailures = 500, 600 }, "worker.max_failures"},
		{"chunk too large", func(c *config.Config) { c.Enqueue.ChunkSize = 1000 }, "enqueue.chunk_size"},
		{"window too large", func(c *config.Config) { c.Enqueue.PublishWindow = 51 }, "enqueue.publish_window"},
		{"negative rate", func(c *config.Config) { c.RateLimit.Rate = -1 }, "ratelimit.rate"},
		{"bad http addr", func(c *config.Config) { c.HTTPAddr = "9090" }, "http_addr"},
		{"bad log level", func(c *config.Config) { c.Log.Level = "loud" }, "log.level"},
		{"stream name with dot", func(c *config.Config) { c.Names.JobStream = "PAY.OUTS" }, "names.job_stream"},
		{"same prefixes", func(c *config.Config) { c.Names.DeadSubjectPrefix = c.Names.ResultSubjectPrefix }, ""},
		{"unlimited jobs", func(c *config.Config) { c.Streams.JobMaxMsgs = -1 }, "streams.job_max_msgs"},
		{"horizon below first poll", func(c *config.Config) { c.Worker.Poll.Horizon = time.Second }, "worker.poll.horizon"},
		{"store dir without embedded", func(c *config.Config) { c.Worker.StoreDir = "/data" }, "worker.store_dir"},
		{"no payout attempt", func(c *config.Config) { c.Worker.MaxAttempts = 0 }, "worker.max_attempts"},
		{"no callback lookups", func(c *config.Config) { c.Worker.CallbackRate = 0 }, "worker.callback_rate"},
		{"negative callback rate", func(c *config.Config) { c.Worker.CallbackRate = -1 }, "worker.callback_rate"},
		{"no callback burst", func(c *config.Config) { c.Worker.CallbackBurst = 0 }, "worker.callback_burst"},
		{"no backoff", func(c *config.Config) { c.Worker.BackoffInitial = 0 }, "worker.backoff_initial"},
		{"backoff cap below its start", func(c *config.Config) { c.Worker.BackoffMax = c.Worker.BackoffInitial / 2 }, "worker.backoff_max"},
		{"no heartbeat", func(c *config.Config) { c.RateLimit.Heartbeat = 0 }, "ratelimit.heartbeat"},
		{"dead after one heartbeat", func(c *config.Config) { c.RateLimit.DeadAfter = c.RateLimit.Heartbeat }, "ratelimit.dead_after"},
		{"no pressure window", func(c *config.Config) { c.RateLimit.Pressure.Window = 0 }, "ratelimit.pressure.window"},
		{"decrease of 1", func(c *config.Config) { c.RateLimit.Pressure.Decrease = 1 }, "ratelimit.pressure.decrease"},
		{"congested share above 1", func(c *config.Config) { c.RateLimit.Pressure.CongestedShare = 1.5 }, "ratelimit.pressure.congested_share"},
		{"storm after no answer", func(c *config.Config) { c.RateLimit.Pressure.StormAnswers = 0 }, "ratelimit.pressure.storm_answers"},
		{"storm pause max below storm pause", func(c *config.Config) { c.RateLimit.Pressure.StormPauseMax = time.Millisecond }, "ratelimit.pressure.storm_pause_max"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := config.Default()
			tt.mutate(&c)
			err := c.Validate()
			var fe *config.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, config.ErrInvalid) {
				t.Fatalf("Validate = %v, want *FieldError", err)
			}
			if tt.key != "" && fe.Key != tt.key {
				t.Errorf("FieldError.Key = %q, want %q (%v)", fe.Key, tt.key, err)
			}
			if fe.Env != config.EnvName(fe.Key) || !strings.Contains(err.Error(), fe.Env) {
				t.Errorf("error %q does not name the variable %s", err, config.EnvName(fe.Key))
			}
		})
	}
	// Several problems are all reported.
	c := config.Default()
	c.Worker.Concurrency, c.Log.Format = 0, "xml"
	var keys []string
	for _, e := range c.Validate().(interface{ Unwrap() []error }).Unwrap() {
		var fe *config.FieldError
		if errors.As(e, &fe) {
			keys = append(keys, fe.Key)
		}
	}
	if !reflect.DeepEqual(keys, []string{"worker.concurrency", "log.format"}) {
		t.Errorf("joined keys = %v", keys)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	c := config.Default()
	c.NATS.User, c.NATS.Password = "svc", "pa55word"
	c.Gateway.ControlKey = "ctrl-s3cret"
	c.NATS.URL = "nats://svc:urlpass@127.0.0.1:4222"
	var buf bytes.Buffer
	log := zerolog.New(&buf)
	log.Info().Object("config", c).Msg("start")
	out := fmt.Sprintf("%+v", c.Redacted()) + buf.String()
	for _, secret := range []string{"pa55word", "ctrl-s3cret", "urlpass"} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %q printed: %s", secret, out)
		}
	}
	if !strings.Contains(buf.String(), `"worker.ack_wait":"30s"`) || c.Redacted().NATS.Password != "***" {
		t.Errorf("redacted view incomplete: %s", buf.String())
	}
	if c.NATS.Password != "pa55word" {
		t.Error("Redacted changed the original")
	}
	// A secret is not echoed in an env parse error either.
	_, err := config.Parse(nil, "", []string{"PAYRUN_NATS_TOKEN=tok", "PAYRUN_NATS_USER=u", "PAYRUN_NATS_PASSWORD=pw-secret"})
	if err == nil || strings.Contains(err.Error(), "pw-secret") {
		t.Errorf("err = %v", err)
	}
}

// FuzzLoad: Parse never panics, accepts only valid configurations, and every error it returns
// names a key that exists or a line of the file (a syntax error, yaml's own text, ends parsing
// and is the only error).
func FuzzLoad(f *testing.F) {
	seed, _ := os.ReadFile("../../configs/payrun.yaml")
	for _, s := range []string{string(seed), "", "worker:\n  concurrency: 0\n", "nats: [1,2]", "a: &a [*a]", "log: {level: debug}", "~", "worker:\n  ack_wait: 1h\n  poll: {horizon: 2h}",
		// type errors of every kind of key
		"worker:\n  concurrency: lots\n", "worker:\n  concurrency: 1.5\n", "streams:\n  max_msg_size: 99999999999\n",
		"worker:\n  ack_wait: 30\n", "worker:\n  embedded: maybe\n", "ratelimit:\n  rate: [1]\n",
		"gateway:\n  not_found_codes: {a: b}\n", "log:\n  level: {a: b}\n", "worker:\n  poll: 3\n", "worker:\n  concurrency: 1\n  concurrency: 2\n",
		"x: &x lots\nworker:\n  concurrency: *x\n", "worker: &w\n  poll: *w\n", "nats:\n  tls: [a]\n  token: {s: 1}\n", "? [a]\n: 1\n",
	} {
		f.Add([]byte(s))
	}
	keys := map[string]bool{}
	for _, fl := range config.Fields() {
		keys[fl.Key] = true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.Parse(data, "fuzz.yaml", nil)
		if err == nil {
			if err := c.Validate(); err != nil {
				t.Fatalf("Parse returned an invalid config: %v", err)
			}
			return
		}
		if !errors.Is(err, config.ErrInvalid) {
			t.Fatalf("error does not match ErrInvalid: %v", err)
		}
		all := leaves(err)
		for _, e := range all {
			var fe *config.FieldError
			var le *config.LineError
			switch {
			case errors.As(e, &fe):
				if !keys[fe.Key] && !isSection(fe.Key) {
					t.Errorf("%q names no key that exists", e)
				}
			case errors.As(e, &le):
				if le.Line < 1 || le.Source != "fuzz.yaml" {
					t.Errorf("%q names no line of the file", e)
				}
			case len(all) != 1 || !strings.HasPrefix(e.Error(), "invalid configuration: fuzz.yaml: yaml: "):
				t.Errorf("%q is neither about a key nor a line, nor a syntax error", e)
			}
		}
	})
}

// isSection reports whether key is a section of keys (worker, worker.poll).
func isSection(key string) bool {
	for _, f := range config.Fields() {
		if strings.HasPrefix(f.Key, key+".") {
			return true
		}
	}
	return false
}

func ExampleLoad() {
	c, err := config.Load("", []string{"PAYRUN_CONCURRENCY=4", "PAYRUN_WORKER_ACK_WAIT=1m"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Worker.Concurrency, c.Worker.AckWait, c.NATS.URL)
	c.Worker.AckWait = time.Second
	fmt.Println(c.Validate())
	// Output:
	// 4 1m0s nats://127.0.0.1:4222
	// config: worker.ack_wait (PAYRUN_WORKER_ACK_WAIT): must exceed gateway.http_timeout (10s): a job must not be redelivered while its HTTP call may still be running
}
