// agent.toml: the configuration of `docaxis-agent run` (and, optionally, the connection
// settings of `send` and `receive`). One typed struct with every default in it; the loader
// reports every problem at once (key, message, line) and the program exits 2 on any.
// README.md documents every key (a public contract). toml++ is used only in
// agent_config.cpp.
#pragma once

#include "config/toml_section.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace docaxis::agent {

struct AgentConfig {
  struct Hub {
    std::string url;                         // amqps://HOST[:PORT]. Required
    // Further nodes of the same hub cluster, tried in turn when a connection is lost (at once;
    // backoff only after all failed). At most 15. Never independent hubs.
    std::vector<std::string> failover_urls;
    std::string server_name;                 // name in the hub's certificate; "" = URL host
    std::int64_t outcome_timeout_seconds = 120;  // per send, across reconnects and retries
    std::int64_t connect_timeout_seconds = 30;   // send/receive: give up (exit 3) after this
  } hub;
  struct Tls {
    std::string cert_file;   // organ certificate + issuing CAs (PEM). Required
    std::string key_file;    // its private key (PEM). Required
    std::string trust_file;  // CAs for the hub's certificate (PEM). Required
  } tls;
  struct Organ {
    std::string id;    // this organ's id; "" = the certificate's subject UID
    std::string name;  // OrganName written in the status packages the agent makes
  } organ;
  struct Sign {
    bool enabled = false;                  // sign outgoing packages that carry no signature
    std::string key_file;                  // "" = tls.key_file
    std::string cert_file;                 // "" = tls.cert_file
    std::vector<std::string> chain_files;  // more issuing certificates for X509Data
  } sign;
  struct Folders {
    std::string root = ".";  // the others are relative to it; it is relative to the file
    std::string outbox = "outbox";
    std::string sent = "sent";
    std::string failed = "failed";
    std::string inbox = "inbox";
    std::string receipts = "receipts";
    std::string state = ".agent";  // the agent's own bookkeeping (dedup markers)
    std::int64_t poll_interval_ms = 500;
  } folders;
  struct Send {
    std::int64_t max_in_flight = 16;         // outbox files being sent at once
    std::int64_t retry_first_seconds = 5;    // a file whose send failed transiently waits
    std::int64_t retry_max_seconds = 300;    // this long, doubling up to this
  } send;
  struct Receive {
    bool enabled = true;          // read inbox/<organ> at all
    bool status_arrived = false;  // answer each received document with status 01 (arrived)
    std::int64_t prefetch = 16;   // received messages held unsettled at most
    std::int64_t dedup_days = 30;  // how long a received document id is remembered
  } receive;
};

using ConfigProblem = adapters::ConfigProblem;  // adapters/config/toml_section.hpp

struct LoadedAgentConfig {
  AgentConfig config;
  std::vector<ConfigProblem> problems;  // empty = usable
};

// Reads the file and makes every path absolute: the folder root relative to the file's
// folder, the folders relative to the root, certificate files relative to the file's folder.
// Problems: unreadable file, TOML syntax, unknown keys, wrong types. Required keys and ranges
// are validate()'s (send/receive first merge their command-line flags).
LoadedAgentConfig load_agent_config(const std::string& path);
// Parse only (no file access; paths as written), for tests.
LoadedAgentConfig parse_agent_config(const std::string& toml_text, const std::string& source);
// Required keys and ranges, every problem at once.
std::vector<ConfigProblem> validate(const AgentConfig& c);
// Makes the folder paths absolute (root against `base_dir`, the folders against the root).
void resolve_folders(AgentConfig& c, const std::string& base_dir);

}  // namespace docaxis::agent
