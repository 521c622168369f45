#include "routing/endpoint_registry.hpp"

#include "common/strings.hpp"

#include "config/rules.hpp"

namespace docaxis::routing {
namespace {

Status unauthorized(std::string message) { return {"unauthorized", std::move(message)}; }

std::string binding_text(const Endpoint& e) {
  if (!e.system.empty()) {
    std::string cert;
    switch (e.binding) {
      case Binding::uid: cert = "certificate UID " + e.organ.str(); break;
      case Binding::sha256: cert = "certificate SHA-256 " + e.expected.substr(0, 16) + "..."; break;
      case Binding::subject: cert = "certificate subject \"" + e.expected + "\""; break;
    }
    return cert + " or HTTP API system \"" + e.system + "\"";
  }
  switch (e.binding) {
    case Binding::uid: return "certificate UID " + e.organ.str();
    case Binding::sha256: return "certificate SHA-256 " + e.expected.substr(0, 16) + "...";
    case Binding::subject: return "certificate subject \"" + e.expected + "\"";
  }
  return "";
}

}  // namespace

Result<EndpointRegistry> EndpointRegistry::build(const config::HubConfig& config) {
  EndpointRegistry reg;
  for (const config::EndpointConfig& ec : config.endpoints) {
    Result<edxml::OrganId> organ = edxml::OrganId::parse(ec.organ);
    if (!organ.ok()) return Status("invalid-argument", "endpoint: " + organ.status().message());
    Endpoint e{organ.value(), ec.name, Binding::uid, ec.organ,
               Relaxations{ec.allow_sha1, ec.allow_unsigned, ec.relaxation_reason}, ec.vxp_system};
    if (!ec.cert_sha256.empty()) {
      Result<std::string> fp = config::normalize_sha256(ec.cert_sha256);
      if (!fp.ok()) return Status("invalid-argument", ec.organ + ": " + fp.status().message());
      e.binding = Binding::sha256;
      e.expected = fp.value();
    } else if (!ec.cert_subject.empty()) {
      e.binding = Binding::subject;
      e.expected = ec.cert_subject;
    }
    if (!reg.endpoints_.emplace(organ.value(), std::move(e)).second) {
      return Status("invalid-argument", "duplicate endpoint " + ec.organ);
    }
  }
  for (const config::PeerConfig& pc : config.peers) {
    Peer p{pc.name, "", pc.cert_subject, {}};
    if (!pc.cert_sha256.empty()) {
      Result<std::string> fp = config::normalize_sha256(pc.cert_sha256);
      if (!fp.ok()) return Status("invalid-argument", pc.name + ": " + fp.status().message());
      p.sha256 = fp.value();
      p.subject.clear();
    }
    if (p.sha256.empty() && p.subject.empty()) {
      return Status("invalid-argument", "peer " + pc.name + " has no certificate identity");
    }
    for (const std::string& s : pc.relay_for) {
      if (s == "*") {
        p.relay_for.push_back(s);
        continue;
      }
      Result<std::string> n = config::normalize_suffix(s);
      if (!n.ok()) return Status("invalid-argument", pc.name + ": " + n.status().message());
      p.relay_for.push_back(n.value());
    }
    for (const std::string& s : pc.allow_unsigned_from) {
      Result<std::string> n = config::normalize_suffix(s);
      if (!n.ok() || s == "*") {
        return Status("invalid-argument", pc.name + ": allow_unsigned_from " + s + " is not a suffix");
      }
      p.allow_unsigned_from.push_back(n.value());
    }
    p.relaxation_reason = pc.relaxation_reason;
    reg.peers_.push_back(std::move(p));
  }
  return reg;
}

bool EndpointRegistry::matches(const Endpoint& e, const model::ConnectionIdentity& id) const {
  if (!id.system.empty()) return !e.system.empty() && id.system == e.system;
  switch (e.binding) {
    case Binding::uid: return !id.uid.empty() && id.uid == e.organ.str();
    case Binding::sha256: return !id.sha256.empty() && id.sha256 == e.expected;
    case Binding::subject: return !id.subject.empty() && id.subject == e.expected;
  }
  return false;
}

bool EndpointRegistry::matches(const Peer& p, const model::ConnectionIdentity& id) {
  if (!p.sha256.empty()) return !id.sha256.empty() && id.sha256 == p.sha256;
  return !p.subject.empty() && id.subject == p.subject;
}

model::ConnectionIdentity EndpointRegistry::identify(model::ConnectionIdentity identity) const {
  identity.peer.clear();
  if (!identity.authenticated) {  // a plaintext listener: no certificate, nobody
    identity.subject.clear();
    identity.uid.clear();
    identity.sha256.clear();
    identity.system.clear();
    return identity;
  }
  for (const Peer& p : peers_) {
    if (matches(p, identity)) {
      identity.peer = p.name;
      break;
    }
  }
  return identity;
}

const Peer* EndpointRegistry::verified_peer(const model::ConnectionIdentity& id) const {
  if (id.peer.empty()) return nullptr;
  const Peer* p = find_peer(id.peer);
  return p != nullptr && matches(*p, id) ? p : nullptr;
}

Result<SenderAuthorization> EndpointRegistry::authorize_sender(
    const model::ConnectionIdentity& identity, const edxml::OrganId& from) const {
  if (const Endpoint* e = find(from)) {
    if (identity.is_peer()) {
      return unauthorized("peer " + identity.peer + " may not send for " + from.str() +
                          ": that organ is served by this hub");
    }
    if (!matches(*e, identity)) {
      return unauthorized("connection " + identity.describe() + " is not the endpoint of " +
                          from.str() + " (bound by " + binding_text(*e) + ")");
    }
    return SenderAuthorization{false, "", e->relaxations};
  }
  if (identity.is_peer()) {
    const Peer* p = verified_peer(identity);
    if (p == nullptr) {
      return unauthorized("connection " + identity.describe() + " claims to be peer " +
                          identity.peer + " but does not present its certificate");
    }
    for (const std::string& s : p->relay_for) {
      if (s != "*" && !from.matches_suffix(s)) continue;
      // Relayed packages are verified strictly, except the unsigned ones of the organs this
      // peer is trusted to have accepted unsigned under its own endpoint's relaxation.
      Relaxations relaxed;
      for (const std::string& u : p->allow_unsigned_from) {
        if (from.matches_suffix(u)) {
          relaxed.allow_unsigned = true;
          relaxed.reason = "relayed by peer " + p->name + ": " + p->relaxation_reason;
        }
      }
      return SenderAuthorization{true, p->name, relaxed};
    }
    return unauthorized("peer " + p->name + " may not relay for " + from.str() +
                        " (relay_for: " + (p->relay_for.empty() ? std::string("nothing") : join(p->relay_for, ", ")) + ")");
  }
  return Status("unknown-endpoint", "organ " + from.str() +
                                        " is not served by this hub and connection " +
                                        identity.describe() + " is not a peer hub");
}

Status EndpointRegistry::may_attach_inbox(const model::ConnectionIdentity& identity,
                                          const edxml::OrganId& organ) const {
  const Endpoint* e = find(organ);
  if (e == nullptr) {
    return {"unknown-endpoint", "no inbox for " + organ.str() + ": it is not served by this hub"};
  }
  if (identity.is_peer()) {
    return unauthorized("peer " + identity.peer + " may not read inbox/" + organ.str());
  }
  if (!matches(*e, identity)) {
    return unauthorized("connection " + identity.describe() + " may not read inbox/" +
                        organ.str() + " (bound by " + binding_text(*e) + ")");
  }
  return Status::ok_status();
}

const Endpoint* EndpointRegistry::find(const edxml::OrganId& organ) const {
  auto it = endpoints_.find(organ);
  return it == endpoints_.end() ? nullptr : &it->second;
}

const Peer* EndpointRegistry::find_peer(const std::string& name) const {
  for (const Peer& p : peers_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace docaxis::routing
