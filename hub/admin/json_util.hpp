// Internal to admin/: reading request arguments with type checks, and the JSON forms of the
// store's records (README.md documents these shapes).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "store/admin_store.hpp"
#include "store/records.hpp"

namespace docaxis::admin::detail {

using nlohmann::json;

// Each returns invalid-argument naming the argument when it has the wrong type.
Result<std::optional<std::string>> opt_string(const json& args, const char* name);
Result<std::optional<int64_t>> opt_int(const json& args, const char* name);
Result<bool> opt_bool(const json& args, const char* name);
Result<std::vector<uint64_t>> opt_ids(const json& args, const char* name);

// `state` argument: a store state name, or "retrying" (waiting after an attempt), "pending"
// (waiting or in flight), "failed" (refused or dead), "all".
Status apply_state(const std::string& state, store::DeliveryFilter& filter);

json delivery_json(const store::Delivery& d);
json listing_json(const store::DeliveryListing& l);
json optional_ms(const std::optional<int64_t>& ms);

}  // namespace docaxis::admin::detail
