// The status page's JSON (README.md, "/status/api"): what each path answers, built from the
// admin service's read-only commands and stripped to what the page may show (ids, organs,
// states, timestamps, sizes; never a document's content). Runs on the worker thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "ops/ops_server.hpp"
#include "ops/recent.hpp"

namespace docaxis::ops {

struct ApiContext {
  const OpsOptions& options;
  const History& history;
  std::int64_t now_ms;
};

// `name` is the path after /status/api/, `query` the raw query string. Errors: not-found (no
// such API path or document), invalid-argument, unavailable (no query port), and what the
// admin command answered.
Result<nlohmann::json> api_answer(std::string_view name, std::string_view query, const ApiContext& ctx);

// Keeps only what the page may show of a doc.show package (README.md); drops `content`.
nlohmann::json strip_package(const nlohmann::json& package);

// The counters the throughput chart follows, from an admin `stats` result.
Totals totals_of(const nlohmann::json& stats);
// The oldest waiting delivery's age over every queue of a `queue.list` result (0: none).
std::int64_t oldest_age_of(const nlohmann::json& queues);

// One query parameter, percent-decoded ('+' is a space); nullopt when absent or malformed.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

}  // namespace docaxis::ops
