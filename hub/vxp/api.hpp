// The axis HTTP API's operations over the hub (README.md "Operations"): the handler an
// http::Server calls. `sendEdoc` goes into the engine's IngestPort (the same ingest as AMQP);
// the receiving operations (getReceivedEdocList, countReceive*, getEdoc, downloadEdoc,
// updateStatus, getSentEdocList) go to delivery's PolledInboxes (inbox_ops.cpp), the
// directory operations to Directory. An operation whose port is not given is answered FAIL
// `not-served`.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "delivery/polling_port.hpp"
#include "engine/ports.hpp"
#include "http/server.hpp"
#include "vxp/auth.hpp"
#include "vxp/directory.hpp"

namespace docaxis::vxp {

// A system of the API as configured: its id, its shared secret (the bytes of its secret file),
// the organs it acts for.
struct System {
  std::string id;
  std::string secret;
  std::vector<std::string> organs;
};

struct ApiOptions {
  std::string path_prefix;  // e.g. "/XrdAdapter/adapter"; "" = operations at the root
  // After a change of the directory (registerAgency, deleteAgency) was made durable: who made
  // it, "register-agency" | "delete-agency", the organ. The server records it in the audit
  // log; the answer waits for it.
  std::function<void(const std::string& system, const std::string& action,
                     const std::string& organ)>
      on_directory_change;
};

class Api {
 public:
  // `ingest` and `inboxes` must outlive the Api; without `inboxes` the receiving operations
  // are answered not-served.
  Api(ApiOptions options, std::vector<System> systems, engine::IngestPort& ingest,
      delivery::PolledInboxes* inboxes = nullptr, Directory* directory = nullptr);

  // The http::Handler: answers every request, on any path, with JSON (never an HTML page;
  // downloadEdoc's failures with an empty body, which the SDK saves as the file).
  void handle(http::Request request, http::Reply reply);

  // The http::HeaderCheck: everything that needs no body (the operation, its method, the
  // authentication, sendEdoc's signed parameters) is refused before the body is read, so a
  // client without the secret cannot make the hub hold a body.
  std::optional<http::Response> check_header(const http::Request& head) const;

  // The answer to a refusal of the HTTP layer (http::ErrorResponder).
  static http::Response refusal(std::string_view code, std::string_view detail);

  // The DocId of a package: the first 24 hex digits of the SHA-256 of its exact bytes, so an
  // identical re-send has the same id, and so has the package at every hub it crosses.
  static std::string doc_id(std::string_view package);

  // When `system` last made an authenticated request (unix ms), if it has since the Api was
  // made (`docaxis endpoint list`). Any thread.
  std::optional<int64_t> last_request_ms(std::string_view system) const;

 private:
  const System* find_system(std::string_view id) const;
  // The operation, its signed parameters and its system, or the answer refusing the request.
  struct Prepared {
    std::string_view op;
    SignedParams params;
    const System* system = nullptr;
  };
  std::variant<Prepared, http::Response> prepare(const http::Request& request) const;
  void send_edoc(const http::Request& request, const SignedParams& params,
                 const System& system, http::Reply reply);
  // inbox_ops.cpp
  // The signed parameters an inbox operation needs (messagetype, docId, status), checked
  // with the header.
  static Status check_inbox_params(std::string_view op, const SignedParams& params);
  void received_list(const SignedParams& params, const System& system, http::Reply reply);
  void count_received(std::string_view op, const System& system, http::Reply reply);
  void get_edoc(bool raw, const SignedParams& params, const System& system, http::Reply reply);
  void update_status(const SignedParams& params, const System& system, http::Reply reply);
  void sent_list(const SignedParams& params, const System& system, http::Reply reply);
  void directory_op(std::string_view op, const http::Request& request, const SignedParams& params,
                    const System& system, http::Reply reply);

  ApiOptions options_;
  std::vector<System> systems_;
  engine::IngestPort& ingest_;
  delivery::PolledInboxes* inboxes_;
  Directory* directory_;
  // Per system (same index as systems_): last authenticated request, unix ms; 0 = none.
  mutable std::vector<std::atomic<int64_t>> last_request_;
  std::unordered_map<std::string, std::size_t> by_id_;  // system id -> index in systems_
};

}  // namespace docaxis::vxp
