// The admin protocol (version 1): line-delimited JSON over the hub's local Unix socket.
// README.md is the public contract; this header is its one implementation, shared by the
// hub's AdminServer and the `docaxis` CLI's AdminClient.
//
//   request   {"v":1,"cmd":"queue.list","args":{...},"who":"alice","mutate":false}\n
//   response  {"v":1,"ok":true,"result":{...}}\n
//             {"v":1,"ok":false,"error":{"code":"not-found","message":"..."}}\n
//
// Commands come in two disjoint sets: read-only ones, which never change the hub, and
// mutating ones, which the hub runs only when the request says "mutate": true (so a client
// or script that only reads can never change anything by a typo) and records in the audit
// log with the caller's identity. `who` is what the client claims (its login name); the hub
// records the kernel's answer (SO_PEERCRED) beside it.
//
// Pure functions, no I/O; thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace docaxis::admin {

inline constexpr int kProtocolVersion = 1;
// A request line longer than this is refused and the connection closed.
inline constexpr std::size_t kMaxRequestBytes = 1 << 20;

enum class Access { kRead, kMutate };

struct CommandInfo {
  std::string_view name;
  Access access;
  std::string_view summary;
};

// Every command, read-only ones first.
std::span<const CommandInfo> commands();
// nullptr for an unknown command.
const CommandInfo* find_command(std::string_view name);

struct Request {
  std::string cmd;
  nlohmann::json args = nlohmann::json::object();
  std::string who;
  bool mutate = false;
};

// One request line (without '\n'). Errors: "bad-request" (not JSON, not an object, wrong
// field types, unsupported version), "unknown-command", "mutation-not-declared" (a mutating
// command without "mutate": true), "not-mutating" (a read-only command with "mutate": true).
Result<Request> parse_request(std::string_view line);
std::string encode_request(const Request& request);  // one line, no '\n'

struct Response {
  bool ok = false;
  Status error;  // when !ok
  nlohmann::json result;
};
std::string encode_ok(const nlohmann::json& result);
std::string encode_error(const Status& error);
// Errors: "bad-response" (not a version-1 response line).
Result<Response> parse_response(std::string_view line);

}  // namespace docaxis::admin
