#include "amqp/raw.hpp"

#include <cctype>

#include <proton/condition.h>
#include <proton/delivery.h>
#include <proton/disposition.h>
#include <proton/ssl.h>
#include <proton/transport.h>

namespace docaxis::amqp {
namespace {

// proton::internal::object<T>::pn_object() is protected; a derived type may name it, and the
// member pointer then applies to any transfer (delivery or tracker).
struct RawTransfer : proton::transfer {
  static pn_delivery_t* of(const proton::transfer& t) {
    pn_delivery_t* (proton::transfer::*get)() const = &RawTransfer::pn_object;
    return (t.*get)();
  }
};

struct RawTransport : proton::transport {
  static pn_transport_t* of(const proton::transport& t) {
    pn_transport_t* (proton::transport::*get)() const = &RawTransport::pn_object;
    return (t.*get)();
  }
};

}  // namespace

std::string remote_certificate_sha256(const proton::transport& t) {
  pn_transport_t* raw = RawTransport::of(t);
  if (raw == nullptr) return {};
  return remote_certificate_sha256(pn_ssl(raw));
}

std::string remote_certificate_sha256(pn_ssl_t* ssl) {
  if (ssl == nullptr) return {};
  char hex[2 * 32 + 1] = {};
  if (pn_ssl_get_cert_fingerprint(ssl, hex, sizeof hex, PN_SSL_SHA256) != 0) return {};
  std::string out(hex);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void set_local_condition(proton::delivery& d, const std::string& name,
                         const std::string& description) {
  pn_delivery_t* raw = RawTransfer::of(d);
  if (raw == nullptr) return;
  pn_condition_t* c = pn_disposition_condition(pn_delivery_local(raw));
  pn_condition_set_name(c, name.c_str());
  pn_condition_set_description(c, description.c_str());
}

void remote_condition(const proton::tracker& t, std::string* name, std::string* description) {
  pn_delivery_t* raw = RawTransfer::of(t);
  if (raw == nullptr) return;
  pn_condition_t* c = pn_disposition_condition(pn_delivery_remote(raw));
  if (c == nullptr || !pn_condition_is_set(c)) return;
  if (const char* n = pn_condition_get_name(c)) *name = n;
  if (const char* d = pn_condition_get_description(c)) *description = d;
}

Disposition remote_disposition(pn_delivery_t* d) {
  Disposition out;
  if (d == nullptr) return out;
  out.settled = pn_delivery_settled(d);
  switch (pn_delivery_remote_state(d)) {
    case PN_ACCEPTED:
      out.state = Disposition::State::kAccepted;
      break;
    case PN_REJECTED: {
      out.state = Disposition::State::kRejected;
      pn_condition_t* c = pn_disposition_condition(pn_delivery_remote(d));
      if (c != nullptr && pn_condition_is_set(c)) {
        if (const char* n = pn_condition_get_name(c)) out.condition = n;
        if (const char* s = pn_condition_get_description(c)) out.description = s;
      }
      break;
    }
    case PN_RELEASED:
      out.state = Disposition::State::kReleased;
      break;
    case PN_MODIFIED:
      out.state = Disposition::State::kModified;
      break;
    default:
      out.state = Disposition::State::kNone;
      break;
  }
  return out;
}

Disposition remote_disposition(const proton::tracker& t) {
  return remote_disposition(RawTransfer::of(t));
}

std::optional<OutboundLink::Tag> delivery_tag(pn_delivery_t* d) {
  if (d == nullptr) return std::nullopt;
  const pn_delivery_tag_t tag = pn_delivery_tag(d);
  return tag_from(tag.start, tag.size);
}

std::optional<OutboundLink::Tag> delivery_tag(const proton::tracker& t) {
  return delivery_tag(RawTransfer::of(t));
}

}  // namespace docaxis::amqp
