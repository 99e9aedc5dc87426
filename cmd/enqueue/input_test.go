package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Both passes must read the bytes that were there when enqueue started: a file rewritten (or still
// being written) after validation must not reach the publish pass.
func TestOpenInputIsASnapshot(t *testing.T) {
	t.Parallel()
	const validated = "client_orderid,amount,currency,account_number\no-1,10.00,USD,1234567890\n"
	const later = validated + "o-2,99999.00,USD,1234567890\n"
	path := filepath.Join(t.TempDir(), "pay.csv")
	tests := []struct {
		name  string
		file  string
		stdin string
	}{
		{"file", path, ""},
		{"stdin", "-", validated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(validated), 0o600); err != nil {
				t.Fatal(err)
			}
			in, cleanup, err := openInput(tt.file, strings.NewReader(tt.stdin))
			if err != nil {
				t.Fatal(err)
			}
			if in.Name != tt.file {
				t.Errorf("input name %q, want %q (errors and the manifest show it)", in.Name, tt.file)
			}
			if err := os.WriteFile(path, []byte(later), 0o600); err != nil {
				t.Fatal(err)
			}
			for pass := 1; pass <= 2; pass++ {
				rc, err := in.Open()
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != validated {
					t.Errorf("pass %d read %q, want the bytes as of the start %q", pass, got, validated)
				}
			}
			cleanup()
			if _, err := in.Open(); err == nil {
				t.Error("the private copy outlives cleanup")
			}
		})
	}
}
