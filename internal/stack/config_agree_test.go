package stack

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/payout"
)

// nearBoundaries are values of the worker's keys (and gateway.http_timeout, which its timings
// depend on) at, just below and just above every bound and every relation with another key's
// default (gateway.http_timeout 10s, worker.ack_wait and settle_delay 30s, backoff 1s..1m, poll
// 3s / 5m / 5m / 1h, max_deliver -1, max_failures 5). A key is set through each variable that
// names it, its short alias included.
var nearBoundaries = []struct {
	vars   []string
	values []string
}{
	{[]string{"PAYRUN_WORKER_CONCURRENCY", "PAYRUN_CONCURRENCY"}, []string{"0", "1", "16", "10000", "10001"}},
	{[]string{"PAYRUN_GATEWAY_HTTP_TIMEOUT", "PAYRUN_HTTP_TIMEOUT"}, []string{"0s", "1ns", "500ms", "10s", "29999999999ns", "30s", "1m"}},
	{[]string{"PAYRUN_WORKER_ACK_WAIT"}, []string{"0s", "999999999ns", "1s", "10s", "10000000001ns", "30s"}},
	{[]string{"PAYRUN_WORKER_SETTLE_DELAY", "PAYRUN_SETTLE_DELAY"}, []string{"0s", "10s", "10000000001ns", "30s"}},
	{[]string{"PAYRUN_WORKER_MAX_DELIVER"}, []string{"-2", "-1", "0", "1", "2", "3", "4", "5", "6"}},
	{[]string{"PAYRUN_WORKER_MAX_FAILURES"}, []string{"0", "1", "2", "5", "6"}},
	{[]string{"PAYRUN_WORKER_MAX_ACK_PENDING"}, []string{"0", "1", "15", "16"}},
	{[]string{"PAYRUN_WORKER_MAX_ATTEMPTS"}, []string{"0", "1", "2"}},
	{[]string{"PAYRUN_WORKER_BACKOFF_INITIAL"}, []string{"0s", "1ns", "1s", "1m", "60000000001ns"}},
	{[]string{"PAYRUN_WORKER_BACKOFF_MAX"}, []string{"0s", "999999999ns", "1s", "1m"}},
	{[]string{"PAYRUN_WORKER_POLL_FIRST_INTERVAL", "PAYRUN_POLL_INTERVAL"}, []string{"0s", "1ns", "3s", "3599999999999ns", "1h", "2h"}},
	{[]string{"PAYRUN_WORKER_POLL_FAST_PHASE"}, []string{"-1ns", "0s", "1ns", "5m"}},
	{[]string{"PAYRUN_WORKER_POLL_SLOW_INTERVAL"}, []string{"0s", "1ns", "5m"}},
	{[]string{"PAYRUN_WORKER_POLL_HORIZON"}, []string{"0s", "2999999999ns", "3s", "3000000001ns", "1h"}},
	{[]string{"PAYRUN_WORKER_SHUTDOWN_TIMEOUT"}, []string{"-1ns", "0s", "1ns"}},
	{[]string{"PAYRUN_WORKER_CALLBACK_RATE"}, []string{"-1", "0", "0.001", "5", "NaN"}},
	{[]string{"PAYRUN_WORKER_CALLBACK_BURST"}, []string{"0", "1", "20"}},
}

// TestConfigAndWorkerAgree is the property that what pkg/config accepts the worker accepts
// unchanged (config.Parse, which validates, then CheckConfig, which adds pkg/payout's rules), and
// that every error of either names a key and the variable the user set, in the configuration's
// words. It tries every near-boundary value of one key, the cases issue 11 reported, and pairs of
// two keys drawn from a fixed seed.
func TestConfigAndWorkerAgree(t *testing.T) {
	t.Parallel()
	var single [][]string
	for _, k := range nearBoundaries {
		for _, v := range k.vars {
			for _, value := range k.values {
				single = append(single, []string{v + "=" + value})
			}
		}
	}
	cases := append(single,
		[]string{"PAYRUN_WORKER_MAX_DELIVER=2", "PAYRUN_WORKER_MAX_FAILURES=1"},
		[]string{"PAYRUN_POLL_INTERVAL=1h"},
		[]string{"PAYRUN_WORKER_POLL_HORIZON=1m", "PAYRUN_POLL_INTERVAL=1m"},
		[]string{"PAYRUN_WORKER_CALLBACK_RATE=0"},
		[]string{"PAYRUN_HTTP_TIMEOUT=500ms", "PAYRUN_WORKER_ACK_WAIT=999999999ns"},
	)
	rng := rand.New(rand.NewSource(11))
	for range 600 {
		a, b := rng.Intn(len(nearBoundaries)), rng.Intn(len(nearBoundaries))
		if a == b {
			continue
		}
		cases = append(cases, []string{pick(rng, a), pick(rng, b)})
	}

	known := map[string]string{}
	for _, f := range config.Fields() {
		known[f.Key] = f.Env
	}
	accepted, refused := 0, 0
	for _, set := range cases {
		environ := append([]string{"PAYRUN_WORKER_SANDBOX=true"}, set...)
		cfg, err := config.Parse(nil, "", environ)
		if err == nil {
			if err = CheckConfig(cfg); err != nil {
				t.Errorf("%v: pkg/config accepts, the worker refuses: %v", set, err)
			} else if qerr := queueSettings(cfg).Validate(); qerr != nil {
				t.Errorf("%v: the worker accepts, provisioning refuses: %v", set, qerr)
			}
		}
		if err == nil {
			accepted++
			continue
		}
		refused++
		for _, e := range leaves(err) {
			var fe *config.FieldError
			if !errors.As(e, &fe) {
				t.Errorf("%v: %q is not a *config.FieldError", set, e)
				continue
			}
			if _, ok := known[fe.Key]; !ok {
				t.Errorf("%v: %q names key %q, which does not exist", set, e, fe.Key)
			}
			// The defaults are valid: whatever is wrong is a value the user set, and the error
			// names it as the user wrote it.
			if !slices.ContainsFunc(set, func(kv string) bool { return strings.HasPrefix(kv, fe.Env+"=") }) || !isVariableOf(fe.Env, fe.Key) {
				t.Errorf("%v: %q names %s (%s), not a key and variable the user set", set, e, fe.Key, fe.Env)
			}
			if errors.Is(e, payout.ErrInvalidOptions) || strings.Contains(e.Error(), payout.ErrInvalidOptions.Error()) {
				t.Errorf("%v: %q is in pkg/payout's words, not the configuration's", set, e)
			}
		}
	}
	if accepted < 100 || refused < 100 {
		t.Errorf("%d configurations accepted, %d refused: the values do not straddle the bounds", accepted, refused)
	}
}

// pick is "VAR=value" for one of key i's variables and values.
func pick(rng *rand.Rand, i int) string {
	k := nearBoundaries[i]
	return fmt.Sprintf("%s=%s", k.vars[rng.Intn(len(k.vars))], k.values[rng.Intn(len(k.values))])
}

// isVariableOf reports whether env is key's variable or its short alias.
func isVariableOf(env, key string) bool {
	return env == config.EnvName(key) || slices.Contains(config.Aliases(), config.Alias{Env: env, Key: key})
}
