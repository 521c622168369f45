#include "amqp/outgoing.hpp"

#include <proton/binary.hpp>

#include "amqp/message_codec.hpp"

namespace docaxis::amqp {

proton::message to_proton(const delivery::OutgoingMessage& m) {
  proton::message msg;
  msg.body(proton::binary(m.bytes));
  msg.inferred(true);  // a binary body as one data section
  msg.content_type("application/xml");
  msg.durable(true);
  for (const auto& [key, value] : outgoing_properties(m)) msg.properties().put(key, value);
  return msg;
}

}  // namespace docaxis::amqp
