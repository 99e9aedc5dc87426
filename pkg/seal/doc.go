// Package seal encrypts small values (card and account numbers in job messages) with
// AES-256-GCM under data keys read from a key file, so that the job stream and its files never
// hold them in clear.
//
// # Key file
//
// One key per line: "<key-id> <32 random bytes in standard base64>". The first line's key seals;
// every line's key opens, so a key is rotated by adding a new first line and keeping the old lines
// until no message sealed with them is left in the stream. A key id is 1-64 characters of
// [A-Za-z0-9._-]. Blank lines are ignored. A file readable by group or others is refused. Make one
// with:
//
//	echo "k1 $(openssl rand -base64 32)" > payrun.key && chmod 600 payrun.key
//
// # Sealed form
//
// Seal returns "<key-id>:<base64url without padding of nonce || ciphertext || tag>". The
// associated data passed to Seal must be passed to Open: it binds a sealed value to where it
// belongs (pkg/job uses batch id, client_orderid and parameter name), so a sealed value copied to
// another row or parameter does not open.
//
// A Keyring never shows its keys: it formats as its key ids only, and no error quotes key
// material or a value.
package seal
