package sandbox

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/payrun/payrun/pkg/signer"
)

// request is a verified API request.
type request struct {
	params     []signer.Param
	endpointID string
	fault      injected // the fault picked for it (only after-commit kinds reach handlers)
}

// api wraps a call handler with what every API request goes through, in this order: counting,
// the rate limit, reading the body, latency (the body is read first so that a client that
// gives up cancels the handler), before-commit faults, body parsing, signature verification.
func (s *Server) api(call string, h func(http.ResponseWriter, *http.Request, *request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := s.opts.Clock.Now()
		n := s.stats.arrival(call, now)
		s.stats.enter()
		defer s.stats.leave()
		if ra, ok := s.throttling(now); ok {
			s.countFault(FaultThrottleWindow)
			writeRetryAfter(w, ra)
			return
		}
		if rl := s.opts.Faults.RateLimit; rl > 0 && n > int64(rl) {
			s.countFault(FaultRateLimit)
			s.writeThrottled(w)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				s.validationError(w, "", "request body too large")
			}
			return
		}
		if d := s.latency(); d > 0 {
			s.countFault(FaultLatency)
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		fault := s.faults.pick(call)
		switch fault.fault {
		case Fault5xxBefore:
			s.countServerError(fault)
			writeServerError(w, fault.code)
			return
		case Fault429:
			s.countFault(fault.fault)
			s.writeThrottled(w)
			return
		}
		params, err := parseForm(string(body))
		if err != nil {
			s.validationError(w, "", "malformed form body")
			return
		}
		if !s.authentic(r, params) {
			writeForbidden(w)
			return
		}
		h(w, r, &request{params: params, endpointID: r.PathValue("id"), fault: fault})
	}
}

// authentic verifies the signature and the merchant, counting failures by reason.
func (s *Server) authentic(r *http.Request, params []signer.Param) bool {
	u := s.opts.VerifyBaseURL + strings.TrimPrefix(r.URL.EscapedPath(), BasePath)
	if s.opts.VerifyBaseURL == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		u = scheme + "://" + r.Host + r.URL.EscapedPath()
	}
	ck, err := s.verifier.Verify(r.Method, u, r.Header.Get("Authorization"), params)
	reason := ""
	switch {
	case err == nil && ck == s.opts.Login:
		return true
	case err == nil:
		reason = "unknown_merchant"
	case errors.Is(err, signer.ErrBadSignature):
		reason = "bad_signature"
	case errors.Is(err, signer.ErrStaleTimestamp):
		reason = "stale_timestamp"
	case errors.Is(err, signer.ErrReplayedNonce):
		reason = "replayed_nonce"
	case errors.Is(err, signer.ErrUnsupportedMethod):
		reason = "unsupported_method"
	default:
		reason = "malformed_header"
	}
	s.stats.add(func(st *Stats) {
		st.AuthFailures[reason]++
		if reason == "bad_signature" {
			st.BadSignatures++
		}
	})
	return false
}

// payout handles a verified payout request.
func (s *Server) payout(w http.ResponseWriter, r *http.Request, req *request) {
	p := req.params
	coid := get(p, "client_orderid")
	if msg := validatePayout(p); msg != "" {
		s.validationError(w, coid, msg)
		return
	}
	if s.beforeCommit(w, req.fault, coid) {
		return
	}
	final, ok := s.opts.Scenario[get(p, "account_number")]
	if !ok {
		if final, ok = defaultScenario[get(p, "account_number")]; !ok {
			final = s.opts.DefaultStatus
		}
	}
	o := s.orders.add(&order{
		clientOrderID: coid,
		endpointID:    req.endpointID,
		serial:        s.orders.nextSerial(),
		amount:        get(p, "amount"),
		currency:      get(p, "currency"),
		callbackURL:   get(p, "server_callback_url"),
		final:         final,
	}, s.opts.ProcessingPolls)
	s.stats.payout(coid)
	if o.isFinal {
		s.callback(o)
	}
	if s.afterCommit(w, req.fault, coid, o.id) {
		return
	}
	writeForm(w, []field{
		{"type", "async-response"},
		{"serial-number", o.serial},
		{"merchant-order-id", coid},
		{"paynet-order-id", o.id},
		{"end-point-id", req.endpointID},
	})
}

// status handles a verified status request.
func (s *Server) status(w http.ResponseWriter, r *http.Request, req *request) {
	p := req.params
	login, coid, oid := get(p, "login"), get(p, "client_orderid"), get(p, "orderid")
	switch {
	case login == "":
		s.validationError(w, coid, "login is required")
		return
	case login != s.opts.Login:
		s.validationError(w, coid, "login does not match the merchant")
		return
	case coid == "" && oid == "":
		s.validationError(w, coid, "client_orderid or orderid is required")
		return
	}
	if s.beforeCommit(w, req.fault, coid) {
		return
	}
	o, found, becameFinal := s.orders.lookup(oid, coid, s.opts.ProcessingPolls)
	if becameFinal {
		s.callback(o)
	}
	if s.afterCommit(w, req.fault, coid, o.id) {
		return
	}
	serial := s.orders.nextSerial()
	if !found {
		s.stats.add(func(st *Stats) { st.NotFound++ })
		writeForm(w, append([]field{
			{"type", s.opts.NotFoundType},
			{"serial-number", serial},
			{"merchant-order-id", coid},
		}, s.errorFields(NotFoundCode, "Order not found")...))
		return
	}
	status := o.current()
	s.stats.add(func(st *Stats) { st.StatusAnswers[status]++ })
	fields := []field{
		{"type", "status-response"},
		{"status", status},
		{"amount", o.amount},
		{"currency", o.currency},
		{"paynet-order-id", o.id},
		{"merchant-order-id", o.clientOrderID},
		{"serial-number", serial},
	}
	writeForm(w, append(fields, s.errorFields(statusError(status))...))
}

// statusError gives the error code and message that go with a final status.
func statusError(status string) (code, message string) {
	switch status {
	case "declined":
		return "DECLINED", "Declined by the sandbox scenario"
	case "filtered":
		return "FILTERED", "Declined by fraud control"
	case "error":
		return "PROCESSOR_INTERNAL_ERROR", "Processor internal error"
	}
	return "", ""
}

// errorFields spells the error fields as configured.
func (s *Server) errorFields(code, message string) []field {
	if s.opts.UnderscoreErrors {
		return []field{{"error_message", message}, {"error_code", code}}
	}
	return []field{{"error-message", message}, {"error-code", code}}
}

// validationError answers a validation-error (nothing committed).
func (s *Server) validationError(w http.ResponseWriter, clientOrderID, message string) {
	s.stats.add(func(st *Stats) { st.ValidationErrors++ })
	writeForm(w, append([]field{
		{"type", "validation-error"},
		{"serial-number", s.orders.nextSerial()},
		{"merchant-order-id", clientOrderID},
	}, s.errorFields("INVALID_PARAMETER", message)...))
}

// gatewayError answers type=error, with the paynet-order-id when orderID is set.
func (s *Server) gatewayError(w http.ResponseWriter, clientOrderID, orderID string) {
	writeForm(w, append([]field{
		{"type", "error"},
		{"serial-number", s.orders.nextSerial()},
		{"merchant-order-id", clientOrderID},
		{"paynet-order-id", orderID},
	}, s.errorFields("PROCESSING_ERROR", "Injected processing error")...))
}

// beforeCommit applies an error-before fault: it answers type=error without a paynet-order-id
// (nothing committed) and reports true, or reports false when the handler should go on.
func (s *Server) beforeCommit(w http.ResponseWriter, fault injected, clientOrderID string) bool {
	if fault.fault != FaultErrorBefore {
		return false
	}
	s.countFault(fault.fault)
	s.gatewayError(w, clientOrderID, "")
	return true
}

// afterCommit applies an after-commit fault: it drops the connection, answers the fault's 5xx or
// answers type=error with the committed order's paynet-order-id, and reports true; or it reports
// false when the answer should be written normally.
func (s *Server) afterCommit(w http.ResponseWriter, fault injected, clientOrderID, orderID string) bool {
	switch fault.fault {
	case FaultErrorAfter:
		s.countFault(fault.fault)
		s.gatewayError(w, clientOrderID, orderID)
		return true
	case FaultDropAfter:
		s.countFault(fault.fault)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		writeServerError(w, http.StatusBadGateway) // no hijacking (HTTP/2): the closest thing
		return true
	case Fault5xxAfter:
		s.countServerError(fault)
		writeServerError(w, fault.code)
		return true
	}
	return false
}

func (s *Server) writeThrottled(w http.ResponseWriter) { writeRetryAfter(w, s.opts.Faults.RetryAfter) }

// writeRetryAfter answers 429 with Retry-After in whole seconds, rounded up (none for d <= 0).
func writeRetryAfter(w http.ResponseWriter, d time.Duration) {
	if d > 0 {
		secs := int64((d + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	writeServerError(w, http.StatusTooManyRequests)
}

func (s *Server) countFault(f Fault) { s.stats.add(func(st *Stats) { st.Faults[string(f)]++ }) }

// countServerError counts an injected 5xx by kind and by HTTP status.
func (s *Server) countServerError(f injected) {
	s.stats.add(func(st *Stats) {
		st.Faults[string(f.fault)]++
		st.ServerErrors[strconv.Itoa(f.code)]++
	})
}
