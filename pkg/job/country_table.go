package job

// iso3166 maps every ISO 3166-1 alpha-2 and alpha-3 country code (249
// countries) to the alpha-2 code. The list was taken from Debian's iso-codes
// 4.15 (iso_3166-1.json) and is complete for ISO 3166-1 as published.
var iso3166 = map[string]string{
	"AD": "AD", "AND": "AD", // Andorra
	"AE": "AE", "ARE": "AE", // United Arab Emirates
	"AF": "AF", "AFG": "AF", // Afghanistan
	"AG": "AG", "ATG": "AG", // Antigua and Barbuda
	"AI": "AI", "AIA": "AI", // Anguilla
	"AL": "AL", "ALB": "AL", // Albania
	"AM": "AM", "ARM": "AM", // Armenia
	"AO": "AO", "AGO": "AO", // Angola
	"AQ": "AQ", "ATA": "AQ", // Antarctica
	"AR": "AR", "ARG": "AR", // Argentina
	"AS": "AS", "ASM": "AS", // American Samoa
	"AT": "AT", "AUT": "AT", // Austria
	"AU": "AU", "AUS": "AU", // Australia
	"AW": "AW", "ABW": "AW", // Aruba
	"AX": "AX", "ALA": "AX", // Åland Islands
	"AZ": "AZ", "AZE": "AZ", // Azerbaijan
	"BA": "BA", "BIH": "BA", // Bosnia and Herzegovina
	"BB": "BB", "BRB": "BB", // Barbados
	"BD": "BD", "BGD": "BD", // Bangladesh
	"BE": "BE", "BEL": "BE", // Belgium
	"BF": "BF", "BFA": "BF", // Burkina Faso
	"BG": "BG", "BGR": "BG", // Bulgaria
	"BH": "BH", "BHR": "BH", // Bahrain
	"BI": "BI", "BDI": "BI", // Burundi
	"BJ": "BJ", "BEN": "BJ", // Benin
	"BL": "BL", "BLM": "BL", // Saint Barthélemy
	"BM": "BM", "BMU": "BM", // Bermuda
	"BN": "BN", "BRN": "BN", // Brunei Darussalam
	"BO": "BO", "BOL": "BO", // Bolivia, Plurinational State of
	"BQ": "BQ", "BES": "BQ", // Bonaire, Sint Eustatius and Saba
	"BR": "BR", "BRA": "BR", // Brazil
	"BS": "BS", "BHS": "BS", // Bahamas
	"BT": "BT", "BTN": "BT", // Bhutan
	"BV": "BV", "BVT": "BV", // Bouvet Island
	"BW": "BW", "BWA": "BW", // Botswana
	"BY": "BY", "BLR": "BY", // Belarus
	"BZ": "BZ", "BLZ": "BZ", // Belize
	"CA": "CA", "CAN": "CA", // Canada
	"CC": "CC", "CCK": "CC", // Cocos (Keeling) Islands
	"CD": "CD", "COD": "CD", // Congo, The Democratic Republic of the
	"CF": "CF", "CAF": "CF", // Central African Republic
	"CG": "CG", "COG": "CG", // Congo
	"CH": "CH", "CHE": "CH", // Switzerland
	"CI": "CI", "CIV": "CI", // Côte d'Ivoire
	"CK": "CK", "COK": "CK", // Cook Islands
	"CL": "CL", "CHL": "CL", // Chile
	"CM": "CM", "CMR": "CM", // Cameroon
	"CN": "CN", "CHN": "CN", // China
	"CO": "CO", "COL": "CO", // Colombia
	"CR": "CR", "CRI": "CR", // Costa Rica
	"CU": "CU", "CUB": "CU", // Cuba
	"CV": "CV", "CPV": "CV", // Cabo Verde
	"CW": "CW", "CUW": "CW", // Curaçao
	"CX": "CX", "CXR": "CX", // Christmas Island
	"CY": "CY", "CYP": "CY", // Cyprus
	"CZ": "CZ", "CZE": "CZ", // Czechia
	"DE": "DE", "DEU": "DE", // Germany
	"DJ": "DJ", "DJI": "DJ", // Djibouti
	"DK": "DK", "DNK": "DK", // Denmark
	"DM": "DM", "DMA": "DM", // Dominica
	"DO": "DO", "DOM": "DO", // Dominican Republic
	"DZ": "DZ", "DZA": "DZ", // Algeria
	"EC": "EC", "ECU": "EC", // Ecuador
	"EE": "EE", "EST": "EE", // Estonia
	"EG": "EG", "EGY": "EG", // Egypt
	"EH": "EH", "ESH": "EH", // Western Sahara
	"ER": "ER", "ERI": "ER", // Eritrea
	"ES": "ES", "ESP": "ES", // Spain
	"ET": "ET", "ETH": "ET", // Ethiopia
	"FI": "FI", "FIN": "FI", // Finland
	"FJ": "FJ", "FJI": "FJ", // Fiji
	"FK": "FK", "FLK": "FK", // Falkland Islands (Malvinas)
	"FM": "FM", "FSM": "FM", // Micronesia, Federated States of
	"FO": "FO", "FRO": "FO", // Faroe Islands
	"FR": "FR", "FRA": "FR", // France
	"GA": "GA", "GAB": "GA", // Gabon
	"GB": "GB", "GBR": "GB", // United Kingdom
	"GD": "GD", "GRD": "GD", // Grenada
	"GE": "GE", "GEO": "GE", // Georgia
	"GF": "GF", "GUF": "GF", // French Guiana
	"GG": "GG", "GGY": "GG", // Guernsey
	"GH": "GH", "GHA": "GH", // Ghana
	"GI": "GI", "GIB": "GI", // Gibraltar
	"GL": "GL", "GRL": "GL", // Greenland
	"GM": "GM", "GMB": "GM", // Gambia
	"GN": "GN", "GIN": "GN", // Guinea
	"GP": "GP", "GLP": "GP", // Guadeloupe
	"GQ": "GQ", "GNQ": "GQ", // Equatorial Guinea
	"GR": "GR", "GRC": "GR", // Greece
	"GS": "GS", "SGS": "GS", // South Georgia and the South Sandwich Islands
	"GT": "GT", "GTM": "GT", // Guatemala
	"GU": "GU", "GUM": "GU", // Guam
	"GW": "GW", "GNB": "GW", // Guinea-Bissau
	"GY": "GY", "GUY": "GY", // Guyana
	"HK": "HK", "HKG": "HK", // Hong Kong
	"HM": "HM", "HMD": "HM", // Heard Island and McDonald Islands
	"HN": "HN", "HND": "HN", // Honduras
	"HR": "HR", "HRV": "HR", // Croatia
	"HT": "HT", "HTI": "HT", // Haiti
	"HU": "HU", "HUN": "HU", // Hungary
	"ID": "ID", "IDN": "ID", // Indonesia
	"IE": "IE", "IRL": "IE", // Ireland
	"IL": "IL", "ISR": "IL", // Israel
	"IM": "IM", "IMN": "IM", // Isle of Man
	"IN": "IN", "IND": "IN", // India
	"IO": "IO", "IOT": "IO", // British Indian Ocean Territory
	"IQ": "IQ", "IRQ": "IQ", // Iraq
	"IR": "IR", "IRN": "IR", // Iran, Islamic Republic of
	"IS": "IS", "ISL": "IS", // Iceland
	"IT": "IT", "ITA": "IT", // Italy
	"JE": "JE", "JEY": "JE", // Jersey
	"JM": "JM", "JAM": "JM", // Jamaica
	"JO": "JO", "JOR": "JO", // Jordan
	"JP": "JP", "JPN": "JP", // Japan
	"KE": "KE", "KEN": "KE", // Kenya
	"KG": "KG", "KGZ": "KG", // Kyrgyzstan
	"KH": "KH", "KHM": "KH", // Cambodia
	"KI": "KI", "KIR": "KI", // Kiribati
	"KM": "KM", "COM": "KM", // Comoros
	"KN": "KN", "KNA": "KN", // Saint Kitts and Nevis
	"KP": "KP", "PRK": "KP", // Korea, Democratic People's Republic of
	"KR": "KR", "KOR": "KR", // Korea, Republic of
	"KW": "KW", "KWT": "KW", // Kuwait
	"KY": "KY", "CYM": "KY", // Cayman Islands
	"KZ": "KZ", "KAZ": "KZ", // Kazakhstan
	"LA": "LA", "LAO": "LA", // Lao People's Democratic Republic
	"LB": "LB", "LBN": "LB", // Lebanon
	"LC": "LC", "LCA": "LC", // Saint Lucia
	"LI": "LI", "LIE": "LI", // Liechtenstein
	"LK": "LK", "LKA": "LK", // Sri Lanka
	"LR": "LR", "LBR": "LR", // Liberia
	"LS": "LS", "LSO": "LS", // Lesotho
	"LT": "LT", "LTU": "LT", // Lithuania
	"LU": "LU", "LUX": "LU", // Luxembourg
	"LV": "LV", "LVA": "LV", // Latvia
	"LY": "LY", "LBY": "LY", // Libya
	"MA": "MA", "MAR": "MA", // Morocco
	"MC": "MC", "MCO": "MC", // Monaco
	"MD": "MD", "MDA": "MD", // Moldova, Republic of
	"ME": "ME", "MNE": "ME", // Montenegro
	"MF": "MF", "MAF": "MF", // Saint Martin (French part)
	"MG": "MG", "MDG": "MG", // Madagascar
	"MH": "MH", "MHL": "MH", // Marshall Islands
	"MK": "MK", "MKD": "MK", // North Macedonia
	"ML": "ML", "MLI": "ML", // Mali
	"MM": "MM", "MMR": "MM", // Myanmar
	"MN": "MN", "MNG": "MN", // Mongolia
	"MO": "MO", "MAC": "MO", // Macao
	"MP": "MP", "MNP": "MP", // Northern Mariana Islands
	"MQ": "MQ", "MTQ": "MQ", // Martinique
	"MR": "MR", "MRT": "MR", // Mauritania
	"MS": "MS", "MSR": "MS", // Montserrat
	"MT": "MT", "MLT": "MT", // Malta
	"MU": "MU", "MUS": "MU", // Mauritius
	"MV": "MV", "MDV": "MV", // Maldives
	"MW": "MW", "MWI": "MW", // Malawi
	"MX": "MX", "MEX": "MX", // Mexico
	"MY": "MY", "MYS": "MY", // Malaysia
	"MZ": "MZ", "MOZ": "MZ", // Mozambique
	"NA": "NA", "NAM": "NA", // Namibia
	"NC": "NC", "NCL": "NC", // New Caledonia
	"NE": "NE", "NER": "NE", // Niger
	"NF": "NF", "NFK": "NF", // Norfolk Island
	"NG": "NG", "NGA": "NG", // Nigeria
	"NI": "NI", "NIC": "NI", // Nicaragua
	"NL": "NL", "NLD": "NL", // Netherlands
	"NO": "NO", "NOR": "NO", // Norway
	"NP": "NP", "NPL": "NP", // Nepal
	"NR": "NR", "NRU": "NR", // Nauru
	"NU": "NU", "NIU": "NU", // Niue
	"NZ": "NZ", "NZL": "NZ", // New Zealand
	"OM": "OM", "OMN": "OM", // Oman
	"PA": "PA", "PAN": "PA", // Panama
	"PE": "PE", "PER": "PE", // Peru
	"PF": "PF", "PYF": "PF", // French Polynesia
	"PG": "PG", "PNG": "PG", // Papua New Guinea
	"PH": "PH", "PHL": "PH", // Philippines
	"PK": "PK", "PAK": "PK", // Pakistan
	"PL": "PL", "POL": "PL", // Poland
	"PM": "PM", "SPM": "PM", // Saint Pierre and Miquelon
	"PN": "PN", "PCN": "PN", // Pitcairn
	"PR": "PR", "PRI": "PR", // Puerto Rico
	"PS": "PS", "PSE": "PS", // Palestine, State of
	"PT": "PT", "PRT": "PT", // Portugal
	"PW": "PW", "PLW": "PW", // Palau
	"PY": "PY", "PRY": "PY", // Paraguay
	"QA": "QA", "QAT": "QA", // Qatar
	"RE": "RE", "REU": "RE", // Réunion
	"RO": "RO", "ROU": "RO", // Romania
	"RS": "RS", "SRB": "RS", // Serbia
	"RU": "RU", "RUS": "RU", // Russian Federation
	"RW": "RW", "RWA": "RW", // Rwanda
	"SA": "SA", "SAU": "SA", // Saudi Arabia
	"SB": "SB", "SLB": "SB", // Solomon Islands
	"SC": "SC", "SYC": "SC", // Seychelles
	"SD": "SD", "SDN": "SD", // Sudan
	"SE": "SE", "SWE": "SE", // Sweden
	"SG": "SG", "SGP": "SG", // Singapore
	"SH": "SH", "SHN": "SH", // Saint Helena, Ascension and Tristan da Cunha
	"SI": "SI", "SVN": "SI", // Slovenia
	"SJ": "SJ", "SJM": "SJ", // Svalbard and Jan Mayen
	"SK": "SK", "SVK": "SK", // Slovakia
	"SL": "SL", "SLE": "SL", // Sierra Leone
	"SM": "SM", "SMR": "SM", // San Marino
	"SN": "SN", "SEN": "SN", // Senegal
	"SO": "SO", "SOM": "SO", // Somalia
	"SR": "SR", "SUR": "SR", // Suriname
	"SS": "SS", "SSD": "SS", // South Sudan
	"ST": "ST", "STP": "ST", // Sao Tome and Principe
	"SV": "SV", "SLV": "SV", // El Salvador
	"SX": "SX", "SXM": "SX", // Sint Maarten (Dutch part)
	"SY": "SY", "SYR": "SY", // Syrian Arab Republic
	"SZ": "SZ", "SWZ": "SZ", // Eswatini
	"TC": "TC", "TCA": "TC", // Turks and Caicos Islands
	"TD": "TD", "TCD": "TD", // Chad
	"TF": "TF", "ATF": "TF", // French Southern Territories
	"TG": "TG", "TGO": "TG", // Togo
	"TH": "TH", "THA": "TH", // Thailand
	"TJ": "TJ", "TJK": "TJ", // Tajikistan
	"TK": "TK", "TKL": "TK", // Tokelau
	"TL": "TL", "TLS": "TL", // Timor-Leste
	"TM": "TM", "TKM": "TM", // Turkmenistan
	"TN": "TN", "TUN": "TN", // Tunisia
	"TO": "TO", "TON": "TO", // Tonga
	"TR": "TR", "TUR": "TR", // Türkiye
	"TT": "TT", "TTO": "TT", // Trinidad and Tobago
	"TV": "TV", "TUV": "TV", // Tuvalu
	"TW": "TW", "TWN": "TW", // Taiwan, Province of China
	"TZ": "TZ", "TZA": "TZ", // Tanzania, United Republic of
	"UA": "UA", "UKR": "UA", // Ukraine
	"UG": "UG", "UGA": "UG", // Uganda
	"UM": "UM", "UMI": "UM", // United States Minor Outlying Islands
	"US": "US", "USA": "US", // United States
	"UY": "UY", "URY": "UY", // Uruguay
	"UZ": "UZ", "UZB": "UZ", // Uzbekistan
	"VA": "VA", "VAT": "VA", // Holy See (Vatican City State)
	"VC": "VC", "VCT": "VC", // Saint Vincent and the Grenadines
	"VE": "VE", "VEN": "VE", // Venezuela, Bolivarian Republic of
	"VG": "VG", "VGB": "VG", // Virgin Islands, British
	"VI": "VI", "VIR": "VI", // Virgin Islands, U.S.
	"VN": "VN", "VNM": "VN", // Viet Nam
	"VU": "VU", "VUT": "VU", // Vanuatu
	"WF": "WF", "WLF": "WF", // Wallis and Futuna
	"WS": "WS", "WSM": "WS", // Samoa
	"YE": "YE", "YEM": "YE", // Yemen
	"YT": "YT", "MYT": "YT", // Mayotte
	"ZA": "ZA", "ZAF": "ZA", // South Africa
	"ZM": "ZM", "ZMB": "ZM", // Zambia
	"ZW": "ZW", "ZWE": "ZW", // Zimbabwe
}
