package cli

import (
	"encoding/json"
	"io"
)

// WriteJSON writes v to w as the --json output of a command: one JSON document indented by two
// spaces, with a final newline, and with <, > and & as they are (the output is read by people
// and programs, never embedded in HTML).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
