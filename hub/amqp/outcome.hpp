// The one mapping from an internal Status to an AMQP delivery outcome (a public contract:
// README.md lists it). Pure; no Proton types, so it is tested on its own.
//
//   ok                                   -> accepted   (only ever after the durable commit)
//   transient (model::is_transient:      -> released   (the sender retries; nothing was kept)
//   store-busy, unavailable, resource-
//   exhausted, overloaded, internal)
//   anything else (a refusal)            -> rejected with condition "docaxis:<code>" and the
//                                           Status message as the description
#pragma once

#include <string>

#include "common/status.hpp"

namespace docaxis::amqp {

enum class OutcomeKind { kAccepted, kRejected, kReleased };

struct Outcome {
  OutcomeKind kind = OutcomeKind::kAccepted;
  std::string condition;    // "docaxis:<code>" when rejected
  std::string description;  // precise reason when rejected or released
};

Outcome outcome_for(const Status& status);

}  // namespace docaxis::amqp
