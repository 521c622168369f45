// The hub's own log lines at start and stop (logger "server"; hub/log/README.md lists every
// event and field). Called from main() (and later from the Application that takes over its
// wiring); they read the configuration only.
#pragma once

#include "common/status.hpp"
#include "config/hub_config.hpp"

namespace docaxis::server {

// Sets every logger's level from cfg.log (a validated configuration). Call first in main(),
// before any other module logs.
void apply_log_config(const config::HubConfig& cfg);

// What an operator checks after a start: event=hub-start (name, data dir, store, audit dir,
// admin socket, counts, log levels), one `listener` line (address with the bound port), one
// `peer` line per peer (URL, expected identity, relay_for), one `trust-file` line per
// configured trust, CA and CRL file. `listener_port`: the port actually bound (the
// configuration may say 0).
void log_startup_summary(const config::HubConfig& cfg, int listener_port);

// event=hub-stop with the signal that stopped the hub.
void log_shutdown(int signal);

}  // namespace docaxis::server
