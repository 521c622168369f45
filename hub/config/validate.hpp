// Semantic checks of a HubConfig; every problem is reported, none stops the others.
//
// Rules (README.md lists them with examples):
//   names      hub.name and peer names are [a-z0-9._-], unique, and no peer has the hub's name
//   listeners  ports 0..65535; TLS cert/key/client CAs required (no plaintext listener)
//              and not on the TLS listener's port
//   files      every configured certificate, key, CRL and trust file exists and is a regular
//              file (ValidateOptions::check_files)
//   ranges     limits, retry, circuit breaker, store, audit values within sane bounds,
//              retry.in_flight_timeout > limits.delivery_timeout, min_rsa_bits >= 2048
//   endpoints  organ is a valid OrganId (OrganId::parse's message), no duplicates, at most one
//              explicit binding, fingerprints are 64 hex digits, a relaxation has a reason
//   peers      exactly one certificate identity, amqps:// URL (amqp:// only to loopback),
//              relay_for entries are "*" or valid suffixes, identity not shared with an endpoint
//   routes     valid dot-group suffix, `to` names a defined peer ("did you mean"), no suffix
//              twice among routes and routing.authoritative_for; default_route a defined peer
//   log        log.level and every [log.levels] value is a level (trace, debug, info, warn,
//              error, off); every [log.levels] key is a logger (log::logger_names())
//   admin      the resolved socket path fits a Unix socket address (<= 107 bytes)
// Pure apart from the file checks (stat only; nothing is opened).
#pragma once

#include "config/config_error.hpp"
#include "config/hub_config.hpp"
#include "log/log.hpp"

namespace docaxis::config {

struct ValidateOptions {
  bool check_files = true;  // false: only check that required file keys are non-empty
};

[[nodiscard]] ConfigErrors validate(const HubConfig& config, const ValidateOptions& options = {});

// The [log] section as the log module takes it (log::configure). For a validated config.
log::Settings log_settings(const LogConfig& config);

}  // namespace docaxis::config
