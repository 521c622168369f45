#include "amqp/outbound_link.hpp"

#include <cstring>
#include <utility>
#include <vector>

namespace docaxis::amqp {

using delivery::DeliveryOutcome;
using delivery::DeliveryResult;

void OutboundLink::enqueue(delivery::OutgoingMessage m, delivery::DeliveryDone done) {
  queue_.push_back(Queued{std::move(m), std::move(done)});
}

std::size_t OutboundLink::drain(const std::function<bool()>& may_send, const Send& send) {
  std::size_t sent = 0;
  while (!queue_.empty() && may_send()) {
    const Tag tag = next_tag_++;
    // Taken off the queue only once send() returned: if it throws, the message is still
    // queued and lose() reports it when the connection goes.
    const bool ok = send(tag, queue_.front().message);
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    if (!ok) {
      q.done({DeliveryResult::kReleased, {}, "the message could not be encoded"});
      continue;
    }
    unsettled_.emplace(tag, std::move(q.done));
    ++sent;
  }
  return sent;
}

std::optional<DeliveryOutcome> OutboundLink::outcome_of(const Disposition& d) {
  switch (d.state) {
    case Disposition::State::kAccepted:
      return DeliveryOutcome{DeliveryResult::kAccepted, {}, {}};
    case Disposition::State::kRejected:
      return DeliveryOutcome{DeliveryResult::kRejected, d.condition, d.description};
    case Disposition::State::kReleased:
      return DeliveryOutcome{DeliveryResult::kReleased, {}, {}};
    case Disposition::State::kModified:
      return DeliveryOutcome{DeliveryResult::kModified, {}, {}};
    case Disposition::State::kNone:
      break;
  }
  // Not final (e.g. received): wait, unless the recipient settled it without an outcome, which
  // leaves it to be sent again.
  if (!d.settled) return std::nullopt;
  return DeliveryOutcome{DeliveryResult::kReleased, {}, {}};
}

bool OutboundLink::disposition(Tag tag, const Disposition& d) {
  auto it = unsettled_.find(tag);
  if (it == unsettled_.end()) return false;
  const auto outcome = outcome_of(d);
  if (!outcome) return false;
  delivery::DeliveryDone done = std::move(it->second);
  unsettled_.erase(it);
  done(*outcome);
  return true;
}

void OutboundLink::lose(const std::string& why) {
  // Taken out first: a done() may enqueue again (on a link that no longer sends).
  std::deque<Queued> queued;
  queued.swap(queue_);
  std::map<Tag, delivery::DeliveryDone> unsettled;
  unsettled.swap(unsettled_);
  for (auto& q : queued) q.done({DeliveryResult::kDisconnected, {}, why + " before sending"});
  for (auto& [tag, done] : unsettled) {
    done({DeliveryResult::kDisconnected, {}, why + " before an outcome"});
  }
}

std::string tag_bytes(OutboundLink::Tag tag) {
  std::string out(sizeof tag, '\0');
  std::memcpy(out.data(), &tag, sizeof tag);
  return out;
}

std::optional<OutboundLink::Tag> tag_from(const char* bytes, std::size_t size) {
  OutboundLink::Tag tag = 0;
  if (bytes == nullptr || size != sizeof tag) return std::nullopt;
  std::memcpy(&tag, bytes, sizeof tag);
  return tag;
}

}  // namespace docaxis::amqp
