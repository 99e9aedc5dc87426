package batch_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/payrun/payrun/pkg/batch"
	"github.com/payrun/payrun/pkg/job"
)

// TestDecodeManifest: the manifest of this build's version decodes; any other version (0 is
// what a record without a version field gives, such as a chunk's row record) is refused with
// job.ErrUnknownVersion; garbage is refused with another error.
func TestDecodeManifest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		data        string
		wantVersion bool // refused as an unknown version
		wantErr     bool
	}{
		{name: "this version", data: `{"version":1,"batch_id":"b-1","state":"enqueued","enqueued":2}`},
		{name: "newer version", data: `{"version":2,"batch_id":"b-1"}`, wantVersion: true, wantErr: true},
		{name: "no version", data: `{"batch_id":"b-1","chunk":0,"row_hashes":"AAAAAAAAAAA="}`, wantVersion: true, wantErr: true},
		{name: "not JSON", data: `{"version":1,`, wantErr: true},
		{name: "wrong field type", data: `{"version":"1"}`, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := batch.DecodeManifest([]byte(tc.data))
			if (err != nil) != tc.wantErr || errors.Is(err, job.ErrUnknownVersion) != tc.wantVersion {
				t.Fatalf("err %v; want error %v, unknown version %v", err, tc.wantErr, tc.wantVersion)
			}
			if err == nil && (m.BatchID != "b-1" || m.State != batch.StateEnqueued || m.Enqueued != 2) {
				t.Errorf("decoded %+v", m)
			}
			if err != nil && m.BatchID != "" {
				t.Errorf("a refused manifest came back filled in: %+v", m)
			}
		})
	}
}

// FuzzDecodeManifest: any input decodes to a manifest of this build's version or an error,
// never a panic; what decodes encodes and decodes to the same manifest.
func FuzzDecodeManifest(f *testing.F) {
	f.Add([]byte(`{"version":1,"batch_id":"b-1","state":"enqueued","totals":{"USD":"10.00"},"duplicate_samples":[{"line":2}]}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"batch_id":"b","chunk":3,"row_hashes":"AAAAAAAAAAA="}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := batch.DecodeManifest(data)
		if err != nil {
			return
		}
		if m.Version != batch.ManifestVersion {
			t.Fatalf("decoded version %d", m.Version)
		}
		// Stored and read back, a manifest keeps its fields (totals: null reads back as {}),
		// and a second round trip changes nothing.
		m2 := roundTrip(t, m)
		if m2.BatchID != m.BatchID || m2.State != m.State || m2.Rows != m.Rows || m2.Enqueued != m.Enqueued || !m2.UpdatedAt.Equal(m.UpdatedAt) {
			t.Fatalf("round trip: %+v\nbecame %+v", m, m2)
		}
		b2, _ := json.Marshal(m2)
		if b3, _ := json.Marshal(roundTrip(t, m2)); string(b3) != string(b2) {
			t.Errorf("second round trip:\n%s\n%s", b2, b3)
		}
	})
}

// roundTrip encodes m as it is stored and decodes it again.
func roundTrip(t *testing.T, m batch.Manifest) batch.Manifest {
	t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := batch.DecodeManifest(data)
	if err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return m2
}
