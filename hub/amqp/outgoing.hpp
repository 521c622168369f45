// The one AMQP form of an delivery::OutgoingMessage, used for inbox links and peer links alike: the
// exact bytes as one data section, content-type application/xml, durable, and the application
// properties messagetype, document-id, from and hops ("hub@ms;hub@ms", the wire contract).
#pragma once

#include <proton/message.hpp>

#include "delivery/ports.hpp"

namespace docaxis::amqp {

proton::message to_proton(const delivery::OutgoingMessage& m);

}  // namespace docaxis::amqp
