// Delivery's ports towards a transport: the message it carries to a recipient's inbox link or a
// peer hub and the outcome it reports (delivery/outbound.hpp routes a stored delivery to one of
// them), and the link events it reports back (LinkEvents, which the Dispatcher implements).
// Header-only, no transport types, no store types.
#pragma once

#include <functional>
#include <string>

#include "common/status.hpp"
#include "model/identity.hpp"
#include "model/trail.hpp"

namespace docaxis::delivery {

// A message for a recipient's inbox or a peer hub (its properties: model/wire.hpp).
struct OutgoingMessage {
  std::string bytes;
  std::string message_type;  // "edoc" | "status" | "receipt"
  std::string document_id;
  std::string from;   // the sender organ
  model::Trail hops;  // the trail so far, this hub last (encoded by model::encode_trail)
};

enum class DeliveryResult { kAccepted, kRejected, kReleased, kModified, kDisconnected, kNoLink };
struct DeliveryOutcome {
  DeliveryResult result = DeliveryResult::kNoLink;
  std::string condition;    // rejected: the recipient's error condition
  std::string description;  // rejected: the recipient's reason
};
using DeliveryDone = std::function<void(const DeliveryOutcome&)>;

// What a transport reports about its links. Called on the transport's threads; must not block.
class LinkEvents {
 public:
  virtual ~LinkEvents() = default;
  // May this identity attach a receiver to inbox/<organ>? A non-ok Status refuses the link
  // (AMQP: amqp:unauthorized-access with the message as description).
  virtual Status may_attach(const model::ConnectionIdentity& who, const std::string& organ) = 0;
  // The inbox of `organ` gained link credit / lost its last link.
  virtual void ready(const std::string& organ) = 0;
  virtual void detached(const std::string& organ) = 0;
  // The outgoing link to peer hub `peer` is up (links open) / down.
  virtual void peer_up(const std::string& peer) { (void)peer; }
  virtual void peer_down(const std::string& peer) { (void)peer; }
};

}  // namespace docaxis::delivery
