package job

// countryNames are country names and common slips people write instead of
// an ISO 3166-1 code, keyed by headerKey (lower case, letters only), for the
// suggestion in the error. They are never accepted in place of the code.
var countryNames = map[string]string{
	"uk": "GB", "unitedkingdom": "GB", "greatbritain": "GB", "britain": "GB", "england": "GB",
	"scotland": "GB", "wales": "GB", "northernireland": "GB", "gbr": "GB",
	"unitedstates": "US", "unitedstatesofamerica": "US", "america": "US",
	"germany": "DE", "deutschland": "DE", "france": "FR", "spain": "ES", "espana": "ES", "españa": "ES",
	"italy": "IT", "italia": "IT", "netherlands": "NL", "holland": "NL", "belgium": "BE",
	"switzerland": "CH", "schweiz": "CH", "austria": "AT", "österreich": "AT", "osterreich": "AT",
	"ireland": "IE", "portugal": "PT", "poland": "PL", "polska": "PL", "sweden": "SE", "norway": "NO",
	"denmark": "DK", "finland": "FI", "greece": "GR", "czechia": "CZ", "czechrepublic": "CZ",
	"canada": "CA", "mexico": "MX", "brazil": "BR", "brasil": "BR", "argentina": "AR",
	"japan": "JP", "china": "CN", "india": "IN", "southkorea": "KR", "korea": "KR",
	"australia": "AU", "newzealand": "NZ", "singapore": "SG", "hongkong": "HK",
	"unitedarabemirates": "AE", "uae": "AE", "saudiarabia": "SA", "kuwait": "KW", "israel": "IL",
	"turkey": "TR", "türkiye": "TR", "turkiye": "TR", "ukraine": "UA", "russia": "RU",
	"southafrica": "ZA", "nigeria": "NG", "kenya": "KE", "egypt": "EG",
	"frankreich": "FR", "spanien": "ES", "italien": "IT", "niederlande": "NL", "großbritannien": "GB",
	"vereinigteskönigreich": "GB", "vereinigtestaaten": "US", "allemagne": "DE", "royaumeuni": "GB",
	"étatsunis": "US", "etatsunis": "US", "espagne": "ES", "italie": "IT", "paysbas": "NL", "suisse": "CH",
	"philippines": "PH", "indonesia": "ID", "vietnam": "VN", "thailand": "TH", "malaysia": "MY",
}
