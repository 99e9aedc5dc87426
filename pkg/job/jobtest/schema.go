package jobtest

import (
	"bytes"
	"fmt"
	"io/fs"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/payrun/payrun/pkg/job/schemas"
)

// Schemas validates messages against the published JSON Schema files (pkg/job/schemas).
type Schemas struct{ byName map[string]*jsonschema.Schema }

// LoadSchemas compiles every schema file, with formats (date-time) asserted.
func LoadSchemas(tb testing.TB) *Schemas {
	tb.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	names, err := fs.Glob(schemas.FS(), "*.schema.json")
	if err != nil || len(names) == 0 {
		tb.Fatalf("schema files: %v (%d found)", err, len(names))
	}
	out := &Schemas{byName: map[string]*jsonschema.Schema{}}
	for _, name := range names {
		data, err := fs.ReadFile(schemas.FS(), name)
		if err != nil {
			tb.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		if err := c.AddResource(name, doc); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		if out.byName[name], err = c.Compile(name); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
	}
	return out
}

// Validate checks one message against the schema file name (schemas.Result, ...).
func (s *Schemas) Validate(name string, msg []byte) error {
	sch, ok := s.byName[name]
	if !ok {
		return fmt.Errorf("no schema %s", name)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(msg))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
