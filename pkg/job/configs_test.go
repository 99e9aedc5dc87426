package job

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// batchesDir holds the example batches shipped in configs/.
const batchesDir = "../../configs/batches"

// invalidKeys is the one error key each invalid example batch shows.
var invalidKeys = map[string]string{
	"invalid-alias-conflict.csv":      "receiver_first_name",
	"invalid-amount.csv":              "amount",
	"invalid-card.csv":                "credit_card_number",
	"invalid-country.csv":             "receiver_country_code",
	"invalid-currency.csv":            "currency",
	"invalid-cvv2.csv":                "cvv2",
	"invalid-duplicate-id.csv":        "client_orderid",
	"invalid-excel-account.csv":       "account_number",
	"invalid-excel-amounts.csv":       "amount",
	"invalid-expired-card.csv":        "expire_year",
	"invalid-missing-destination.csv": "destination",
	"invalid-ragged-row.csv":          "",
	"invalid-two-destinations.csv":    "destination",
	"invalid-unknown-column.csv":      "reciever_email",
}

// TestExampleBatches validates every file in configs/batches: example-*.csv
// must be valid, invalid-*.csv must fail with only its expected key. The
// output of all of them is compared with testdata/batches.golden
// (go test -run TestExampleBatches -update rewrites it).
func TestExampleBatches(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join(batchesDir, "*.csv"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	var names []string
	var out strings.Builder
	for _, p := range paths {
		name := filepath.Base(p)
		names = append(names, name)
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ValidateFile(f, name, WithClock(testToday))
		f.Close()
		fmt.Fprintf(&out, "== %s: rows %d, valid %d, totals %s\n", name, s.Rows, s.Valid, formatTotals(s.Totals))
		if err != nil {
			fmt.Fprintln(&out, err)
		}
		switch {
		case strings.HasPrefix(name, "example-"):
			if err != nil || s.Rows == 0 || s.Valid != s.Rows {
				t.Errorf("%s: want valid, got %v", name, err)
			}
		case strings.HasPrefix(name, "invalid-"):
			want, ok := invalidKeys[name]
			if !ok {
				t.Errorf("%s: add its expected key to invalidKeys and configs/batches/README.md", name)
				continue
			}
			if s.Errors == nil {
				t.Errorf("%s: want invalid, got valid", name)
				continue
			}
			for _, e := range s.Errors.List {
				if e.Key != want {
					t.Errorf("%s: error %v; want only errors on %q", name, e, want)
				}
			}
		default:
			t.Errorf("%s: name must start with example- or invalid-", name)
		}
	}
	for name := range invalidKeys {
		if !slices.Contains(names, name) {
			t.Errorf("%s is missing from %s", name, batchesDir)
		}
	}
	readme, err := os.ReadFile(filepath.Join(batchesDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if !strings.Contains(string(readme), name) {
			t.Errorf("README.md does not describe %s", name)
		}
	}
	golden(t, "batches.golden", out.String())
}

func formatTotals(t Totals) string {
	var parts []string
	for c, a := range t {
		parts = append(parts, a.String()+" "+c)
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update after checking):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
