// Access to the Proton C objects behind C++ handles, for what the C++ binding does not expose:
// the error condition of a rejected delivery, sent and received, and the peer's certificate
// fingerprint; and the one reading of a sent delivery's disposition and tag (outbound_link.hpp),
// for the listener's C deliveries and the peer links' trackers alike.
// Container-thread only, like every Proton call.
#pragma once

#include <proton/delivery.h>
#include <proton/ssl.h>
#include <proton/transport.hpp>

#include <proton/delivery.hpp>
#include <proton/tracker.hpp>
#include <optional>
#include <string>

#include "amqp/outbound_link.hpp"

namespace docaxis::amqp {

// Sets the condition a following delivery.reject() sends.
void set_local_condition(proton::delivery& d, const std::string& name,
                         const std::string& description);
// Reads the condition the peer sent with its rejection.
void remote_condition(const proton::tracker& t, std::string* name, std::string* description);
// SHA-256 of the peer's verified certificate (DER), 64 lowercase hex digits; "" without TLS.
std::string remote_certificate_sha256(const proton::transport& t);
// The same from the C layer (the listener).
std::string remote_certificate_sha256(pn_ssl_t* ssl);

// What the recipient answered for a delivery this hub sent: its remote state, whether it
// settled it, and a rejection's condition.
Disposition remote_disposition(pn_delivery_t* d);
Disposition remote_disposition(const proton::tracker& t);
// The OutboundLink tag a sent delivery carries (nothing when it is not one of ours).
std::optional<OutboundLink::Tag> delivery_tag(pn_delivery_t* d);
std::optional<OutboundLink::Tag> delivery_tag(const proton::tracker& t);

}  // namespace docaxis::amqp
