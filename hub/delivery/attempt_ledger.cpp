#include "delivery/attempt_ledger.hpp"

#include <charconv>

namespace docaxis::delivery {
namespace {

bool read_field(std::string_view tag, std::string_view key, uint32_t& out) {
  const auto pos = tag.find(key);
  if (pos == std::string_view::npos) return false;
  const char* first = tag.data() + pos + key.size();
  const char* last = tag.data() + tag.size();
  return std::from_chars(first, last, out).ec == std::errc{};
}

}  // namespace

AttemptLedger AttemptLedger::parse(std::string_view last_error) {
  AttemptLedger l;
  if (last_error.starts_with("recovered:")) {
    l.unanswered = 1;
    return l;
  }
  const auto open = last_error.rfind(" [parked=");
  if (open == std::string_view::npos || !last_error.ends_with("]")) return l;
  const std::string_view tag = last_error.substr(open);
  AttemptLedger parsed;
  if (read_field(tag, "parked=", parsed.parked) && read_field(tag, "unanswered=", parsed.unanswered)) {
    l = parsed;
  }
  return l;
}

std::string AttemptLedger::format(std::string_view text) const {
  std::string out(text);
  out += " [parked=" + std::to_string(parked) + " unanswered=" + std::to_string(unanswered) + "]";
  return out;
}

uint32_t AttemptLedger::real_attempts(uint32_t store_attempts) const {
  return store_attempts > parked ? store_attempts - parked : 1;
}

}  // namespace docaxis::delivery
