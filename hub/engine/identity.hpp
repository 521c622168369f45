// Who a connection is, as the registry sees it: the AMQP layer's verified certificate
// (subject, UID, SHA-256; nothing when not authenticated) identified by the EndpointRegistry
// as an endpoint, a peer hub, or nobody. One conversion for ingest, inbox attach and peer links.
#pragma once

#include "amqp/identity.hpp"
#include "routing/endpoint_registry.hpp"

namespace docaxis::engine {

inline routing::ConnectionIdentity identify(const routing::EndpointRegistry& registry,
                                            const amqp::PeerIdentity& who) {
  routing::ConnectionIdentity id;
  if (who.authenticated) {
    id.subject = who.subject;
    id.uid = who.uid;
    id.sha256 = who.sha256;
  }
  return registry.identify(std::move(id));
}

}  // namespace docaxis::engine
