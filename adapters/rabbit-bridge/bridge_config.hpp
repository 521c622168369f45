// bridge.toml: the configuration of docaxis-rabbit-bridge. One typed struct with every default
// in it; the loader reports every problem at once (key, message, line) and the program exits 2
// on any. README.md documents every key (a public contract). toml++ is used only in
// bridge_config.cpp.
#pragma once

#include "config/toml_section.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace docaxis::rabbit_bridge {

struct BridgeConfig {
  struct Hub {
    std::string url;                              // amqps://HOST[:PORT]. Required
    // Further nodes of the same hub cluster, tried in turn when a connection is lost (at once;
    // backoff only after all failed). At most 15. Never independent hubs.
    std::vector<std::string> failover_urls;
    std::string server_name;                      // name in the hub's certificate; "" = host
    std::int64_t outcome_timeout_seconds = 120;   // per send; then the message is requeued
  } hub;
  struct Tls {
    std::string cert_file, key_file, trust_file;  // all required (paths relative to the file)
  } tls;
  struct Organ {
    std::string id;  // this organ's id: its hub inbox. Required
  } organ;
  struct Rabbit {
    std::string host = "127.0.0.1";
    std::int64_t port = 5672;
    std::string vhost = "/";
    std::string user = "guest";
    std::string password = "guest";  // the environment's DOCAXIS_RABBIT_PASSWORD wins
    std::int64_t heartbeat_seconds = 30;
    std::int64_t reconnect_max_seconds = 30;  // backoff from 0.2 s doubling up to this
  } rabbit;
  struct In {
    bool enabled = true;
    std::string queue;  // packages to send to the hub. Required when enabled
    std::int64_t prefetch = 32;  // messages being sent at once (basic.qos)
    std::string error_exchange;      // where rejected packages go ("" = the default exchange)
    std::string error_routing_key;   // with the default exchange: the error queue's name
  } in;
  struct Out {
    bool enabled = true;
    std::string exchange;     // where inbox packages go ("" = the default exchange)
    std::string routing_key;  // with the default exchange: the queue's name
    std::int64_t confirm_timeout_seconds = 10;  // no confirm by then: released at the hub
    std::int64_t prefetch = 16;                 // hub inbox messages held unsettled
  } out;
};

using ConfigProblem = adapters::ConfigProblem;  // adapters/config/toml_section.hpp

struct LoadedBridgeConfig {
  BridgeConfig config;
  std::vector<ConfigProblem> problems;  // empty = usable
};

// Parse only (no file access; paths as written). Problems: TOML syntax, unknown keys, types.
LoadedBridgeConfig parse_bridge_config(const std::string& toml_text, const std::string& source);
// Reads the file, makes the TLS paths absolute (relative to the file's folder), applies
// DOCAXIS_RABBIT_PASSWORD, then validate().
LoadedBridgeConfig load_bridge_config(const std::string& path);
// Required keys and ranges, every problem at once.
std::vector<ConfigProblem> validate(const BridgeConfig& c);

}  // namespace docaxis::rabbit_bridge
