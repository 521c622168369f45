#include "amqp/outgoing.hpp"

#include <proton/binary.hpp>

#include "common/strings.hpp"

namespace docaxis::amqp {

proton::message to_proton(const OutgoingMessage& m) {
  proton::message msg;
  msg.body(proton::binary(m.bytes));
  msg.inferred(true);  // a binary body as one data section
  msg.content_type("application/xml");
  msg.durable(true);
  msg.properties().put("messagetype", m.message_type);
  msg.properties().put("document-id", m.document_id);
  msg.properties().put("from", m.from);
  msg.properties().put("hops", join(m.hops, ";"));
  return msg;
}

}  // namespace docaxis::amqp
