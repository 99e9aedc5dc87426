package sandbox

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/payrun/payrun/pkg/signer"
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// parseForm decodes a form body into ordered params ('+' and %20 are spaces; names may
// repeat). Empty segments are skipped.
func parseForm(body string) ([]signer.Param, error) {
	var params []signer.Param
	for field := range strings.SplitSeq(body, "&") {
		if field == "" {
			continue
		}
		n, v, _ := strings.Cut(field, "=")
		name, err := url.QueryUnescape(n)
		if err != nil {
			return nil, err
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, err
		}
		params = append(params, signer.Param{Name: name, Value: value})
	}
	return params, nil
}

// get returns the first value of name.
func get(params []signer.Param, name string) string {
	for _, p := range params {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// field is one name/value of a form answer.
type field struct{ name, value string }

// writeForm writes a gateway-style form answer: every value followed by "\n", fields joined
// with "&", HTTP 200. Empty values are left out.
func writeForm(w http.ResponseWriter, fields []field) {
	var b strings.Builder
	for _, f := range fields {
		if f.value == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(f.name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(f.value))
		b.WriteByte('\n')
	}
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(b.String()))
}

const forbiddenPage = `<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>
<title>403</title>
</head>
<body>
<p>Access is denied</p>
</body>
</html>
`

// writeForbidden writes the gateway's 403 HTML page.
func writeForbidden(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte(forbiddenPage))
}

// writeServerError writes a bare 5xx HTML page.
func writeServerError(w http.ResponseWriter, code int) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(code)
	_, _ = w.Write([]byte("<html><body><h1>" + http.StatusText(code) + "</h1></body></html>\n"))
}
