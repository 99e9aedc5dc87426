package job

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestExports reads every file in testdata/exports — files as Excel and
// LibreOffice save them — and compares what the Reader makes of each (how it
// read the file, every accepted row, every error and warning) with
// testdata/exports.golden (go test -run TestExports -update rewrites it).
func TestExports(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("testdata", "exports", "*"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	var out strings.Builder
	for _, p := range paths {
		name := filepath.Base(p)
		plain, strict := describeFile(t, p, false), describeFile(t, p, true)
		fmt.Fprintf(&out, "== %s\n%s", name, plain)
		if strict != plain { // --strict only matters for files with warnings: show what it changes
			out.WriteString("-- with --strict\n" + strict)
		}
	}
	golden(t, "exports.golden", out.String())
}

// describeFile writes the layout, the accepted rows, then the errors and
// warnings of one file.
func describeFile(t *testing.T, path string, strict bool) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	name := filepath.Base(path)
	w := &strings.Builder{}
	rd := NewReader(f, name, WithClock(testToday), WithStrict(strict))
	var jobs []Job
	var errs []string
	for {
		j, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var ve *ValidationError
		if errors.As(err, &ve) {
			errs = append(errs, ve.Error())
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		jobs = append(jobs, j)
	}
	l := rd.Layout()
	if l.Delimiter != 0 {
		fmt.Fprintf(w, "layout: %s (%s), bom %v, sep line %d, title lines %v, header line %d\n",
			DelimiterName(l.Delimiter), l.DelimFrom, l.BOM, l.SepLine, l.TitleLines, l.HeaderLine)
		for _, c := range l.Columns {
			fmt.Fprintf(w, "  column %d %q -> %s\n", c.Field, c.Header, c.Param)
		}
	}
	if len(errs) == 0 {
		for _, j := range jobs {
			fmt.Fprintf(w, "row line %d: %s %s %s to %s", j.Line, j.ClientOrderID, j.Amount, j.Amount.Currency, j.MaskedDestination())
			for _, p := range j.Params {
				if p.Name != "client_orderid" && p.Name != "amount" && p.Name != "currency" && !IsSensitive(p.Name) {
					fmt.Fprintf(w, " %s=%q", p.Name, p.Value)
				}
			}
			fmt.Fprintln(w)
		}
	}
	for _, e := range errs {
		fmt.Fprintln(w, "error:", e)
	}
	warns, n := rd.Warnings()
	for _, e := range warns {
		fmt.Fprintln(w, "warning:", e)
	}
	fmt.Fprintf(w, "rows %d, jobs %d, errors %d, warnings %d\n", rd.Rows(), len(jobs), len(errs), n)
	return w.String()
}
