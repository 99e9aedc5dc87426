package logging_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/payrun/payrun/pkg/logging"
	"github.com/payrun/payrun/pkg/logging/logtest"
)

func TestNewWritesCheckedLines(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log, format := logging.New(&buf, logging.Options{Level: "debug", Service: "payrun-test"})
	if format != logging.FormatJSON {
		t.Fatalf("format %q for a buffer, want json", format)
	}
	log.Debug().Str("component", "x").Str("batch", "b").Str("client_orderid", "o").Msg("one")
	log.Info().Msg("two")
	lines, err := logtest.CheckLines(buf.String())
	if err != nil || len(lines) != 2 || lines[0]["service"] != "payrun-test" {
		t.Fatalf("%v %v\n%s", lines, err, buf.String())
	}

	buf.Reset()
	log, format = logging.New(&buf, logging.Options{Level: "info", Format: logging.FormatConsole})
	log.Info().Msg("readable")
	if format != logging.FormatConsole || strings.HasPrefix(buf.String(), "{") || !strings.Contains(buf.String(), "readable") {
		t.Fatalf("console: %q %q", format, buf.String())
	}
}

func TestCheckLineRefuses(t *testing.T) {
	t.Parallel()
	const ts = `"time":"2026-12-01T12:00:00.123Z"`
	cases := map[string]string{
		"duplicate key":       `{` + ts + `,"component":"a","component":"b"}`,
		"seconds timestamp":   `{"time":"2026-12-01T12:00:00Z"}`,
		"no time":             `{"message":"x"}`,
		"row without batch":   `{` + ts + `,"client_orderid":"o"}`,
		"not json":            `level=info msg=x`,
		"two values":          `{` + ts + `} {}`,
		"nested is no excuse": `{` + ts + `,"a":{"b":1},"a":2}`,
	}
	for name, line := range cases {
		if _, err := logtest.CheckLine([]byte(line)); err == nil {
			t.Errorf("%s: accepted %s", name, line)
		}
	}
	if _, err := logtest.CheckLine([]byte(`{` + ts + `,"batch":"b","client_orderid":"o","a":{"x":1,"y":2}}`)); err != nil {
		t.Errorf("good line refused: %v", err)
	}
}
