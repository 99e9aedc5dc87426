package stack

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/payrun/payrun/pkg/job"
)

// WriteText writes one table row per result (ordered by the row's line in the file) and then the
// batch summary: counts and totals per status, and the whole batch per currency. It fails if the
// summary is missing or its totals do not add up.
func (out DemoOutcome) WriteText(w io.Writer) error {
	rs := slices.Clone(out.Results)
	slices.SortStableFunc(rs, func(a, b job.Result) int { return a.Line - b.Line })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LINE\tCLIENT_ORDERID\tSTATUS\tAMOUNT\tPAYNET_ORDER_ID\tDESTINATION\tERROR")
	for _, r := range rs {
		errText := strings.TrimSpace(strings.Join(nonEmpty(r.ErrorCode, r.ErrorMessage), ": "))
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s %s\t%s\t%s\t%s\n", r.Line, r.ClientOrderID, r.Status,
			r.Amount, r.Currency, dash(r.PaynetOrderID), dash(r.Destination), dash(errText))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	s := out.Summary
	if s == nil {
		return errors.New("no batch summary")
	}
	fmt.Fprintf(w, "\nbatch %s: %d rows\n", s.BatchID, s.Rows)
	all, err := s.Total()
	if err != nil {
		return err
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, st := range slices.Sorted(maps.Keys(s.Counts)) {
		fmt.Fprintf(tw, "  %s\t%d\t%s\n", st, s.Counts[st], s.Totals[st])
	}
	fmt.Fprintf(tw, "  total\t%d\t%s\n", s.Rows, all)
	return tw.Flush()
}

func nonEmpty(ss ...string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return s == "" })
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
