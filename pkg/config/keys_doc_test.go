package config

import (
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/payrun/payrun/internal/docregion"
)

var update = flag.Bool("update", false, "rewrite the generated regions of docs/config.md")

// TestKeyTableIsDocumented keeps docs/config.md's key table generated from Fields() and
// Default(), with each key's comment from configs/payrun.yaml, so that a key added to the Config
// struct (by any change, and after every merge) shows up there with its variable and default.
// Regenerate with
//
//	go test ./pkg/config -run TestKeyTableIsDocumented -update
func TestKeyTableIsDocumented(t *testing.T) {
	t.Parallel()
	notes, err := yamlComments("../../configs/payrun.yaml")
	if err != nil {
		t.Fatal(err)
	}
	def := reflect.ValueOf(Default())
	var b strings.Builder
	b.WriteString("| key | environment variable | default | |\n|---|---|---|---|\n")
	for _, f := range Fields() {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", f.Key, f.Env, defaultCell(def.FieldByIndex(f.index)),
			strings.ReplaceAll(notes[f.Key], "|", `\|`))
	}
	docregion.Check(t, "../../docs/config.md", "keys", b.String(), *update,
		"go test ./pkg/config -run TestKeyTableIsDocumented")
}

func defaultCell(v reflect.Value) string {
	var s string
	switch {
	case v.Type() == durationType:
		s = time.Duration(v.Int()).String()
	case v.Kind() == reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = fmt.Sprint(v.Index(i).Interface())
		}
		s = strings.Join(parts, ",")
	default:
		s = fmt.Sprint(v.Interface())
	}
	if s == "" {
		return "(empty)"
	}
	return "`" + s + "`"
}

// yamlComments maps each key of the YAML file at path to its comment: the one on its line, else
// the one above it.
func yamlComments(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	out := map[string]string{}
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind == yaml.MappingNode {
				walk(v, prefix+k.Value+".")
				continue
			}
			c := k.LineComment
			if c == "" {
				c = v.LineComment
			}
			if c == "" {
				c = k.HeadComment
			}
			out[prefix+k.Value] = cleanComment(c)
		}
	}
	if len(doc.Content) > 0 {
		walk(doc.Content[0], "")
	}
	return out, nil
}

func cleanComment(c string) string {
	var lines []string
	for _, l := range strings.Split(c, "\n") {
		if l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "#")); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, " ")
}
