// The hub's configuration: one typed value with every default written here, in the struct.
//
// The TOML format (README.md, docaxis-hub.example.toml) maps one to one onto these structs:
// section `[retry]` is HubConfig::retry, key `first_retry_seconds` is
// RetryConfig::first_retry, and so on. Durations are whole seconds (or milliseconds where the
// key says `_ms`); sizes are bytes. loader.hpp fills a HubConfig from TOML; validate.hpp
// checks one and reports every problem at once. The hub uses a HubConfig only after
// validate() returned no error.
//
// Paths: after load_config_file(), every relative file path has been made absolute against
// the config file's folder. An empty store path, audit dir or admin socket means "inside
// data_dir" (see the resolved_* helpers).
//
// Value type, no I/O, no third-party types: other modules read it without linking toml++.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace docaxis::config {

using Seconds = std::chrono::seconds;
using Millis = std::chrono::milliseconds;

struct HubSection {
  // This hub's name in hop trails and receipts. It must be unique across the federation:
  // a package whose trail already holds this name is refused as a loop.
  std::string name = "docaxis-hub";
  std::string data_dir = "/var/lib/docaxis-hub";  // created by the hub if missing
  friend bool operator==(const HubSection&, const HubSection&) = default;
};

// AMQP 1.0 over TLS with client-certificate verification (mutual TLS).
struct TlsListener {
  std::string host = "127.0.0.1";
  std::int64_t port = 5671;  // 0 = any free port (tests)
  std::string cert_file = "/etc/docaxis-hub/tls/hub.crt";
  std::string key_file = "/etc/docaxis-hub/tls/hub.key";
  std::string chain_file;  // optional: intermediates sent after the server certificate
  std::vector<std::string> client_ca_files = {"/etc/docaxis-hub/trust/anchors.pem"};
  std::vector<std::string> crl_files;  // optional: client certificates are checked against them
  friend bool operator==(const TlsListener&, const TlsListener&) = default;
};

struct Listeners {
  TlsListener tls;
  friend bool operator==(const Listeners&, const Listeners&) = default;
};

struct Limits {
  std::int64_t max_package_bytes = 64 * 1024 * 1024;  // larger packages: rejected at ingest
  std::int64_t max_in_flight_per_link = 64;           // unsettled deliveries (credit) per link
  Seconds delivery_timeout{60};  // no outcome from a recipient within this: retry later
  std::int64_t verify_workers = 2;        // ingest threads verifying signatures
  std::int64_t max_pending_packages = 1024;  // admitted, unanswered; beyond: released (overloaded)
  // What one client can take from the listener (hub/amqp/listener.hpp).
  std::int64_t max_connections = 1000;              // AMQP connections at once, in total
  std::int64_t max_connections_per_address = 100;   // ... from one client IP address
  Seconds handshake_timeout{10};                    // TLS + SASL + AMQP open must finish within
  Seconds idle_timeout{60};                         // AMQP idle timeout (heartbeats at half)
  std::int64_t max_bytes_in_flight = 256 * 1024 * 1024;  // package bytes read, not yet answered
  std::int64_t max_bytes_in_flight_per_connection = 128 * 1024 * 1024;  // ... per connection
  // Ingest answers released (resource-exhausted) while the spool's or the audit log's
  // filesystem has less free space than this; 0 = no floor.
  std::int64_t min_free_disk_bytes = 256 * 1024 * 1024;
  friend bool operator==(const Limits&, const Limits&) = default;
};

enum class VerifyEngine { native, xmlsec };

// Global verification settings. There is deliberately no global relaxation: legacy SHA-1 and
// unsigned packages can only be allowed per endpoint (EndpointConfig).
struct Verification {
  VerifyEngine engine = VerifyEngine::native;
  std::int64_t signer_cache_capacity = 4096;  // validated signer certificates kept; 0 = off
  std::int64_t min_rsa_bits = 2048;           // may be raised, never lowered below 2048
  friend bool operator==(const Verification&, const Verification&) = default;
};

// Trust for signatures on packages (the TLS client CAs are TlsListener::client_ca_files).
struct Trust {
  std::vector<std::string> anchor_files = {"/etc/docaxis-hub/trust/anchors.pem"};
  std::vector<std::string> intermediate_files;
  std::vector<std::string> crl_files;  // when any is given, revocation checking is on
  Seconds crl_refresh{3600};           // how often CRL files are re-read
  // Fetching CRLs from the CAs' CRL distribution points (hub/crl/README.md). Off by default.
  bool crl_fetch = false;
  Seconds crl_fetch_interval{3600};  // fetch at least this often (also at half a CRL's validity)
  Seconds crl_grace{3600};           // a CRL is still used this long after its nextUpdate
  std::int64_t crl_max_bytes = 16 * 1024 * 1024;  // a larger response is refused
  Seconds crl_fetch_timeout{30};     // whole transfer (connect: at most 10 s of it)
  std::string crl_fetch_proxy;       // "" = no proxy (the environment's *_proxy is ignored)
  // URLs fetched besides the distribution points found in certificates (http/https); each CRL
  // is attributed to the trusted CA that issued and signed it.
  std::vector<std::string> crl_fetch_urls;
  friend bool operator==(const Trust&, const Trust&) = default;
};

// The hub's own key: signs delivery receipts and audit checkpoints.
struct Signing {
  std::string key_file = "/etc/docaxis-hub/signing/hub.key";
  std::string cert_file = "/etc/docaxis-hub/signing/hub.crt";
  std::string chain_file;  // optional
  friend bool operator==(const Signing&, const Signing&) = default;
};

// Per next hop: delay n (n >= 1) = min(first_retry * multiplier^(n-1), max_interval),
// spread by +/- jitter * delay; past `deadline` after acceptance a delivery is dead-lettered.
struct Retry {
  Seconds first_retry{5};
  double multiplier = 2.0;
  Seconds max_interval{30 * 60};
  Seconds deadline{7 * 24 * 3600};
  double jitter = 0.2;             // fraction in [0, 1)
  std::int64_t poison_limit = 10;  // attempts ending with no outcome (crash, link loss) before
                                   // the delivery is dead-lettered as poison
  Seconds sweeper_interval{30};    // how often stuck in-flight deliveries are looked for
  Seconds in_flight_timeout{300};  // in flight longer than this: back to the retry queue
  friend bool operator==(const Retry&, const Retry&) = default;
};

// Per next hop: after `failures_to_open` consecutive failures no attempt is made for
// `open_duration`; then one trial attempt (half-open) decides.
struct CircuitBreaker {
  std::int64_t failures_to_open = 5;
  Seconds open_duration{60};
  friend bool operator==(const CircuitBreaker&, const CircuitBreaker&) = default;
};

enum class FsyncMode { full, normal };
// What the hub checks when it opens the spool (SQLite quick_check reads the whole file).
enum class OpenCheck { quick, full, none };
// Where the spool lives: one SQLite file (one hub node), or a PostgreSQL database shared by
// several hub nodes (issue 17; hub/store_pg/README.md).
enum class StoreBackend { sqlite, postgresql };

struct Store {
  StoreBackend backend = StoreBackend::sqlite;
  // backend = postgresql: the libpq connection string (no password: ~/.pgpass or PGPASSFILE),
  // this node's name among the hub's nodes (owner of its claims; "" = the host name), and
  // whether the server must have a synchronous standby (a cluster; off only for one server).
  std::string postgresql_conninfo;
  std::string node;
  bool require_synchronous_standby = true;
  std::string path;  // empty: <data_dir>/spool.sqlite
  FsyncMode fsync = FsyncMode::full;
  OpenCheck check_on_open = OpenCheck::quick;
  std::int64_t group_commit_max_batch = 256;  // packages per commit at most
  friend bool operator==(const Store&, const Store&) = default;
};

// Retention of package bytes (hub/store/README.md, "Retention"): per message type, the age
// after which a package whose every delivery ended (and unchanged since) has its bytes
// released; its row, deliveries, receipts, duplicate key and the audit log stay. 0 keeps that
// type's bytes for ever (the default for all three).
struct Retention {
  Seconds edoc{0};
  Seconds status{0};
  Seconds receipt{0};
  Seconds interval{600};        // how often a round runs
  std::int64_t batch = 1000;    // packages released per store write
  friend bool operator==(const Retention&, const Retention&) = default;
};

// [certs]: certificate expiry warnings (server/cert_watch.hpp).
struct Certs {
  std::int64_t warn_days = 30;  // warn when a certificate expires within this many days
  friend bool operator==(const Certs&, const Certs&) = default;
};

struct Audit {
  std::string dir;                               // empty: <data_dir>/audit
  std::int64_t checkpoint_every_records = 1000;  // a signed checkpoint after N records ...
  Seconds checkpoint_every{60};                  // ... or T seconds, whichever comes first
  friend bool operator==(const Audit&, const Audit&) = default;
};

// One organ served by this hub and the client certificate that speaks for it. Binding:
// by default the certificate's subject UID must equal `organ`; `cert_sha256` (SHA-256 of the
// DER certificate, 64 hex digits, ':' separators allowed, stored lower-case without them) or
// `cert_subject` (exact RFC 2253 subject) replace the UID binding. At most one of the two.
struct EndpointConfig {
  std::string organ;         // ddd.dd.dd.Lnn
  std::string name;          // label for logs and the CLI; optional
  std::string cert_sha256;   // optional explicit binding
  std::string cert_subject;  // optional explicit binding
  bool allow_sha1 = false;   // accept legacy rsa-sha1 / sha1 digests from this organ
  bool allow_unsigned = false;    // accept unsigned packages from this organ
  std::string relaxation_reason;  // required when a relaxation is on; recorded in audit
  // The axis HTTP API system ([[vxp.systems]] id) that may act for this organ, in addition to
  // (or instead of) its certificate; "" = none.
  std::string vxp_system = {};
  friend bool operator==(const EndpointConfig&, const EndpointConfig&) = default;
};

// A neighbouring hub. Exactly one of cert_sha256 / cert_subject identifies its certificate
// (hub certificates carry no UID). `relay_for` lists organ suffixes it may send packages for
// ("*" = any organ not served here).
struct PeerConfig {
  std::string name;  // its hub name, as it appears in hop trails
  std::string url;   // amqps://host:port (amqp:// only to a loopback host)
  std::string cert_sha256;
  std::string cert_subject;
  std::vector<std::string> relay_for;
  std::string server_name;  // the name its TLS certificate must carry; "" = the URL's host
  // Organ suffixes whose UNSIGNED packages this hub accepts when this peer relays them (the
  // peer accepted them under its own endpoint's relaxation); never "*". Needs
  // relaxation_reason, recorded with every such package and stated in its receipts.
  std::vector<std::string> allow_unsigned_from = {};
  std::string relaxation_reason = {};
  friend bool operator==(const PeerConfig&, const PeerConfig&) = default;
};

// Recipients whose organ id ends with `suffix` go to peer `to` (routing/route_table.hpp).
struct RouteConfig {
  std::string suffix;  // whole dot-groups from the right: ".G12", "31.H30"
  std::string to;      // a peer name
  friend bool operator==(const RouteConfig&, const RouteConfig&) = default;
};

struct Routing {
  std::string default_route;  // peer for recipients no rule matches; empty: no-route
  // Suffixes this hub is the last stop for: a matching recipient that is not served here is
  // refused with no-route instead of following a shorter route or the default route.
  std::vector<std::string> authoritative_for;
  std::int64_t max_hops = 8;  // hubs a package may pass through, this one included
  friend bool operator==(const Routing&, const Routing&) = default;
};

struct Admin {
  std::string socket;  // Unix socket; empty: <data_dir>/admin.sock
  friend bool operator==(const Admin&, const Admin&) = default;
};

// The hub's logs (hub/log/README.md): one level for every logger, and per-logger overrides
// ([log.levels] amqp = "debug"). Levels: trace, debug, info, warn, error, off; logger names:
// log::logger_names(). Kept as text here; validate() checks both.
struct LogConfig {
  std::string level = "info";
  std::vector<std::pair<std::string, std::string>> levels;  // logger -> level, by logger name
  friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

// A system of the axis HTTP API: the id and shared secret the SDK is configured with. The
// organs it acts for are the [[endpoints]] naming it (vxp_system), with their policies.
struct VxpSystem {
  std::string id;           // XroadVnpt-systemid
  std::string secret_file;  // the shared secret, alone in a file only its owner may read (0600)
  bool admin = false;       // may change the hub's directory (registerAgency, deleteAgency)
  friend bool operator==(const VxpSystem&, const VxpSystem&) = default;
};

// The axis HTTP API (hub/vxp/README.md), for existing agency software. Off unless enabled.
struct Vxp {
  bool enabled = false;
  std::string host = "127.0.0.1";
  std::int64_t port = 8443;  // 0 = any free port (tests)
  std::string path_prefix;   // e.g. "/XrdAdapter/adapter"; "" = operations at the root
  // HTTPS with the listener's certificate ([listener.tls] cert_file, key_file, chain_file)
  // unless plain_http: plain HTTP only when set explicitly.
  bool plain_http = false;
  std::int64_t max_connections = 1024;
  std::int64_t max_connections_per_address = 256;
  std::int64_t max_header_bytes = 16 * 1024;
  Seconds idle_timeout{30};     // a connection with no request within it is closed
  Seconds request_timeout{60};  // a body not received within it is refused
  // HTTPS sessions kept so a client can resume within 10 minutes (about 1 KiB each); 0 = none.
  std::int64_t tls_session_cache = 10000;
  // The directory of organs the directory operations answer from (hub/vxp/README.md
  // "Directory"): a JSON file, read-only; changes made through the API are kept in
  // <data_dir>/vxp-directory.json. "" = none: the directory starts empty.
  std::string directory_file;
  std::vector<VxpSystem> systems;
  friend bool operator==(const Vxp&, const Vxp&) = default;
};

// The operator HTTP endpoint (hub/ops/README.md): /healthz, /readyz, /metrics and the status
// page. Off unless enabled; loopback by default. Plain HTTP unless `tls`; a host that is not
// loopback needs `tls` (the listener's certificate and key) or, explicitly,
// `allow_plain_http`.
struct Ops {
  bool enabled = false;
  std::string host = "127.0.0.1";
  std::int64_t port = 9464;  // 0 = any free port (tests); <data_dir>/ops.port names it
  bool tls = false;
  bool allow_plain_http = false;
  std::int64_t max_connections = 64;
  std::int64_t max_connections_per_address = 16;
  std::int64_t max_header_bytes = 8 * 1024;
  Seconds idle_timeout{30};
  Seconds request_timeout{10};
  friend bool operator==(const Ops&, const Ops&) = default;
};

struct HubConfig {
  HubSection hub;
  Listeners listener;
  Limits limits;
  Verification verification;
  Trust trust;
  Signing signing;
  Certs certs;
  Retry retry;
  CircuitBreaker circuit_breaker;
  Store store;
  Retention retention;
  Audit audit;
  std::vector<EndpointConfig> endpoints;
  std::vector<PeerConfig> peers;
  std::vector<RouteConfig> routes;
  Routing routing;
  Admin admin;
  LogConfig log;
  Vxp vxp;
  Ops ops;

  std::string resolved_store_path() const;
  std::string resolved_audit_dir() const;
  std::string resolved_admin_socket() const;
  friend bool operator==(const HubConfig&, const HubConfig&) = default;
};

const char* to_string(VerifyEngine e);
const char* to_string(FsyncMode m);

}  // namespace docaxis::config
