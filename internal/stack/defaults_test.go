package stack

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/payout"
)

// TestBinaryDefaultsMatchTheLibraryOrAreDocumented compares the pool options the worker binary
// runs with by default (Config.PayoutOptions of config.Default()) with the library's
// (payout.DefaultOptions()). Where they differ, docs/worker.md's Options table must say so: the
// row of the option names the worker key and its default in bold.
func TestBinaryDefaultsMatchTheLibraryOrAreDocumented(t *testing.T) {
	t.Parallel()
	// The documented differences: option field -> the docs row's key and the binary's key.
	documented := map[string][2]string{
		"ShutdownTimeout": {"shutdown_timeout", "worker.shutdown_timeout"},
		"MaxFailures":     {"max_failures", "worker.max_failures"},
	}
	bin, lib := reflect.ValueOf(config.Default().PayoutOptions()), reflect.ValueOf(payout.DefaultOptions())
	doc, err := os.ReadFile("../../docs/worker.md")
	if err != nil {
		t.Fatal(err)
	}
	var differ []string
	for i := range bin.NumField() {
		name := bin.Type().Field(i).Name
		b, l := bin.Field(i).Interface(), lib.Field(i).Interface()
		if reflect.DeepEqual(b, l) {
			continue
		}
		differ = append(differ, name)
		keys, ok := documented[name]
		if !ok {
			t.Errorf("payout.Options.%s: the binary's default %v differs from the library's %v, and docs/worker.md does not say so", name, b, l)
			continue
		}
		row := fmt.Sprintf("| `%s` | %s |", keys[0], short(l))
		want := fmt.Sprintf("`%s`, default **%s** |", keys[1], short(b))
		if !slices.ContainsFunc(strings.Split(string(doc), "\n"), func(line string) bool {
			return strings.HasPrefix(line, row) && strings.HasSuffix(line, want)
		}) {
			t.Errorf("docs/worker.md: no Options row %q ... %q", row, want)
		}
	}
	for name := range documented {
		if !slices.Contains(differ, name) {
			t.Errorf("payout.Options.%s: documented as differing, but the binary and the library now agree: update docs/worker.md and this test", name)
		}
	}
}

// short formats a default as docs/worker.md writes it (20s, 1m, 1h, 10).
func short(v any) string {
	if d, ok := v.(time.Duration); ok {
		s := d.String() // 20s, 1m0s, 1h0m0s
		if strings.HasSuffix(s, "m0s") {
			s = strings.TrimSuffix(s, "0s")
		}
		if strings.HasSuffix(s, "h0m") {
			s = strings.TrimSuffix(s, "0m")
		}
		return s
	}
	return fmt.Sprint(v)
}
