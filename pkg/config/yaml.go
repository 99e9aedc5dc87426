package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/payrun/payrun/internal/textdist"
)

// LineError is a problem at a line of the YAML file that is not about the value of a known key:
// an unknown key, a key set twice, a document that is not a mapping. (A bad value of a known key
// is a *FieldError with Source and Line.)
type LineError struct {
	Source string
	Line   int
	Reason string
}

func (e *LineError) Error() string {
	return fmt.Sprintf("config: %s:%d: %s", e.Source, e.Line, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *LineError) Is(target error) bool { return target == ErrInvalid }

// decodeYAML sets cfg's keys from the YAML document in data and records each key's line in
// from. It reports every problem, each with its line: unknown keys (with a suggestion for a near
// miss), keys set twice, and values of the wrong type in the words the environment's errors use.
// A syntax error ends it with yaml's own message.
func decodeYAML(data []byte, source string, cfg *Config, from origins) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if source == "" {
		source = "config"
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalid, source, err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := resolve(doc.Content[0])
	if isNull(root) {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return &LineError{Source: source, Line: root.Line, Reason: "the top level must be a mapping of sections (nats:, worker:, ...)"}
	}
	d := yamlDecoder{source: source, from: from}
	d.mapping(root, reflect.ValueOf(cfg).Elem(), "")
	return errors.Join(d.errs...)
}

type yamlDecoder struct {
	source string
	from   origins
	errs   []error
}

// mapping sets the fields of the struct v from the mapping node n; prefix is n's key path.
func (d *yamlDecoder) mapping(n *yaml.Node, v reflect.Value, prefix string) {
	firstLine := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], resolve(n.Content[i+1])
		key := prefix + k.Value
		field, ok := fieldNamed(v.Type(), k.Value)
		if !ok {
			reason := fmt.Sprintf("unknown key %q", key)
			if s := suggest(k.Value, yamlNames(v.Type())); s != "" {
				reason += fmt.Sprintf(" (did you mean %q?)", prefix+s)
			}
			d.errs = append(d.errs, &LineError{Source: d.source, Line: k.Line, Reason: reason})
			continue
		}
		if line, dup := firstLine[k.Value]; dup {
			d.errs = append(d.errs, &LineError{Source: d.source, Line: k.Line, Reason: fmt.Sprintf("%q is set twice (first on line %d)", key, line)})
			continue
		}
		firstLine[k.Value] = k.Line
		fv := v.FieldByIndex(field.Index)
		if isSection(field.Type) {
			switch {
			case isNull(val): // an empty section keeps its defaults
			case val.Kind != yaml.MappingNode:
				d.wrong(key, k.Line, "a mapping of keys", val, false)
			default:
				d.mapping(val, fv, key+".")
			}
			continue
		}
		d.from[key] = origin{source: d.source, line: k.Line}
		d.leaf(val, fv, key, k.Line, field.Tag.Get("secret") == "true")
	}
}

// leaf decodes the value node n into v, the field of key. yaml decides what a scalar means (a
// null keeps the default); a fraction is not a whole number, although yaml would truncate it.
func (d *yamlDecoder) leaf(n *yaml.Node, v reflect.Value, key string, line int, secret bool) {
	tmp := reflect.New(v.Type())
	tmp.Elem().Set(v)
	err := n.Decode(tmp.Interface())
	if err == nil && isWhole(v.Type()) && n.ShortTag() == "!!float" {
		err = errors.New("a fraction")
	}
	if err != nil {
		d.wrong(key, line, wanted(v.Type()), n, secret)
		return
	}
	v.Set(tmp.Elem())
}

// wrong reports that key's value n is not what the key takes.
func (d *yamlDecoder) wrong(key string, line int, want string, n *yaml.Node, secret bool) {
	d.errs = append(d.errs, &FieldError{Key: key, Env: EnvName(key), Source: d.source, Line: line,
		Reason: fmt.Sprintf("want %s, got %s", want, shown(n, secret))})
}

// wanted says in words what a key of type t takes; the environment's errors say the same.
func wanted(t reflect.Type) string {
	if t == durationType {
		return "a duration such as 30s, 5m, 1h"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int32:
		return "a whole number that fits 32 bits"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list of values"
	default:
		return "a single value"
	}
}

// shown is a value node as an error message may show it: its kind for a list or a mapping, the
// quoted (and shortened) text of a scalar unless the key is a secret.
func shown(n *yaml.Node, secret bool) string {
	switch {
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case secret:
		return "(secret)"
	}
	s := n.Value
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "..."
	}
	return strconv.Quote(s)
}

// resolve follows an alias (*name) to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// isSection reports whether a field of type t is a section (a struct of keys), not a key.
func isSection(t reflect.Type) bool { return t.Kind() == reflect.Struct && t != durationType }

func isWhole(t reflect.Type) bool {
	return t != durationType && (t.Kind() == reflect.Int || t.Kind() == reflect.Int32 || t.Kind() == reflect.Int64)
}

// fieldNamed finds the field of struct type t whose yaml name is name.
func fieldNamed(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && f.Tag.Get("yaml") == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func yamlNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() {
			names = append(names, f.Tag.Get("yaml"))
		}
	}
	return names
}

// suggest returns the candidate closest to s by edit distance, if it is close enough.
func suggest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := textdist.Levenshtein(strings.ToLower(s), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
