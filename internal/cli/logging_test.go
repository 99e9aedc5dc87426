package cli_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/payrun/payrun/internal/cli"
	"github.com/payrun/payrun/pkg/config"
	"github.com/payrun/payrun/pkg/logging"
)

// The default format (json) means "readable on a terminal, JSON elsewhere"; a buffer is no
// terminal, so every case here writes JSON unless console is asked for.
func TestNewLoggerFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		format  string
		environ []string
		want    string
	}{
		{"default", logging.FormatJSON, nil, logging.FormatJSON},
		{"json asked for", logging.FormatJSON, []string{"PAYRUN_LOG_FORMAT=json"}, logging.FormatJSON},
		{"console asked for", logging.FormatConsole, nil, logging.FormatConsole},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			log, format := cli.NewLogger(config.Log{Level: "info", Format: tt.format}, &buf, tt.environ, "payrun-test")
			log.Info().Msg("hello")
			if format != tt.want {
				t.Errorf("format %q, want %q", format, tt.want)
			}
			wantJSON := tt.want == logging.FormatJSON
			if strings.HasPrefix(buf.String(), `{"level":"info","service":"payrun-test"`) != wantJSON {
				t.Errorf("format %s wrote %q", tt.want, buf.String())
			}
		})
	}
}
