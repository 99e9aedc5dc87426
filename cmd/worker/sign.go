package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/payrun/payrun/pkg/signer"
)

const signUsage = `usage: worker sign --key FILE --login LOGIN --url URL [--nonce N] [--timestamp T] [--json] name=value ...

Prints what the signer signs for one POST request (see docs/signing.md): the normalized
parameters, the signature base string, the POST body, the hex and base64 signatures and the
Authorization header. Parameters keep their order and may repeat; each is split on its first
'='. Without --nonce/--timestamp a fresh nonce and the current time are used. Flags go before
the parameters.
` + signFooter + `
Flags:
`

// runSign is the signing debug command for merchants whose requests get 403.
func runSign(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), signUsage)
		fs.PrintDefaults()
	}
	keyFile := fs.String("key", "", "PEM file with the merchant's RSA private key (PKCS#1 or PKCS#8)")
	login := fs.String("login", "", "merchant login (oauth_consumer_key)")
	rawURL := fs.String("url", "", "full request URL, e.g. https://sandbox.connpay.com/paynet/api/v4/payout/39915")
	nonce := fs.String("nonce", "", "oauth_nonce to use (default: fresh random)")
	timestamp := fs.String("timestamp", "", "oauth_timestamp in Unix seconds (default: now)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of labelled text")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("sign: %w: %w", errUsage, err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var missing []string
	for _, name := range []string{"key", "login", "url"} {
		if fs.Lookup(name).Value.String() == "" {
			missing = append(missing, "--"+name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("sign: %w: missing %s", errUsage, strings.Join(missing, ", "))
	}
	if set["nonce"] && *nonce == "" {
		return fmt.Errorf("sign: %w: --nonce is empty", errUsage)
	}
	var opts []signer.Option
	if set["nonce"] {
		opts = append(opts, signer.WithNonceSource(fixedNonce(*nonce)))
	}
	if set["timestamp"] {
		ts, err := strconv.ParseInt(*timestamp, 10, 64)
		if err != nil || ts < 0 {
			return fmt.Errorf("sign: %w: --timestamp %q is not Unix seconds", errUsage, *timestamp)
		}
		opts = append(opts, signer.WithClock(fixedClock(ts)))
	}
	params, err := parseSignParams(fs.Args())
	if err != nil {
		return err
	}

	key, warnings, err := signer.LoadPrivateKeyFile(*keyFile)
	for _, w := range warnings {
		fmt.Fprintln(stderr, "worker sign: warning:", w)
	}
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	s, err := signer.New(key, *login, opts...)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	d, err := s.Sign("POST", *rawURL, params)
	if err != nil {
		if errors.Is(err, signer.ErrInvalidURL) || errors.Is(err, signer.ErrInvalidParam) {
			return fmt.Errorf("sign: %w: %w", errUsage, err)
		}
		return fmt.Errorf("sign: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	return writeSignText(stdout, d)
}

// parseSignParams splits name=value arguments on the first '=', keeping order and repeats.
func parseSignParams(args []string) ([]signer.Param, error) {
	params := make([]signer.Param, 0, len(args))
	for _, arg := range args {
		name, value, ok := strings.Cut(arg, "=")
		if !ok && strings.HasPrefix(arg, "-") {
			return nil, fmt.Errorf("sign: %w: %q after the parameters: flags go before name=value parameters", errUsage, arg)
		}
		if !ok {
			return nil, fmt.Errorf("sign: %w: parameter %q has no '=' (want name=value)", errUsage, arg)
		}
		if name == "" {
			return nil, fmt.Errorf("sign: %w: parameter %q has an empty name", errUsage, arg)
		}
		params = append(params, signer.Param{Name: name, Value: value})
	}
	return params, nil
}

func writeSignText(w io.Writer, d signer.Debug) error {
	_, err := fmt.Fprintf(w, "Normalized parameters:\n%s\n\nSignature base string:\n%s\n\nPOST body:\n%s\n\n"+
		"Signature (hex):\n%s\n\nSignature (base64):\n%s\n\nAuthorization header:\nAuthorization: %s\n",
		d.NormalizedParameters, d.SignatureBaseString, d.Body, d.SignatureHex, d.SignatureBase64, d.AuthorizationHeader)
	return err
}

// fixedNonce and fixedClock pin --nonce and --timestamp through the signer's seams.
type fixedNonce string

func (n fixedNonce) Nonce() (string, error) { return string(n), nil }

type fixedClock int64

func (c fixedClock) Now() time.Time { return time.Unix(int64(c), 0) }
