package config

import (
	"time"

	"github.com/payrun/payrun/pkg/queue"
)

// Config is the whole configuration of enqueue and worker. YAML keys are the yaml tags; each key's
// environment variable is PAYRUN_ + its path (see the package doc). configs/payrun.yaml documents
// every key with its default.
type Config struct {
	NATS      NATS      `yaml:"nats"`
	Names     Names     `yaml:"names"`
	Streams   Streams   `yaml:"streams"`
	Enqueue   Enqueue   `yaml:"enqueue"`
	Gateway   Gateway   `yaml:"gateway"`
	Worker    Worker    `yaml:"worker"`
	RateLimit RateLimit `yaml:"ratelimit"`
	// HTTPAddr is the worker's listen address for /metrics, /healthz, /readyz; empty turns it off
	// (so several workers can share a host).
	HTTPAddr string   `yaml:"http_addr"`
	Log      Log      `yaml:"log"`
	Security Security `yaml:"security"`
	Console  Console  `yaml:"console"`

	from origins // where Parse found each key's value (KeyError, Validate)
}

// NATS is how both binaries reach the NATS server.
type NATS struct {
	URL  string `yaml:"url"`  // comma-separated server URLs
	Name string `yaml:"name"` // connection name; empty: the binary's name
	// Authentication: at most one of creds_file, nkey_file, user+password, token.
	CredsFile       string        `yaml:"creds_file"`
	NKeyFile        string        `yaml:"nkey_file"`
	User            string        `yaml:"user"`
	Password        string        `yaml:"password" secret:"true"`
	Token           string        `yaml:"token" secret:"true"`
	TLS             TLS           `yaml:"tls"`
	ConnectTimeout  time.Duration `yaml:"connect_timeout"`
	ReconnectWait   time.Duration `yaml:"reconnect_wait"`
	ReconnectJitter time.Duration `yaml:"reconnect_jitter"`
	PingInterval    time.Duration `yaml:"ping_interval"`
}

// TLS configures TLS to the NATS server.
type TLS struct {
	CAFile   string `yaml:"ca_file"`   // verify the server with this CA bundle
	CertFile string `yaml:"cert_file"` // client certificate (with key_file)
	KeyFile  string `yaml:"key_file"`
}

// Names are the JetStream names (see pkg/queue Names).
type Names struct {
	JobStream            string `yaml:"job_stream"`
	JobSubjectPrefix     string `yaml:"job_subject_prefix"`
	ChunkSubjectPrefix   string `yaml:"chunk_subject_prefix"`
	ResultStream         string `yaml:"result_stream"`
	ResultSubjectPrefix  string `yaml:"result_subject_prefix"`
	SummarySubjectPrefix string `yaml:"summary_subject_prefix"`
	DeadSubjectPrefix    string `yaml:"dead_subject_prefix"`
	Consumer             string `yaml:"consumer"`
	BatchesBucket        string `yaml:"batches_bucket"`
	OrdersBucket         string `yaml:"orders_bucket"`
	LedgerBucket         string `yaml:"ledger_bucket"`
	RateLimitBucket      string `yaml:"ratelimit_bucket"`
}

// Streams are the stream and bucket settings Provision applies (see pkg/queue Settings).
type Streams struct {
	Replicas         int           `yaml:"replicas"`
	JobMaxMsgs       int64         `yaml:"job_max_msgs"`
	JobMaxBytes      int64         `yaml:"job_max_bytes"`
	JobDuplicates    time.Duration `yaml:"job_duplicates"`
	MaxMsgSize       int32         `yaml:"max_msg_size"`
	ResultMaxAge     time.Duration `yaml:"result_max_age"`
	ResultMaxMsgs    int64         `yaml:"result_max_msgs"`
	ResultMaxBytes   int64         `yaml:"result_max_bytes"`
	ResultDuplicates time.Duration `yaml:"result_duplicates"`
}

// Enqueue configures the enqueue command.
type Enqueue struct {
	// PublishWindow is how many atomic chunks may be in flight at once (1-50; the server allows
	// 50 in-flight atomic batches per stream).
	PublishWindow int `yaml:"publish_window"`
	// ChunkSize is how many jobs go into one atomic chunk (1-999; one more message, the chunk's
	// commit marker, joins each chunk and the server caps a batch at 1000).
	ChunkSize int `yaml:"chunk_size"`
	// MaxErrors is how many validation errors are printed (all are counted).
	MaxErrors int `yaml:"max_errors"`
	// WaitTimeout bounds --wait; 0 waits until the batch is complete.
	WaitTimeout time.Duration `yaml:"wait_timeout"`
	// MaxFileBytes bounds the input file (and enqueue's private copy of it).
	MaxFileBytes int64 `yaml:"max_file_bytes"`
}

// Gateway is the ConnPay gateway the worker pays through.
type Gateway struct {
	URL             string        `yaml:"url"`                       // base URL ending in /paynet
	EndpointID      string        `yaml:"endpoint_id"`               // exactly one of endpoint_id, endpoint_group_id
	EndpointGroupID string        `yaml:"endpoint_group_id"`         //
	Login           string        `yaml:"login"`                     // merchant login (OAuth consumer key)
	PrivateKeyFile  string        `yaml:"private_key_file"`          // RSA private key (PEM) for OAuth RSA-SHA256
	ControlKey      string        `yaml:"control_key" secret:"true"` // merchant control key (callbacks)
	HTTPTimeout     time.Duration `yaml:"http_timeout"`              // one HTTP call; must be below worker.ack_wait
	MaxConns        int           `yaml:"max_conns"`                 // keep-alive connections per host
	// NotFoundCodes are the gateway's error-code values that mean "no such order" in a status
	// answer (env: comma-separated). Empty (the default): no lookup can prove that an order
	// does not exist, so a payout whose outcome is unknown ends unresolved, never re-sent.
	// worker.sandbox presets the sandbox's code. See docs/gateway.md.
	NotFoundCodes []string `yaml:"not_found_codes"`
	// AllowInsecureHTTP accepts a plain http:// url to a host other than loopback (card data
	// would cross the network in clear); off, such a url is refused.
	AllowInsecureHTTP bool `yaml:"allow_insecure_http"`
}

// Worker configures the worker pool.
type Worker struct {
	Concurrency   int           `yaml:"concurrency"`     // jobs processed at once per process
	AckWait       time.Duration `yaml:"ack_wait"`        // consumer ack deadline; must exceed gateway.http_timeout
	MaxDeliver    int           `yaml:"max_deliver"`     // consumer delivery bound; -1 unbounded (the ledger bounds each row)
	MaxAckPending int           `yaml:"max_ack_pending"` // jobs held by all workers together
	MaxFailures   int           `yaml:"max_failures"`    // failed attempts before dead-lettering a job
	SettleDelay   time.Duration `yaml:"settle_delay"`    // wait before a status lookup after an ambiguous send
	Poll          Poll          `yaml:"poll"`
	// MaxAttempts bounds payout requests per row; a new request only follows a definite "no such
	// order" (or a request that was definitely not sent). Past it the row ends "unresolved".
	MaxAttempts int `yaml:"max_attempts"`
	// BackoffInitial and BackoffMax shape the redelivery delay after the n-th failure:
	// backoff_initial * 2^(n-1), at most backoff_max.
	BackoffInitial time.Duration `yaml:"backoff_initial"`
	BackoffMax     time.Duration `yaml:"backoff_max"`
	// ShutdownTimeout bounds finishing or handing back in-flight work on SIGINT/SIGTERM.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	Embedded        bool          `yaml:"embedded"`  // run an in-process JetStream server
	StoreDir        string        `yaml:"store_dir"` // its store directory (empty: a temporary one)
	Sandbox         bool          `yaml:"sandbox"`   // pay through the built-in sandbox gateway
	// CallbackRate (lookups per second) and CallbackBurst bound the status lookups that verified
	// gateway callbacks cause, per process; beyond them a callback is answered 503 (the gateway
	// sends it again), so replayed callbacks cannot spend the budget payouts need.
	CallbackRate  float64 `yaml:"callback_rate"`
	CallbackBurst int     `yaml:"callback_burst"`
}

// Poll is the status polling cadence after an async-response (gateway notes §4).
type Poll struct {
	FirstInterval time.Duration `yaml:"first_interval"` // interval during the fast phase
	FastPhase     time.Duration `yaml:"fast_phase"`     // how long to poll at first_interval
	SlowInterval  time.Duration `yaml:"slow_interval"`  // interval after the fast phase
	Horizon       time.Duration `yaml:"horizon"`        // give up (result unresolved) after this long
}

// RateLimit is the gateway request limit for all workers together.
type RateLimit struct {
	Rate  float64 `yaml:"rate"`  // requests per second, all workers together; 0 = off
	Burst int     `yaml:"burst"` // requests allowed at once
	// StatusRate optionally limits status calls separately (requests per second); 0 = status calls
	// share rate.
	StatusRate float64 `yaml:"status_rate"`
	// Heartbeat is how often each worker refreshes its membership record; DeadAfter is how long
	// a silent worker keeps its share before the others take it over (at least 2 * heartbeat).
	Heartbeat time.Duration `yaml:"heartbeat"`
	DeadAfter time.Duration `yaml:"dead_after"`
	// Pressure is how the pool reacts to the gateway's 429/503 answers (docs/ratelimit.md).
	Pressure Pressure `yaml:"pressure"`
}

// Pressure tunes the pool's adaptive rate (AIMD over tumbling windows), its Retry-After stops
// and its storm pauses. The defaults are pkg/ratelimit's.
type Pressure struct {
	Window         time.Duration `yaml:"window"`          // each window of answers is judged on its own
	CongestedShare float64       `yaml:"congested_share"` // share of 429/503 answers that makes a window congested
	CongestedMin   int           `yaml:"congested_min"`   // ... with at least this many 429/503 answers
	Decrease       float64       `yaml:"decrease"`        // a congested window multiplies the rate by this
	Increase       float64       `yaml:"increase"`        // a healthy window adds this fraction of the rate
	MinFactor      float64       `yaml:"min_factor"`      // the rate never goes below this fraction
	StormAnswers   int           `yaml:"storm_answers"`   // 429/503 answers in a row that stop the pool
	StormPause     time.Duration `yaml:"storm_pause"`     // first storm stop; doubles per storm
	StormPauseMax  time.Duration `yaml:"storm_pause_max"` // longest storm stop
	StormReset     time.Duration `yaml:"storm_reset"`     // a storm this long after the last stop starts over
	MaxRetryAfter  time.Duration `yaml:"max_retry_after"` // a longer Retry-After is capped to this
}

// Console configures the finance web console (cmd/console, docs/console.md).
type Console struct {
	Addr string `yaml:"addr"` // listen address
	// Approvals on: a checked batch is enqueued only after a second user (an approver, not the
	// uploader) approves it. Off: the uploader releases it.
	Approvals bool `yaml:"approvals"`
	// Users: one per line, "name roles hash": roles comma-separated (submitter, approver,
	// operator, viewer), hash a bcrypt hash ($2a$/$2b$/$2y$) or "-" (only through the proxy
	// header). See ConsoleUsers.
	Users string `yaml:"users" secret:"true"`
	// ProxyUserHeader, if set, is a request header a trusted reverse proxy (SSO) fills with the
	// signed-in user's name; that user must be in Users. Off by default: set it only when the
	// console is reachable through that proxy alone.
	ProxyUserHeader string `yaml:"proxy_user_header"`
	MaxUploadBytes  int64  `yaml:"max_upload_bytes"` // largest batch file accepted
	// SessionKey signs session cookies and CSRF tokens (at least 32 characters); empty: a random
	// key per process (sessions end when it restarts).
	SessionKey    string        `yaml:"session_key" secret:"true"`
	SessionTTL    time.Duration `yaml:"session_ttl"`    // a session's lifetime
	SecureCookies bool          `yaml:"secure_cookies"` // always mark cookies Secure (TLS in front); they are when the request is TLS
}

// Log configures zerolog output.
type Log struct {
	Level  string `yaml:"level"`  // trace, debug, info, warn, error
	Format string `yaml:"format"` // json or console
}

// Security is how card data is protected at rest (docs/security.md).
type Security struct {
	// DataKeyFile holds the data keys that seal card and account numbers in job messages (and
	// encrypt the embedded server's store): "<key-id> <32 bytes in standard base64>" per line,
	// the first seals, all open; mode 0600. Env PAYRUN_DATA_KEY_FILE.
	DataKeyFile string `yaml:"data_key_file"`
	// AllowCleartextJobs lets a worker with a real gateway run without a data key file (and
	// enqueue publish without one without a warning): job messages then hold card and account
	// numbers in clear. The documented opt-out; off by default.
	AllowCleartextJobs bool `yaml:"allow_cleartext_jobs"`
}

// Default returns the documented defaults (configs/payrun.yaml shows them).
func Default() Config {
	n, s := queue.DefaultNames(), queue.DefaultSettings()
	return Config{
		NATS: NATS{
			URL:             queue.DefaultURL,
			ConnectTimeout:  5 * time.Second,
			ReconnectWait:   time.Second,
			ReconnectJitter: 500 * time.Millisecond,
			PingInterval:    20 * time.Second,
		},
		Names: Names{
			JobStream:            n.JobStream,
			JobSubjectPrefix:     n.JobSubjectPrefix,
			ChunkSubjectPrefix:   n.ChunkSubjectPrefix,
			ResultStream:         n.ResultStream,
			ResultSubjectPrefix:  n.ResultSubjectPrefix,
			SummarySubjectPrefix: n.SummarySubjectPrefix,
			DeadSubjectPrefix:    n.DeadSubjectPrefix,
			Consumer:             n.Consumer,
			BatchesBucket:        n.BatchesBucket,
			OrdersBucket:         n.OrdersBucket,
			LedgerBucket:         n.LedgerBucket,
			RateLimitBucket:      n.RateLimitBucket,
		},
		Streams: Streams{
			Replicas:         s.Replicas,
			JobMaxMsgs:       s.JobMaxMsgs,
			JobMaxBytes:      s.JobMaxBytes,
			JobDuplicates:    s.JobDuplicates,
			MaxMsgSize:       s.MaxMsgSize,
			ResultMaxAge:     s.ResultMaxAge,
			ResultMaxMsgs:    s.ResultMaxMsgs,
			ResultMaxBytes:   s.ResultMaxBytes,
			ResultDuplicates: s.ResultDuplicates,
		},
		Enqueue: Enqueue{
			PublishWindow: 16,
			ChunkSize:     999,
			MaxErrors:     100,
			MaxFileBytes:  1 << 30,
		},
		Gateway: Gateway{
			HTTPTimeout: 10 * time.Second,
			MaxConns:    64,
		},
		Worker: Worker{
			Concurrency:   16,
			AckWait:       s.AckWait,
			MaxDeliver:    s.MaxDeliver,
			MaxAckPending: s.MaxAckPending,
			MaxFailures:   5,
			SettleDelay:   30 * time.Second,
			Poll: Poll{
				FirstInterval: 3 * time.Second,
				FastPhase:     5 * time.Minute,
				SlowInterval:  5 * time.Minute,
				Horizon:       time.Hour,
			},
			// pkg/payout's defaults (DefaultOptions; cmd/worker's tests keep them equal).
			MaxAttempts:     5,
			BackoffInitial:  time.Second,
			BackoffMax:      time.Minute,
			ShutdownTimeout: 25 * time.Second,
			CallbackRate:    5,
			CallbackBurst:   20,
		},
		// Heartbeat and DeadAfter: pkg/ratelimit's defaults (1s, 3 * heartbeat).
		RateLimit: RateLimit{Burst: 1, Heartbeat: time.Second, DeadAfter: 3 * time.Second,
			// pkg/ratelimit's defaults (cmd/worker's tests keep them equal).
			Pressure: Pressure{
				Window: 2 * time.Second, CongestedShare: 0.1, CongestedMin: 3, Decrease: 0.7, Increase: 0.1, MinFactor: 0.1,
				StormAnswers: 8, StormPause: time.Second, StormPauseMax: time.Minute, StormReset: time.Minute,
				MaxRetryAfter: 15 * time.Minute,
			}},
		Log:     Log{Level: "info", Format: "json"},
		Console: Console{Addr: "127.0.0.1:8080", Approvals: true, MaxUploadBytes: 32 << 20, SessionTTL: 8 * time.Hour},
	}
}
