package sandbox

import (
	"fmt"
	"strconv"
	"sync"
)

// order is one committed payout.
type order struct {
	id, clientOrderID, endpointID string
	serial                        string
	amount, currency              string
	callbackURL                   string
	final                         string // the status the scenario gives it
	polls                         int    // status answers given so far
	isFinal                       bool
}

// current is the order's status now: "processing" until polls exceeds processingPolls.
func (o *order) current() string {
	if o.isFinal {
		return o.final
	}
	return "processing"
}

// store keeps orders by paynet order id and by client_orderid (every payout with a repeated
// client_orderid is a separate order: the sandbox does not deduplicate).
type store struct {
	mu       sync.Mutex
	byID     map[string]*order
	byClient map[string][]*order
	nextID   int64
	serial   uint64
	j        *journal // nil: memory only
}

func newStore() *store {
	return &store{byID: map[string]*order{}, byClient: map[string][]*order{}, nextID: 6982864}
}

// nextSerial returns a fresh serial-number (one per answered request).
func (s *store) nextSerial() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serial++
	s.j.write(journalRecord{Op: "serial", N: s.serial})
	return fmt.Sprintf("00000000-0000-0000-0000-%012x", s.serial)
}

// add commits o (assigning its id; processingPolls 0 makes it final at once) and returns a
// copy of it.
func (s *store) add(o *order, processingPolls int) order {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	o.id = strconv.FormatInt(s.nextID, 10)
	o.isFinal = processingPolls == 0
	s.byID[o.id] = o
	s.byClient[o.clientOrderID] = append(s.byClient[o.clientOrderID], o)
	s.j.write(journalRecord{Op: "order", ID: o.id, ClientOrderID: o.clientOrderID, EndpointID: o.endpointID, Serial: o.serial,
		Amount: o.amount, Currency: o.currency, CallbackURL: o.callbackURL, Final: o.final, Polls: o.polls, IsFinal: o.isFinal})
	return *o
}

// lookup finds an order by orderID and/or clientOrderID (both must match when both are
// given; by client_orderid alone the oldest order wins), counts the poll and moves it to its
// final status after processingPolls polls. It returns a copy and whether this poll made the
// order final.
func (s *store) lookup(orderID, clientOrderID string, processingPolls int) (order, bool, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var o *order
	switch {
	case orderID != "":
		o = s.byID[orderID]
		if o != nil && clientOrderID != "" && o.clientOrderID != clientOrderID {
			o = nil
		}
	case clientOrderID != "":
		if l := s.byClient[clientOrderID]; len(l) > 0 {
			o = l[0]
		}
	}
	if o == nil {
		return order{}, false, false
	}
	o.polls++
	becameFinal := false
	if !o.isFinal && o.polls > processingPolls {
		o.isFinal, becameFinal = true, true
	}
	s.j.write(journalRecord{Op: "poll", ID: o.id, Polls: o.polls, IsFinal: o.isFinal})
	return *o, true, becameFinal
}

// Order is the sandbox's own record of one committed payout (Server.Orders).
type Order struct {
	OrderID       string
	ClientOrderID string
	Amount        string
	Currency      string
	// Status is what a status lookup answers now: "processing" until the order is final.
	Status string
	// FinalStatus is the status the scenario gives the order.
	FinalStatus string
}

// ordersOf returns the records of the orders committed with clientOrderID, oldest first,
// without counting a poll.
func (s *store) ordersOf(clientOrderID string) []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.byClient[clientOrderID]
	out := make([]Order, 0, len(l))
	for _, o := range l {
		out = append(out, Order{OrderID: o.id, ClientOrderID: o.clientOrderID, Amount: o.amount,
			Currency: o.currency, Status: o.current(), FinalStatus: o.final})
	}
	return out
}
