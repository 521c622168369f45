// Outbound: how the dispatcher hands a message to a recipient's inbox link. The AMQP server
// (amqp/server.hpp, AmqpServer::deliver) will be adapted to it by the server wiring; this
// module depends only on the header-only amqp/ports.hpp types, never on Proton.
#pragma once

#include <string>

#include "amqp/ports.hpp"

namespace docaxis::delivery {

class Outbound {
 public:
  virtual ~Outbound() = default;
  // Sends `message` unsettled on a receiver link of inbox/<organ>. `done` runs at most once,
  // from any thread, with the recipient's outcome (kNoLink at once when no link has credit).
  // It may never run (peer vanished without a detach): the dispatcher times the attempt out.
  // Must not block; may call `done` before returning.
  virtual void deliver(const std::string& organ, amqp::OutgoingMessage message,
                       amqp::DeliveryDone done) = 0;
};

}  // namespace docaxis::delivery
