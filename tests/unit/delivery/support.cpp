#include "support.hpp"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace docaxis::delivery::testing {

void RecordingOutbound::set_mode(const std::string& organ, Mode mode, std::string condition,
                                 std::string description) {
  modes_[organ] = Behaviour{mode, std::move(condition), std::move(description)};
}

void RecordingOutbound::deliver(const store::Delivery& delivery, OutgoingMessage message,
                                DeliveryDone done) {
  // Keyed by recipient for an inbox, by peer name for a peer hop.
  const std::string organ =
      delivery.next_hop == store::kLocalHop ? delivery.recipient : delivery.next_hop;
  calls.push_back(Call{organ, std::move(message)});
  const Behaviour b = modes_.count(organ) ? modes_[organ] : Behaviour{};
  if (b.mode == Mode::kThrow) throw std::runtime_error("outbound blew up");
  DeliveryOutcome o;
  switch (b.mode) {
    case Mode::kAccept:
      o.result = DeliveryResult::kAccepted;
      break;
    case Mode::kReject:
      o.result = DeliveryResult::kRejected;
      o.condition = b.condition;
      o.description = b.description;
      break;
    case Mode::kRelease:
      o.result = DeliveryResult::kReleased;
      break;
    case Mode::kNoLink:
      o.result = DeliveryResult::kNoLink;
      break;
    case Mode::kDisconnect:
      o.result = DeliveryResult::kDisconnected;
      break;
    case Mode::kSilent: unanswered.push_back(std::move(done)); return;
    case Mode::kThrow: return;  // thrown above
  }
  done(o);
}

}  // namespace docaxis::delivery::testing
