// Internal to store/: checking a package before it is queued for the writer, and the JSON
// text of its list columns (relaxations, hops, left_to_earlier_hubs). Decoding failures are data-loss: the store
// wrote these columns itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "store/records.hpp"

namespace docaxis::store {

// invalid-argument for a message type other than edoc/status/receipt, an empty sender or
// document id, a legacy verdict form, a sha256_hex that is not 64 lowercase hex digits, no recipient, an empty
// recipient or next hop, or a recipient listed twice.
Status validate(const StoredPackage& pkg, const std::vector<DeliverySpec>& recipients);

std::string encode_strings(const std::vector<std::string>& strings);
Result<std::vector<std::string>> decode_strings(const std::string& text, uint64_t seq);
std::string encode_hops(const model::Trail& hops);
Result<model::Trail> decode_hops(const std::string& text, uint64_t seq);
// packages.left_to_earlier_hubs: [{"recipient": ..., "via": ...}]
std::string encode_left(const std::vector<LeftRecipient>& left);
Result<std::vector<LeftRecipient>> decode_left(const std::string& text, uint64_t seq);

}  // namespace docaxis::store
