// Outbound: how the dispatcher hands a message to a recipient's inbox link or to a peer hub.
// The server wiring adapts a transport to it (hub/server); delivery never links a transport.
#pragma once

#include "delivery/ports.hpp"
#include "store/records.hpp"

namespace docaxis::delivery {

class Outbound {
 public:
  virtual ~Outbound() = default;
  // Sends `message` unsettled to the delivery's destination: a receiver link of
  // inbox/<recipient> when next_hop is "local", else the link to peer hub `next_hop`. `done`
  // runs at most once, from any thread, with the outcome (kNoLink at once when there is no
  // link). It may never run (the other side vanished without a detach): the dispatcher times
  // the attempt out. Must not block; may call `done` before returning.
  virtual void deliver(const store::Delivery& delivery, OutgoingMessage message,
                       DeliveryDone done) = 0;
};

}  // namespace docaxis::delivery
