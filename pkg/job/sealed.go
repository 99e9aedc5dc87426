package job

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
)

// SealedMessageVersion is the schema version of a job message whose sensitive parameters are
// sealed (see Message.Seal). A build that reads only version 1 refuses it instead of sending a
// sealed value to the gateway.
const SealedMessageVersion = 2

// Sealer encrypts one value bound to associated data (pkg/seal's Keyring).
type Sealer interface {
	Seal(plaintext, aad []byte) (string, error)
}

// Opener decrypts a value sealed with the same associated data (pkg/seal's Keyring).
type Opener interface {
	Open(sealed string, aad []byte) ([]byte, error)
}

// sealedAlso are the parameters a job message carries sealed besides the sensitive ones (card and
// account numbers, wallet and document numbers, see IsSensitive): the rest of the card data
// (expiry, cardholder name) and the bank routing codes. IBANs go in account_number.
var sealedAlso = map[string]bool{
	"expire_month":      true,
	"expire_year":       true,
	"card_printed_name": true,
	"routing_number":    true,
	"bank_code":         true,
	"bank_bic":          true,
	"receiver_inn":      true,
}

// IsSealedParam reports whether a job message carries the canonical parameter name sealed.
func IsSealedParam(name string) bool { return sensitive[name] || sealedAlso[name] }

// ParamAAD is the associated data a parameter's value is sealed with: batch id, client_orderid
// and parameter name, each length-prefixed. A sealed value moved to another batch, row or
// parameter does not open.
func ParamAAD(batchID, clientOrderID, name string) []byte {
	b := []byte("payrun/job-param/v1")
	for _, s := range []string{batchID, clientOrderID, name} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// Seal returns a copy of m whose sensitive parameters (IsSealedParam) are sealed with s, listed
// in Sealed, with version SealedMessageVersion. A message without sensitive parameters is
// returned unchanged (version 1). m must not be sealed already.
func (m Message) Seal(s Sealer) (Message, error) {
	if len(m.Sealed) > 0 {
		return Message{}, fmt.Errorf("job: seal %s: already sealed", safeValue(m.ClientOrderID))
	}
	out := m
	out.Params = slices.Clone(m.Params)
	for i, p := range out.Params {
		if !IsSealedParam(p.Name) {
			continue
		}
		v, err := s.Seal([]byte(p.Value), ParamAAD(m.BatchID, m.ClientOrderID, p.Name))
		if err != nil {
			return Message{}, fmt.Errorf("job: seal %s: %s: %w", safeValue(m.ClientOrderID), p.Name, err)
		}
		out.Params[i].Value = v
		out.Sealed = append(out.Sealed, p.Name)
	}
	if len(out.Sealed) > 0 {
		out.Version = SealedMessageVersion
	}
	return out, nil
}

// Open returns a copy of m with its sealed parameters opened by o (version 1, Sealed empty). A
// message with nothing sealed is returned as is. Errors name the parameter, never a value.
func (m Message) Open(o Opener) (Message, error) {
	if len(m.Sealed) == 0 {
		return m, nil
	}
	if o == nil {
		return Message{}, fmt.Errorf("job: open %s: sealed parameters and no data key", safeValue(m.ClientOrderID))
	}
	out := m
	out.Params = slices.Clone(m.Params)
	for i, p := range out.Params {
		if !slices.Contains(m.Sealed, p.Name) {
			continue
		}
		v, err := o.Open(p.Value, ParamAAD(m.BatchID, m.ClientOrderID, p.Name))
		if err != nil {
			return Message{}, fmt.Errorf("job: open %s: %s: %w", safeValue(m.ClientOrderID), p.Name, err)
		}
		out.Params[i].Value = string(v)
	}
	out.Sealed, out.Version = nil, MessageVersion
	return out, nil
}

// checkSealed checks the sealing of a decoded job message: version 1 seals nothing; version 2
// lists each sealed parameter once, only sensitive ones, each present once, and leaves no
// sensitive parameter in clear.
func checkSealed(m Message) string {
	if m.Version == MessageVersion {
		if len(m.Sealed) > 0 {
			return "version 1 message lists sealed parameters"
		}
		return ""
	}
	if len(m.Sealed) == 0 {
		return "version 2 message seals nothing"
	}
	count := map[string]int{}
	for _, p := range m.Params {
		count[p.Name]++
	}
	listed := map[string]bool{}
	for _, name := range m.Sealed {
		switch {
		case !IsSealedParam(name):
			return fmt.Sprintf("%q is not a sealed parameter", safeValue(name))
		case listed[name]:
			return fmt.Sprintf("%s listed as sealed twice", name)
		case count[name] != 1:
			return fmt.Sprintf("sealed %s appears %d times in params", name, count[name])
		}
		listed[name] = true
	}
	for name := range count {
		if IsSealedParam(name) && !listed[name] {
			return fmt.Sprintf("%s is in clear in a sealed message", name)
		}
	}
	return ""
}

// peekVersion returns the version field of a message, or 0.
func peekVersion(data []byte) int {
	var v struct {
		Version int `json:"version"`
	}
	_ = json.Unmarshal(data, &v) // decodeVersioned reports a bad payload
	return v.Version
}
