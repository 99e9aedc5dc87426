package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/payrun/payrun/internal/cli"
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
	fs := cli.NewFlagSet("worker sign", signUsage, stderr)
	keyFile := fs.String("key", "", "PEM file with the merchant's RSA private key (PKCS#1 or PKCS#8)")
	login := fs.String("login", "", "merchant login (oauth_consumer_key)")
	rawURL := fs.String("url", "", "full request URL, e.g. https://sandbox.connpay.com/paynet/api/v4/payout/39915")
	nonce := fs.String("nonce", "", "oauth_nonce to use (default: fresh random)")
	timestamp := fs.String("timestamp", "", "oauth_timestamp in Unix seconds (default: now)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of labelled text")
	if help, err := cli.ParseFlags(fs, "sign", args, true); help || err != nil {
		return err
	}
	set := cli.Given(fs)

	if err := cli.Required(fs, "key", "login", "url"); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	if set["nonce"] && *nonce == "" {
		return fmt.Errorf("sign: %w: --nonce is empty", cli.ErrUsage)
	}
	var opts []signer.Option
	if set["nonce"] {
		opts = append(opts, signer.WithNonceSource(signer.FixedNonce(*nonce)))
	}
	if set["timestamp"] {
		clock, err := signer.ParseTimestamp(*timestamp)
		if err != nil {
			return fmt.Errorf("sign: %w: --timestamp %q is not Unix seconds", cli.ErrUsage, *timestamp)
		}
		opts = append(opts, signer.WithClock(clock))
	}
	for _, arg := range fs.Args() { // the first bad argument decides; a flag gets its own hint
		name, _, ok := strings.Cut(arg, "=")
		if !ok && strings.HasPrefix(arg, "-") {
			return fmt.Errorf("sign: %w: %q after the parameters: flags go before name=value parameters", cli.ErrUsage, arg)
		} else if !ok || name == "" {
			break
		}
	}
	params, err := signer.ParseParams(fs.Args())
	if err != nil {
		return fmt.Errorf("sign: %w: %w", cli.ErrUsage, err)
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
			return fmt.Errorf("sign: %w: %w", cli.ErrUsage, err)
		}
		return fmt.Errorf("sign: %w", err)
	}
	if *asJSON {
		return cli.WriteJSON(stdout, d)
	}
	return d.WriteText(stdout)
}
