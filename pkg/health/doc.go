// Package health answers a long-running process's liveness and readiness probes from the moment
// it starts, before its dependencies are up.
//
// /healthz answers 200 "ok" as soon as the handler is served: the process is alive. /readyz
// answers 503 "not ready: waiting for <what>" until Started is called, then runs every added
// check in order and answers 503 "not ready: <check>: <reason>" for the first that fails, or
// 200 "ready".
package health
