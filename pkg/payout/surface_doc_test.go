package payout

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

const designDoc = "../../docs/DESIGN.md"

// TestPublicSurfaceIsDocumented keeps pkg/payout's exported names and docs/DESIGN.md's "Payout
// worker API" section in step: every name `go doc ./pkg/payout` lists is in the section, and
// every type, function, variable or constant the section declares is exported here. A new
// export must be documented there (or stay unexported).
func TestPublicSurfaceIsDocumented(t *testing.T) {
	t.Parallel()
	exported := exportedNames(t)
	section := payoutSection(t)
	for _, name := range exported {
		if !regexp.MustCompile(`\b` + name + `\b`).MatchString(section) {
			t.Errorf("pkg/payout exports %s, which docs/DESIGN.md's \"Payout worker API\" does not document", name)
		}
	}
	has := map[string]bool{}
	for _, n := range exported {
		has[n] = true
	}
	decl := regexp.MustCompile(`(?m)^\s*(?:func|type|var|const)\s+([A-Z]\w*)`)
	for _, m := range decl.FindAllStringSubmatch(section, -1) {
		if !has[m[1]] {
			t.Errorf("docs/DESIGN.md's \"Payout worker API\" declares %s, which pkg/payout does not export", m[1])
		}
	}
}

// exportedNames lists the package-level exported names of the package's non-test files.
func exportedNames(t *testing.T) []string {
	t.Helper()
	bp, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var names []string
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					names = append(names, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							names = append(names, s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								names = append(names, n.Name)
							}
						}
					}
				}
			}
		}
	}
	sort.Strings(names)
	return names
}

// payoutSection is docs/DESIGN.md from "## Payout worker API" to the next section.
func payoutSection(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(designDoc)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n## Payout worker API (pkg/payout)\n")
	if !ok {
		t.Fatalf("%s has no \"## Payout worker API (pkg/payout)\" section", designDoc)
	}
	section, _, _ := strings.Cut(rest, "\n## ")
	return section
}
