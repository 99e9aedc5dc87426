package submit

import "fmt"

// foreignAnswer returns an ErrAmbiguous *Error wrapping ErrForeignAnswer when the answer names
// another order than the call was about: a merchant-order-id that is not clientOrderID, or a
// paynet-order-id that is not orderID (when orderID is known). An id the answer leaves out is
// not checked. nil when the answer is about this order.
func foreignAnswer(a attempt, clientOrderID, orderID string) *Error {
	r := a.resp
	switch {
	case r.MerchantOrderID != "" && r.MerchantOrderID != clientOrderID:
		return errorFrom(ClassAmbiguous, a, fmt.Errorf("%w: merchant-order-id %q, asked about %q",
			ErrForeignAnswer, printable(r.MerchantOrderID), printable(clientOrderID)))
	case orderID != "" && r.OrderID != "" && r.OrderID != orderID:
		return errorFrom(ClassAmbiguous, a, fmt.Errorf("%w: paynet-order-id %q, asked about %q",
			ErrForeignAnswer, printable(r.OrderID), printable(orderID)))
	}
	return nil
}
