package job

import (
	"slices"
	"strings"
	"testing"
)

// TestRules runs every value rule through the Reader: one row (a valid bank
// payout) changed by kv; wantKey "" means the row must be a valid job.
func TestRules(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name    string
		kv      []string
		wantKey string
		reason  string // substring of the reason
	}{
		{"base", nil, "", ""},
		// required
		{"orderid empty", []string{"client_orderid", ""}, "client_orderid", "is required"},
		{"orderid 128", []string{"client_orderid", long(128)}, "", ""},
		{"orderid 129", []string{"client_orderid", long(129)}, "client_orderid", "is 129 characters long; the gateway allows at most 128"},
		{"orderid 128 runes", []string{"client_orderid", strings.Repeat("é", 128)}, "", ""},
		{"orderid emoji counts 2", []string{"client_orderid", strings.Repeat("😀", 65)}, "client_orderid", "130 characters"},
		{"orderid spaces", []string{"client_orderid", " o1"}, "client_orderid", "white space"},
		{"orderid NUL", []string{"client_orderid", "o\x001"}, "client_orderid", "NUL"},
		{"orderid control", []string{"client_orderid", "o\x1b1"}, "client_orderid", "control character"},
		{"orderid newline", []string{"client_orderid", "o\n1"}, "client_orderid", "control character"},
		{"amount empty", []string{"amount", ""}, "amount", "is required"},
		{"amount bad", []string{"amount", "10.555"}, "amount", `"10.555" has 3 fraction digits, USD allows 2`},
		{"amount jpy", []string{"currency", "JPY", "amount", "1000"}, "", ""},
		{"amount jpy frac", []string{"currency", "JPY", "amount", "1000.0"}, "amount", "JPY allows none"},
		{"amount kwd", []string{"currency", "KWD", "amount", "1.125"}, "", ""},
		{"amount 11 chars", []string{"amount", "12345678.91"}, "amount", "at most 10"},
		{"amount 11 chars without trailing zeros", []string{"amount", "123456789.50"}, "amount", "even without trailing zeros"},
		{"currency empty", []string{"currency", ""}, "currency", "is required"},
		{"currency lower", []string{"currency", "usd"}, "currency", "upper case: USD"},
		{"currency unknown", []string{"currency", "ABC"}, "currency", "ISO 4217"},
		{"currency withdrawn", []string{"currency", "HRK"}, "currency", "ISO 4217"},
		{"currency withdrawn 2026", []string{"currency", "BGN"}, "currency", "ISO 4217"},
		{"currency long", []string{"currency", "EURO"}, "currency", "not an active ISO 4217"},
		// lengths of optional text
		{"order_desc 64", []string{"order_desc", long(64)}, "", ""},
		{"order_desc 65", []string{"order_desc", long(65)}, "order_desc", "at most 64"},
		{"purpose 129", []string{"purpose", long(129)}, "purpose", "at most 128"},
		{"bank_name 255", []string{"bank_name", long(255)}, "", ""},
		{"bank_name 256", []string{"bank_name", long(256)}, "bank_name", "at most 255"},
		{"routing 17", []string{"routing_number", long(17)}, "routing_number", "at most 16"},
		{"address1 256", []string{"receiver_address1", long(256)}, "", ""},
		{"address1 257", []string{"address1", long(257)}, "receiver_address1", "at most 256"},
		{"merchant_data 64k", []string{"merchant_data", long(65536)}, "", ""},
		{"merchant_data 64k+1", []string{"merchant_data", long(65537)}, "merchant_data", "at most 65536"},
		{"merchant_data newline", []string{"merchant_data", "a\nb\tc"}, "", ""},
		{"customer_level 33", []string{"customer_level", long(33)}, "customer_level", "at most 32"},
		{"account 33", []string{"account_number", "1" + strings.Repeat("2", 32)}, "account_number", "at most 32"},
		// ipaddress
		{"ip v4", []string{"ipaddress", "192.0.2.1"}, "", ""},
		{"ip v6", []string{"ipaddress", "2001:db8::1"}, "", ""},
		{"ip v6 full", []string{"ipaddress", "2001:0db8:0000:0000:0000:ff00:0042:8329"}, "", ""},
		{"ip short", []string{"ipaddress", "::1"}, "ipaddress", "at least 7"},
		{"ip bad", []string{"ipaddress", "300.1.1.1"}, "ipaddress", "not an IPv4 or IPv6"},
		{"ip host", []string{"ipaddress", "example.com"}, "ipaddress", "not an IPv4 or IPv6"},
		{"ip zone", []string{"ipaddress", "fe80::1%eth0"}, "ipaddress", "zone"},
		// URLs
		{"url https", []string{"server_callback_url", "https://example.com/cb"}, "", ""},
		{"url http", []string{"server_callback_url", "http://example.com"}, "", ""},
		{"url relative", []string{"server_callback_url", "/cb"}, "server_callback_url", "absolute http"},
		{"url ftp", []string{"server_callback_url", "ftp://example.com/"}, "server_callback_url", "absolute http"},
		{"url no host", []string{"server_callback_url", "https://"}, "server_callback_url", "absolute http"},
		{"url userinfo", []string{"server_callback_url", "https://u:p@example.com/"}, "server_callback_url", "user name"},
		{"url 129", []string{"redirect_url", "https://e.com/" + long(115)}, "redirect_url", "at most 128"},
		{"redirect ok", []string{"redirect_url", "https://e.com/"}, "", ""},
		{"redirect pair", []string{"redirect_success_url", "https://e.com/ok", "redirect_fail_url", "https://e.com/no"}, "", ""},
		{"redirect both", []string{"redirect_url", "https://e.com/", "redirect_success_url", "https://e.com/ok", "redirect_fail_url", "https://e.com/no"}, "redirect_url", "not both"},
		{"redirect url+fail", []string{"redirect_url", "https://e.com/", "redirect_fail_url", "https://e.com/no"}, "redirect_url", "not both"},
		{"redirect success only", []string{"redirect_success_url", "https://e.com/ok"}, "redirect_fail_url", "is required with redirect_success_url"},
		{"redirect fail only", []string{"redirect_fail_url", "https://e.com/no"}, "redirect_success_url", "is required with redirect_fail_url"},
		// card
		{"card ok", card("4111111111111111", "12", "2030"), "", ""},
		{"card month 1", card("4111111111111111", "1", "2030"), "", ""},
		{"card month 0", card("4111111111111111", "0", "2030"), "expire_month", "1-12"},
		{"card month 13", card("4111111111111111", "13", "2030"), "expire_month", "1-12"},
		{"card month text", card("4111111111111111", "ab", "2030"), "expire_month", "1-12"},
		{"card month 3 chars", card("4111111111111111", "012", "2030"), "expire_month", "at most 2"},
		{"card year 2", card("4111111111111111", "12", "30"), "expire_year", "four-digit"},
		{"card year text", card("4111111111111111", "12", "20x0"), "expire_year", "four-digit"},
		{"card luhn", card("4111111111111112", "12", "2030"), "credit_card_number", "Luhn"},
		{"card 12 digits", card(luhnPad("41111111111"), "12", "2030"), "", ""},
		{"card 19 digits", card(luhnPad("411111111111111111"), "12", "2030"), "", ""},
		{"card 11 digits", card(luhnPad("4111111111"), "12", "2030"), "credit_card_number", "12 to 19"},
		{"card 20 digits", card(luhnPad("4111111111111111111"), "12", "2030"), "credit_card_number", "12 to 19"},
		{"card spaces", card("4111 1111 1111 1111", "12", "2030"), "credit_card_number", "digits only"},
		{"card incomplete", []string{"account_number", "", "credit_card_number", "4111111111111111"}, "card_printed_name", "is required for a card payout"},
		// other destinations
		{"recurring", []string{"account_number", "", "card_recurring_payment_id", "123456789"}, "", ""},
		{"recurring dash", []string{"account_number", "", "recurring-payment-id", "123456789"}, "", ""},
		{"recurring both", []string{"account_number", "", "card_recurring_payment_id", "1", "recurring-payment-id", "2"}, "recurring-payment-id", "not both"},
		{"recurring not long", []string{"account_number", "", "card_recurring_payment_id", "12a"}, "card_recurring_payment_id", "whole number"},
		{"recurring overflow", []string{"account_number", "", "card_recurring_payment_id", "9223372036854775808"}, "card_recurring_payment_id", "whole number"},
		{"ewallet", []string{"account_number", "", "ewallet_type", "paypal", "ewallet_wallet", "w-42"}, "", ""},
		{"ewallet half", []string{"account_number", "", "ewallet_type", "paypal"}, "ewallet_wallet", "e-wallet payout"},
		{"crypto", []string{"account_number", "", "crypto_wallet_address", "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"}, "", ""},
		{"no destination", []string{"account_number", ""}, "destination", "no payout destination"},
		{"two destinations", []string{"crypto_wallet_address", "bc1q"}, "destination", "more than one payout destination (bank account, crypto wallet)"},
		// receiver
		{"country alpha2", []string{"receiver_country_code", "DE"}, "", ""},
		{"country alpha3", []string{"country", "DEU"}, "", ""},
		{"country lower", []string{"country", "de"}, "receiver_country_code", "upper case: DE"},
		{"country unknown", []string{"country", "XX"}, "receiver_country_code", "ISO 3166"},
		{"country 4", []string{"country", "DEUT"}, "receiver_country_code", "ISO 3166"},
		{"state", []string{"state", "NSW"}, "", ""},
		{"state bad", []string{"state", "N.S"}, "receiver_state", "state code"},
		{"state 5", []string{"state", "ABCDE"}, "receiver_state", "at most 4"},
		{"zip digits", []string{"zip_code", "10115"}, "", ""},
		{"zip uk", []string{"zip_code", "SW1A 1AA"}, "", ""},
		{"zip bad", []string{"zip_code", "10115!"}, "receiver_zip_code", "postal code"},
		{"phone", []string{"phone", "+4930123456"}, "", ""},
		{"phone plain", []string{"receiver_phone", "030123456"}, "", ""},
		{"phone separators", []string{"phone", "+49 30 123456"}, "receiver_phone", "digits only"},
		{"phone plus only", []string{"phone", "+"}, "receiver_phone", "digits only"},
		{"email", []string{"email", "ann@example.com"}, "", ""},
		{"email display", []string{"email", "Ann <ann@example.com>"}, "receiver_email", "e-mail"},
		{"email two", []string{"email", "a@example.com,b@example.com"}, "receiver_email", "e-mail"},
		{"email no at", []string{"email", "ann.example.com"}, "receiver_email", "e-mail"},
		{"email no dot", []string{"email", "ann@localhost"}, "receiver_email", "e-mail"},
		{"birthday", []string{"birthday", "19900131"}, "", ""},
		{"birthday dashes", []string{"receiver_birthday", "1990-01-31"}, "", ""},
		{"birthday text", []string{"birthday", "Jan 31"}, "receiver_birthday", "not a date"},
		{"first_name alias", []string{"first_name", "Ann"}, "", ""},
		{"customer_id", []string{"customer_id", "2147483647"}, "", ""},
		{"customer_id big", []string{"customer_id", "2147483648"}, "customer_id", "whole number"},
		{"customer_id text", []string{"customer_id", "12x"}, "customer_id", "whole number"},
		{"customer_id sign", []string{"customer_id", "+12"}, "customer_id", "whole number"},
		// duplicates are checked in TestReaderDuplicates
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			jobs, errs, err := readAll(t, csvRow(tt.kv...))
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantKey == "" {
				if len(errs) != 0 || len(jobs) != 1 {
					t.Fatalf("want a valid row, got errors %v", errs)
				}
				return
			}
			if len(jobs) != 0 {
				t.Fatalf("row accepted as %+v; want error on %s", jobs[0], tt.wantKey)
			}
			i := slices.Index(keys(errs), tt.wantKey)
			if i < 0 {
				t.Fatalf("errors %v; want one on %s", errs, tt.wantKey)
			}
			if e := errs[i]; !strings.Contains(e.Reason, tt.reason) || e.Line != 2 || e.Column < 1 {
				t.Fatalf("error %q (line %d col %d); want line 2 and reason containing %q", e.Reason, e.Line, e.Column, tt.reason)
			}
		})
	}
}

// card returns kv for a card payout instead of the base bank account.
func card(pan, month, year string) []string {
	return []string{"account_number", "", "credit_card_number", pan, "card_printed_name", "ANN LEE", "expire_month", month, "expire_year", year}
}

// luhnPad appends the Luhn check digit to a digit string.
func luhnPad(s string) string {
	for d := '0'; d <= '9'; d++ {
		if luhnValid(s + string(d)) {
			return s + string(d)
		}
	}
	panic("unreachable")
}

func TestLuhn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		want bool
	}{
		{"4111111111111111", true},
		{"5555555555554444", true},
		{"378282246310005", true},
		{"6011111111111117", true},
		{"79927398713", true},
		{"79927398710", false},
		{"4111111111111112", false},
		{"0", true},
		{"", false},
	}
	for _, tt := range tests {
		if got := luhnValid(tt.s); got != tt.want {
			t.Errorf("luhnValid(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestCountryTable(t *testing.T) {
	t.Parallel()
	if len(iso3166) != 2*249 {
		t.Fatalf("iso3166 has %d entries, want 249 alpha-2 + 249 alpha-3", len(iso3166))
	}
	for _, c := range []string{"US", "USA", "DE", "DEU", "JP", "JPN", "KW", "KWT", "GB", "GBR", "SS", "SSD", "XK"} {
		if _, ok := iso3166[c]; !ok && c != "XK" {
			t.Errorf("%s missing", c)
		}
	}
	if _, ok := iso3166["XK"]; ok {
		t.Error("XK (Kosovo) is user-assigned, not ISO 3166-1")
	}
}
