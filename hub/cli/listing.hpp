// Human forms shared by `doc` and `dlq`: the one-line-per-delivery table and the result of a
// retry. Input is the admin protocol's JSON (hub/admin/README.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace docaxis::cli {

// "retrying" for a waiting delivery that was attempted before, else the stored state.
std::string display_state(const nlohmann::json& delivery);
// SEQ, ID, DOCUMENT, FROM, TO, STATE, ATTEMPTS, RECEIVED (or DIED: the last state change, for
// dead letters), SIZE, LAST ERROR (shortened to 60 characters unless `wide`).
std::string deliveries_table(const nlohmann::json& deliveries, int64_t now_ms, bool wide,
                             bool died = false);
// "retried delivery 17 (dead) as 18, due now" per line, then the skipped ones.
void print_retry_result(const nlohmann::json& result);

}  // namespace docaxis::cli
