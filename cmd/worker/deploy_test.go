package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// checkDeployMetrics loads deploy/prometheus/alerts.yml with Prometheus's own rule parser and
// the Grafana dashboard's queries with its PromQL parser, and checks that every metric they use
// is in metrics (a real /metrics answer of a worker), so an alert cannot watch a name that does
// not exist.
func checkDeployMetrics(t *testing.T, metrics string) {
	t.Helper()
	p := parser.NewParser(parser.Options{})
	groups, errs := rulefmt.ParseFile("../../deploy/prometheus/alerts.yml", false, model.UTF8Validation, p, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if len(errs) > 0 {
		t.Fatalf("alerts.yml: %v", errs)
	}
	alerts := map[string]bool{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			alerts[r.Alert] = true
			checkExprMetrics(t, p, "alert "+r.Alert, r.Expr, metrics)
		}
	}
	for _, want := range []string{"PayrunUnresolvedResults", "PayrunDeadLetters", "PayrunGatewayAuthFailures", "PayrunGatewayPressure",
		"PayrunWorkerNotReady", "PayrunConsumerLagGrowing", "PayrunNoWorkerRegistered"} {
		if !alerts[want] {
			t.Errorf("alerts.yml has no %s", want)
		}
	}

	data, err := os.ReadFile("../../deploy/grafana/dashboards/payrun.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	if len(dash.Panels) == 0 {
		t.Fatal("dashboard has no panels")
	}
	for _, panel := range dash.Panels {
		for _, target := range panel.Targets {
			checkExprMetrics(t, p, "panel "+panel.Title, target.Expr, metrics)
		}
	}
}

// checkExprMetrics parses expr and checks each selected metric name against the scrape.
func checkExprMetrics(t *testing.T, p parser.Parser, where, expr, metrics string) {
	t.Helper()
	e, err := p.ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %q: %v", where, expr, err)
		return
	}
	n := 0
	parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok {
			n++
			if !strings.Contains(metrics, "\n"+vs.Name+"{") && !strings.Contains(metrics, "\n"+vs.Name+" ") {
				t.Errorf("%s uses %s, which the worker does not export", where, vs.Name)
			}
		}
		return nil
	})
	if n == 0 {
		t.Errorf("%s: %q selects no metric", where, expr)
	}
}
