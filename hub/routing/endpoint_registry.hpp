// The endpoint registry: which organs are served by this hub, which certificate speaks for
// each, and which peer hubs may relay for which organs. Pure and immutable after build();
// safe to share between threads (replace the whole object to reconfigure).
//
// Certificate binding of an endpoint (config::EndpointConfig):
//   uid      (default)  the certificate's subject UID equals the organ id
//   sha256              the certificate's SHA-256 fingerprint equals the configured one
//   subject             the certificate's RFC 2253 subject equals the configured one, exactly
// A peer is recognised by its configured fingerprint or subject (hub certificates carry no UID).
// An axis HTTP API request (hub/vxp) is identified by its authenticated system id instead: it
// matches the endpoints whose vxp_system names that system, and nothing else.
//
// Error codes (stable, part of the hub's rejection contract as `docaxis:<code>`):
//   unauthorized      the connection may not act for that organ: it is not the organ's
//                     endpoint, or it is a peer that may not relay for the organ (or the organ
//                     is served here, so no peer may speak for it), or a peer asks for an inbox
//   unknown-endpoint  the organ is not served by this hub and the connection is no peer
//   invalid-argument  build(): the configuration was not validated (bad organ id, fingerprint)
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "config/hub_config.hpp"
#include "edxml/organ_id.hpp"
#include "model/identity.hpp"

namespace docaxis::routing {

enum class Binding { uid, sha256, subject };

// What the operator relaxed for one endpoint; recorded with every package it sends.
struct Relaxations {
  bool allow_sha1 = false;
  bool allow_unsigned = false;
  std::string reason;
  bool any() const { return allow_sha1 || allow_unsigned; }
};

struct Endpoint {
  edxml::OrganId organ;
  std::string name;
  Binding binding = Binding::uid;
  std::string expected;  // fingerprint or subject for the explicit bindings, else the organ id
  Relaxations relaxations;
  // The axis HTTP API system that may also act for the organ (config vxp_system); "" = none.
  // An HTTP API identity (ConnectionIdentity::system) matches only this, never a certificate
  // binding; a certificate identity never matches this.
  std::string system = {};
};

struct Peer {
  std::string name;
  std::string sha256;   // normalized; "" when identified by subject
  std::string subject;  // "" when identified by fingerprint
  std::vector<std::string> relay_for;  // normalized suffixes, or "*"
  // Normalized suffixes whose unsigned packages it may relay to us, and why (config).
  std::vector<std::string> allow_unsigned_from = {};
  std::string relaxation_reason = {};
};

// The outcome of a successful authorize_sender().
struct SenderAuthorization {
  bool via_peer = false;
  std::string peer;          // set when via_peer
  Relaxations relaxations;   // the endpoint's; none for relayed packages (each hop re-verifies)
};

class EndpointRegistry {
 public:
  // From a configuration that validate() accepted.
  static Result<EndpointRegistry> build(const config::HubConfig& config);

  // Sets `peer` on a certificate identity when it is a configured peer's (else clears it).
  // An identity that is not authenticated (plaintext listener) becomes nobody: its subject,
  // UID and fingerprint are cleared, so it matches no endpoint and no peer.
  model::ConnectionIdentity identify(model::ConnectionIdentity identity) const;

  // May this connection submit a package whose From/OrganId is `from`? Rules, in order:
  //   1. `from` is served here: only its own endpoint certificate may (never a peer: a package
  //      of a local organ cannot arrive from elsewhere).
  //   2. the connection is a peer: allowed when one of its relay_for entries is "*" or a
  //      suffix `from` matches (OrganId::matches_suffix).
  //   3. otherwise unknown-endpoint.
  Result<SenderAuthorization> authorize_sender(const model::ConnectionIdentity& identity,
                                               const edxml::OrganId& from) const;

  // May this connection attach a receiver link to `inbox/<organ>`? Only the organ's own
  // endpoint certificate; peers never read inboxes (deliveries to them go over the links this
  // hub opens). Codes: unknown-endpoint (organ not served here), unauthorized.
  Status may_attach_inbox(const model::ConnectionIdentity& identity,
                          const edxml::OrganId& organ) const;

  bool serves(const edxml::OrganId& organ) const { return endpoints_.count(organ) != 0; }
  const Endpoint* find(const edxml::OrganId& organ) const;
  const Peer* find_peer(const std::string& name) const;
  // The peer an identified connection is (identify() set `peer`), checked against its
  // configured certificate; null for anyone else.
  const Peer* verified_peer(const model::ConnectionIdentity& id) const;
  const std::map<edxml::OrganId, Endpoint>& endpoints() const { return endpoints_; }

 private:
  bool matches(const Endpoint& e, const model::ConnectionIdentity& id) const;
  static bool matches(const Peer& p, const model::ConnectionIdentity& id);

  std::map<edxml::OrganId, Endpoint> endpoints_;
  std::vector<Peer> peers_;
};

}  // namespace docaxis::routing
