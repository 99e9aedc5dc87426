package job_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/invopop/jsonschema"

	"github.com/payrun/payrun/pkg/job"
	"github.com/payrun/payrun/pkg/job/jobtest"
	"github.com/payrun/payrun/pkg/job/schemas"
)

// schemaTypes is every published message type and its schema file.
var schemaTypes = []struct {
	file     string
	title    string
	value    any
	versions []int // the schema versions the type carries
}{
	{schemas.JobMessage, "payrun job message (payouts.jobs.<batch>)", job.Message{}, []int{job.MessageVersion, job.SealedMessageVersion}},
	{schemas.Result, "payrun result (payouts.results.<batch>)", job.Result{}, []int{job.ResultVersion}},
	{schemas.BatchSummary, "payrun batch summary (payouts.summary.<batch>)", job.BatchSummary{}, []int{job.BatchSummaryVersion}},
	{schemas.DeadLetter, "payrun dead letter (payouts.dead.<batch>)", job.DeadLetter{}, []int{job.DeadLetterVersion}},
}

// generateSchema reflects one message type into its JSON Schema: descriptions from the doc
// comments, the version pinned, statuses and amounts spelled out where Go's types say less than
// the JSON does.
func generateSchema(t *testing.T, file, title string, v any, versions []int) []byte {
	t.Helper()
	statusEnum := make([]any, len(job.Statuses))
	for i, s := range job.Statuses {
		statusEnum[i] = string(s)
	}
	status := func() *jsonschema.Schema {
		return &jsonschema.Schema{Type: "string", Enum: statusEnum, Description: "approved, declined, filtered, error, rejected or unresolved (docs/job.md)"}
	}
	totals := func() *jsonschema.Schema {
		return &jsonschema.Schema{
			Type:                 "object",
			Description:          "exact sums per ISO 4217 currency, in major units with the currency's fraction digits",
			PropertyNames:        &jsonschema.Schema{Type: "string", Pattern: "^[A-Z]{3}$"},
			AdditionalProperties: &jsonschema.Schema{Type: "string", Pattern: `^-?[0-9]+(\.[0-9]+)?$`},
		}
	}
	r := &jsonschema.Reflector{
		// Later builds may add fields within a version (docs/consumers.md): a consumer that
		// validates with these files must not refuse them.
		AllowAdditionalProperties: true,
		DoNotReference:            true,
		ExpandedStruct:            true,
		Mapper: func(rt reflect.Type) *jsonschema.Schema {
			switch rt {
			case reflect.TypeFor[job.Status]():
				return status()
			case reflect.TypeFor[job.Totals]():
				return totals()
			case reflect.TypeFor[map[job.Status]int]():
				return &jsonschema.Schema{Type: "object", PropertyNames: status(),
					AdditionalProperties: &jsonschema.Schema{Type: "integer", Minimum: "0"}}
			case reflect.TypeFor[map[job.Status]job.Totals]():
				return &jsonschema.Schema{Type: "object", PropertyNames: status(), AdditionalProperties: totals()}
			case reflect.TypeFor[json.RawMessage]():
				return &jsonschema.Schema{Type: "object", Description: "the row's ledger entry as the worker wrote it (docs/worker.md)"}
			}
			return nil
		},
	}
	if err := r.AddGoComments("github.com/payrun/payrun/pkg/job", "."); err != nil {
		t.Fatal(err)
	}
	s := r.Reflect(v)
	s.ID = jsonschema.ID("https://github.com/payrun/payrun/pkg/job/schemas/" + file)
	s.Title = title
	version, ok := s.Properties.Get("version")
	if !ok {
		t.Fatalf("%T has no version field", v)
	}
	if len(versions) == 1 {
		version.Const = versions[0]
	} else {
		for _, n := range versions {
			version.Enum = append(version.Enum, n)
		}
	}
	if amount, ok := s.Properties.Get("amount"); ok {
		amount.Pattern = `^[0-9]+(\.[0-9]+)?$`
		amount.Description = "major units with exactly the currency's fraction digits (\"10.50\", \"1000\" JPY)"
	}
	if currency, ok := s.Properties.Get("currency"); ok {
		currency.Pattern = "^[A-Z]{3}$"
		currency.Description = "ISO 4217 code"
	}
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// The schema files are what the Go types generate today (-update rewrites them).
func TestSchemasUpToDate(t *testing.T) {
	update := flag.Lookup("update").Value.(flag.Getter).Get().(bool)
	for _, st := range schemaTypes {
		got := generateSchema(t, st.file, st.title, st.value, st.versions)
		path := filepath.Join("schemas", st.file)
		if update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./pkg/job -run TestSchemasUpToDate -update writes it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date with the Go type %T: run go test ./pkg/job -run TestSchemasUpToDate -update", path, st.value)
		}
	}
}

// Messages built by the package's own constructors from the example batch validate; broken ones
// do not (the schema is not a rubber stamp).
func TestSchemasValidateMessages(t *testing.T) {
	t.Parallel()
	sch := jobtest.LoadSchemas(t)
	f, err := os.Open("../../configs/batches/example-payroll.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := job.NewReader(f, "example-payroll.csv")
	at := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	sum := job.NewBatchSummary("example-payroll", 0)
	for i := 0; ; i++ {
		j, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		m := job.NewMessage("example-payroll", j)
		mustValidate(t, sch, schemas.JobMessage, m)
		sealed, err := m.Seal(prefixSealer{})
		if err != nil {
			t.Fatal(err)
		}
		mustValidate(t, sch, schemas.JobMessage, sealed) // version 2
		r := job.Result{Version: job.ResultVersion, BatchID: "example-payroll", ClientOrderID: j.ClientOrderID,
			Line: j.Line, Status: job.Statuses[i%len(job.Statuses)], Amount: j.Amount.String(), Currency: j.Amount.Currency,
			Attempts: 1, EnqueuedAt: at, FinishedAt: at, Destination: j.MaskedDestination()}
		mustValidate(t, sch, schemas.Result, r)
		if err := sum.Add(r); err != nil {
			t.Fatal(err)
		}
		sum.Rows++
	}
	sum.FinishedAt = at
	mustValidate(t, sch, schemas.BatchSummary, sum)
	mustValidate(t, sch, schemas.DeadLetter, job.DeadLetter{Version: job.DeadLetterVersion, BatchID: "b", ClientOrderID: "o",
		Line: 2, Reason: "max_failures", Result: job.StatusUnresolved, Ledger: json.RawMessage(`{"state":"reported"}`),
		Subject: "payouts.jobs.b", StreamSeq: 1, NumDelivered: 10, PayloadBytes: 300, At: at})

	bad := []struct {
		file, msg, why string
	}{
		{schemas.Result, `{"version":2,"batch_id":"b","client_orderid":"o","status":"approved","amount":"1","currency":"USD","attempts":1,"destination":"x"}`, "/version"},
		{schemas.Result, `{"version":1,"batch_id":"b","client_orderid":"o","status":"paid","amount":"1","currency":"USD","attempts":1,"destination":"x"}`, "/status"},
		{schemas.Result, `{"version":1,"batch_id":"b","client_orderid":"o","status":"approved","amount":"1","currency":"USD","attempts":1,"destination":"x","finished_at":"yesterday"}`, "/finished_at"},
		{schemas.Result, `{"version":1,"batch_id":"b","status":"approved","amount":"1","currency":"USD","attempts":1,"destination":"x"}`, "client_orderid"},
		{schemas.BatchSummary, `{"version":1,"batch_id":"b","rows":1,"counts":{"paid":1},"totals":{},"finished_at":"2026-11-27T03:00:00Z"}`, "'paid'"},
		{schemas.BatchSummary, `{"version":1,"batch_id":"b","rows":1,"counts":{},"totals":{"approved":{"USD":10.5}},"finished_at":"2026-11-27T03:00:00Z"}`, "/totals/approved/USD"},
		{schemas.JobMessage, `{"version":1,"batch_id":"b","line":2,"client_orderid":"o","amount":"10,50","currency":"USD","params":[]}`, "/amount"},
		{schemas.DeadLetter, `{"version":1,"subject":"s","stream_seq":1,"num_delivered":1,"payload_bytes":1,"at":"2026-11-27T03:00:00Z"}`, "reason"},
	}
	for _, b := range bad {
		err := sch.Validate(b.file, []byte(b.msg))
		if err == nil || !strings.Contains(err.Error(), b.why) {
			t.Errorf("%s accepted or refused for another reason (want %q): %v\n%s", b.file, b.why, err, b.msg)
		}
	}
}

func mustValidate(t *testing.T, sch *jobtest.Schemas, file string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(file, data); err != nil {
		t.Errorf("%v\n%s", err, data)
	}
}

// prefixSealer stands in for pkg/seal's keyring: the schema only sees the sealed strings.
type prefixSealer struct{}

func (prefixSealer) Seal(plaintext, _ []byte) (string, error) {
	return "test:" + string(plaintext), nil
}
