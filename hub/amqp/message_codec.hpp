// The AMQP message formats of the wire contract, without Proton's C++ binding: decoding what a
// client sent (every byte hostile) and encoding what the hub sends to inboxes.
//
// decode_incoming() walks the message's sections itself and refuses, as a Status (never an
// exception):
//   bad-message  bytes that are not an AMQP message; a body that is not exactly one data
//                section (amqp-value, amqp-sequence, several data sections, none); an unknown
//                section; a content-type other than application/xml or text/xml;
//                application-properties that are not a map of string keys to simple values
//   bad-hops     a `hops` property that is not a string, is given twice, is not UTF-8 or is
//                longer than kMaxHopsBytes
// Pure and thread-safe; fuzzed by tests/fuzz/fuzz_amqp_message.cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "delivery/ports.hpp"

namespace docaxis::amqp {

inline constexpr std::size_t kMaxHopsBytes = 4096;

struct DecodedMessage {
  std::string body;                 // the one data section
  std::string content_type;         // "" when absent
  std::optional<std::string> hops;  // the application property, when present
};

Result<DecodedMessage> decode_incoming(const char* bytes, std::size_t size);

// The application properties of every message the hub sends (inbox and peer links alike):
// messagetype, document-id, from, hops ("hub@ms;hub@ms").
std::vector<std::pair<const char*, std::string>> outgoing_properties(
    const delivery::OutgoingMessage& m);

// The encoded form of an inbox delivery: one data section with the bytes, content-type
// application/xml, durable, and outgoing_properties().
std::string encode_outgoing(const delivery::OutgoingMessage& m);

bool is_utf8(const std::string& s);

}  // namespace docaxis::amqp
