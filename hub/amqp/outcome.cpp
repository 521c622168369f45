#include "amqp/outcome.hpp"

#include "model/codes.hpp"
#include "model/wire.hpp"

namespace docaxis::amqp {

Outcome outcome_for(const Status& status) {
  if (status.ok()) return {OutcomeKind::kAccepted, {}, {}};
  if (model::is_transient(status.code())) {
    return {OutcomeKind::kReleased, {}, status.code() + ": " + status.message()};
  }
  return {OutcomeKind::kRejected, model::wire::condition(status.code()), status.message()};
}

}  // namespace docaxis::amqp
