package payout

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/payrun/payrun/internal/docregion"
	"github.com/payrun/payrun/pkg/job"
)

var update = flag.Bool("update", false, "rewrite the generated regions of docs/worker.md")

const workerDoc = "../../docs/worker.md"

// TestTransitionTableIsDocumented keeps docs/worker.md's transition table and state diagram
// generated from the decision table (decideCases) as the classifier decides it, so that the
// document fails this test when it drifts from the code. Regenerate with
//
//	go test ./pkg/payout -run TestTransitionTableIsDocumented -update
func TestTransitionTableIsDocumented(t *testing.T) {
	t.Parallel()
	o := testOptions()
	c := newClassifier(o, zerolog.Nop())
	var table strings.Builder
	table.WriteString("| case | event | ledger entry | outcome | guards that hold | action | step | ledger write | result |\n")
	table.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	edges := newDiagram()
	for _, tc := range decideCases(o) {
		in := tc.in
		in.Row = rowID{BatchID: "b1", ClientOrderID: "o1", Line: 2}
		d := c.Decide(in)
		outcome := ""
		if in.Event == eventPayout || in.Event == eventStatus {
			outcome = in.Outcome.String()
		}
		fmt.Fprintf(&table, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", tc.name, in.Event, entryCell(in),
			outcome, strings.Join(guardsHolding(c, in), ", "), actionCell(d), d.Step, writeCell(in.Entry, d.Next), resultCell(d))
		edges.add(in, d)
	}
	rerun := "go test ./pkg/payout -run TestTransitionTableIsDocumented"
	docregion.Check(t, workerDoc, "transitions", table.String(), *update, rerun)
	docregion.Check(t, workerDoc, "diagram", edges.mermaid(), *update, rerun)
}

// guardsHolding names the guards (guards.go) that hold for the input, as the decision reads them.
func guardsHolding(c *classifier, in input) []string {
	var g []string
	e := in.Entry
	if in.Event == eventDelivery && lookupFirst(e, in.Delivery) {
		g = append(g, "lookupFirst")
	}
	if c.deadReason(in) != "" {
		g = append(g, "deadReason")
	}
	if in.NoParams {
		g = append(g, "noParams")
	}
	if e == nil {
		return g
	}
	if lastRequestUnsent(e) {
		g = append(g, "lastRequestUnsent")
	}
	if (e.State == StateSubmitting || e.State == StateLost) && c.settled(e, in.Now) {
		g = append(g, "settled")
	}
	if e.State == StateAccepted && c.pastHorizon(e.StatusChangedAt, in.Now) {
		g = append(g, "pastHorizon")
	}
	if tombstone(e) {
		g = append(g, "tombstone")
	}
	if c.atMaxAttempts(e) {
		g = append(g, "atMaxAttempts")
	}
	if c.atMaxFailures(e.Failures + 1) {
		g = append(g, "atMaxFailures (next failure)")
	}
	if mayHavePaid(e) {
		g = append(g, "mayHavePaid")
	}
	if foreignOrder(e, in.Gateway) {
		g = append(g, "foreignOrder")
	}
	if e.Refused {
		g = append(g, "refused")
	}
	if e.Resent {
		g = append(g, "resent")
	}
	return g
}

func entryCell(in input) string {
	e := in.Entry
	if e == nil {
		if in.Event == eventDelivery {
			return fmt.Sprintf("none (delivery %d)", max(in.Delivery.NumDelivered, 1))
		}
		return "none"
	}
	s := string(e.State)
	if e.Lost != "" {
		s += "/" + e.Lost
	}
	if e.State == StateFinal || e.State == StateReported {
		return s + " (" + string(e.Result) + ")"
	}
	return fmt.Sprintf("%s (attempts %d, failures %d)", s, e.Attempts, e.Failures)
}

func actionCell(d decision) string {
	if d.Action == actionNakDelay {
		return fmt.Sprintf("nak_delay %s", d.Delay)
	}
	return d.Action.String()
}

func writeCell(before, next *Entry) string {
	if next == nil {
		return "—"
	}
	s := string(next.State)
	if next.Lost != "" {
		s += "/" + next.Lost
	}
	var changed []string
	if before == nil || next.Attempts != before.Attempts {
		changed = append(changed, fmt.Sprintf("attempts %d", next.Attempts))
	}
	if before == nil || next.Failures != before.Failures {
		changed = append(changed, fmt.Sprintf("failures %d", next.Failures))
	}
	if next.Refused && (before == nil || !before.Refused) {
		changed = append(changed, "refused")
	}
	if next.Resent && (before == nil || !before.Resent) {
		changed = append(changed, "resent")
	}
	if next.DeadLetter != "" && (before == nil || before.DeadLetter == "") {
		changed = append(changed, "dead_letter")
	}
	if len(changed) > 0 {
		s += " (" + strings.Join(changed, ", ") + ")"
	}
	return s
}

func resultCell(d decision) string {
	if d.ResultStatus == "" {
		return ""
	}
	if d.Next != nil && d.Next.ErrorCode != "" && (d.ResultStatus == job.StatusUnresolved || d.Next.DeadLetter != "") {
		return string(d.ResultStatus) + " `" + d.Next.ErrorCode + "`"
	}
	return string(d.ResultStatus)
}

// diagram collects the state changes of the decision table for a Mermaid state diagram. A
// finished row is drawn by its kind of result: final (the gateway's answer or a rejection),
// unresolved, or dead letter; a message without a row ends in a dead letter of its own.
type diagram struct {
	seen  map[string]bool
	lines []string
}

func newDiagram() *diagram { return &diagram{seen: map[string]bool{}} }

func node(e *Entry) string {
	switch {
	case e == nil:
		return "[*]"
	case e.State == StateFinal && e.DeadLetter != "":
		return "dead_letter"
	case e.State == StateFinal && e.Result == job.StatusUnresolved:
		return "unresolved"
	case e.State == StateLost:
		return "lost_" + e.Lost
	}
	return string(e.State)
}

func (g *diagram) add(in input, d decision) {
	from, label := node(in.Entry), in.Event.String()
	if in.Event == eventPayout || in.Event == eventStatus {
		label += ": " + in.Outcome.String()
	}
	var to string
	switch {
	case d.Step == stepDeadLetter:
		to = "dead_letter_no_row"
	case d.Next != nil:
		to = node(d.Next)
	default:
		return // no state change: a wait, a lookup, a publish, a duplicate
	}
	if from == to && from != "accepted" {
		return
	}
	line := fmt.Sprintf("    %s --> %s : %s", from, to, label)
	if !g.seen[line] {
		g.seen[line] = true
		g.lines = append(g.lines, line)
	}
}

func (g *diagram) mermaid() string {
	var b strings.Builder
	b.WriteString("```mermaid\nstateDiagram-v2\n")
	b.WriteString("    state \"lost (missing)\" as lost_missing\n")
	b.WriteString("    state \"lost (deleted: tombstone)\" as lost_deleted\n")
	b.WriteString("    state \"final: unresolved (a person reconciles)\" as unresolved\n")
	b.WriteString("    state \"final: dead-lettered (error DEAD_LETTER when proven unsent, else unresolved)\" as dead_letter\n")
	b.WriteString("    state \"dead letter, terminated: no row, no result\" as dead_letter_no_row\n")
	for _, l := range g.lines {
		b.WriteString(l + "\n")
	}
	b.WriteString("    reported --> [*]\n    dead_letter_no_row --> [*]\n```\n")
	return b.String()
}
