#include "amqp/outcome.hpp"

#include <array>
#include <string_view>

namespace docaxis::amqp {

bool is_transient(const std::string& code) {
  static constexpr std::array<std::string_view, 5> kTransient = {
      "store-busy", "unavailable", "resource-exhausted", "overloaded", "internal"};
  for (auto t : kTransient) {
    if (code == t) return true;
  }
  return false;
}

Outcome outcome_for(const Status& status) {
  if (status.ok()) return {OutcomeKind::kAccepted, {}, {}};
  if (is_transient(status.code())) {
    return {OutcomeKind::kReleased, {}, status.code() + ": " + status.message()};
  }
  return {OutcomeKind::kRejected, "docaxis:" + status.code(), status.message()};
}

}  // namespace docaxis::amqp
