// The names every front door, adapter and tool agrees on (public contracts: README.md):
// the AMQP addresses, the application property keys of a package message, the message types
// and the `docaxis:` prefix of refusal conditions. Header-only constants.
#pragma once

#include <string>
#include <string_view>

namespace docaxis::model::wire {

// Addresses. Senders attach to "edoc" (documents) or "status" (status packages); an organ's
// system receives from "inbox/<OrganId>".
inline constexpr std::string_view kEdocAddress = "edoc";
inline constexpr std::string_view kStatusAddress = "status";
inline constexpr std::string_view kInboxPrefix = "inbox/";
inline std::string inbox_address(std::string_view organ) {
  return std::string(kInboxPrefix) + std::string(organ);
}

// Message types (the `messagetype` property, and store::StoredPackage::message_type).
inline constexpr std::string_view kTypeEdoc = "edoc";
inline constexpr std::string_view kTypeStatus = "status";
inline constexpr std::string_view kTypeReceipt = "receipt";

// Application property keys of an outgoing package message (and `hops` on an incoming one).
inline constexpr const char* kPropMessageType = "messagetype";
inline constexpr const char* kPropDocumentId = "document-id";
inline constexpr const char* kPropFrom = "from";
inline constexpr const char* kPropHops = "hops";  // model/trail.hpp: encode_trail

// Refusal conditions on the wire: "docaxis:<code>" (model/codes.hpp lists every code).
inline constexpr std::string_view kConditionPrefix = "docaxis:";
inline std::string condition(std::string_view code) {
  return std::string(kConditionPrefix) + std::string(code);
}

}  // namespace docaxis::model::wire
