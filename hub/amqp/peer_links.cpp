#include "amqp/peer_links.hpp"

#include <proton/binary.hpp>
#include <proton/connection_options.hpp>
#include <proton/delivery.hpp>
#include <proton/duration.hpp>
#include <proton/error_condition.hpp>
#include <proton/message.hpp>
#include <proton/sender_options.hpp>
#include <proton/ssl.hpp>
#include <proton/target.hpp>
#include <proton/target_options.hpp>
#include <proton/transport.hpp>
#include <proton/work_queue.hpp>

#include <algorithm>
#include <ctime>

#include "amqp/outgoing.hpp"
#include "amqp/raw.hpp"
#include "log/log.hpp"
#include "tls/certificate.hpp"
#include "tls/proton_domain.hpp"

#include <openssl/x509v3.h>

namespace docaxis::amqp {
namespace {

const char* const kAddresses[] = {"edoc", "status", "receipt"};

log::Logger& L() {
  static log::Logger& l = log::get("peers");
  return l;
}

}  // namespace

PeerLinks::PeerLinks(std::vector<PeerSpec> peers, PeerReconnect policy, delivery::LinkEvents& port)
    : policy_(policy), port_(port) {
  for (auto& spec : peers) {
    Peer p;
    p.spec = std::move(spec);
    p.reconnects = BackoffCounter(policy_.backoff);
    p.enabled = p.spec.start_enabled;
    const std::string name = p.spec.name;
    peers_.emplace(name, std::move(p));
  }
}

namespace {

std::string url_host(const std::string& url) {
  std::string rest = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
  if (!rest.empty() && rest.front() == '[') return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.find(':'));
}

}  // namespace

// One TLS client domain per peer, hardened: exactly the configured anchors and CRLs, TLS policy,
// and OpenSSL's own name check against the peer's name (DNS or IP subjectAltName).
void PeerLinks::build_tls(Peer& p) {
  p.tls.emplace(proton::ssl_certificate(p.spec.certificate_chain, p.spec.private_key),
                p.spec.trust_anchors, proton::ssl::VERIFY_PEER);
  SSL_CTX* ctx = tls::ssl_ctx_of(*p.tls);
  // The verified chain is kept (container thread: the handshake runs there) for the inventory.
  Peer* peer = &p;  // peers_ never moves its elements
  auto context = tls::ContextTrust::install(
      ctx, p.spec.trust,
      [peer](const std::string&, tls::Chain chain, std::uint64_t) { peer->verified = std::move(chain); });
  if (!context) {
    p.tls.reset();
    p.tls_error = context.status().to_string();
    return;
  }
  p.context = std::move(*context);
  if (p.spec.identity) {
    if (Status s = p.spec.identity->install(ctx); !s.ok()) {
      p.tls.reset();
      p.tls_error = s.to_string();
      return;
    }
  }
  const std::string name = p.spec.server_name.empty() ? url_host(p.spec.url) : p.spec.server_name;
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1 &&
      X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size()) != 1) {
    p.tls.reset();
    p.tls_error = "invalid peer name \"" + name + "\"";
  }
}

void PeerLinks::start(proton::container& c) {
  container_ = &c;
  for (auto& [name, p] : peers_) {
    try {
      build_tls(p);
    } catch (const std::exception& e) {
      p.tls.reset();
      p.tls_error = e.what();
    }
    if (p.enabled) connect(p);
  }
}

void PeerLinks::set_enabled(const std::string& peer, bool on) {
  auto it = peers_.find(peer);
  if (it == peers_.end() || it->second.enabled == on) return;
  Peer& p = it->second;
  p.enabled = on;
  L().info(on ? "peer-link-on" : "peer-link-off", {{"peer", p.spec.name}, {"url", p.spec.url}});
  if (on) {
    // A connection still closing reconnects through lost(); otherwise connect now.
    if (!p.active) {
      p.reconnects.reset();
      connect(p);
    }
    return;
  }
  if (p.active) {
    // In the connection's own context, for Proton to flush the close (as send() does).
    try {
      proton::connection c = p.connection;
      c.work_queue().add([c]() mutable {
        try {
          c.close(proton::error_condition("amqp:connection:forced", "peer link turned off"));
        } catch (const std::exception&) {
        }
      });
    } catch (const std::exception&) {
    }
  }
}

void PeerLinks::reload(std::shared_ptr<const tls::TlsTrust> trust) {
  for (auto& [name, p] : peers_) {
    p.spec.trust = trust;
    if (p.context) p.context->replace(trust);
  }
}

void PeerLinks::stop() { stopped_ = true; }

std::uint64_t PeerLinks::attempts(const std::string& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.attempts;
}

void PeerLinks::connect(Peer& p) {
  if (stopped_ || container_ == nullptr || !p.enabled || p.active) return;
  ++p.attempts;
  p.active = true;
  p.lost = false;
  p.connected = false;
  L().info("peer-connecting",
           {{"peer", p.spec.name}, {"url", p.spec.url}, {"attempt", p.attempts}});
  if (!p.tls) {
    lost(p, "TLS for this peer cannot be set up: " + p.tls_error);
    return;
  }
  proton::connection_options o;
  o.ssl_client_options(*p.tls);
  o.sasl_enabled(true);
  o.sasl_allowed_mechs("EXTERNAL");
  o.handler(*this);
  o.idle_timeout(proton::duration(30'000));
  try {
    p.connection = container_->connect(p.spec.url, o);
  } catch (const std::exception& e) {
    lost(p, e.what());
  }
}

PeerLinks::Peer* PeerLinks::by_connection(const proton::connection& c) {
  for (auto& [name, p] : peers_) {
    if (p.connection == c) return &p;
  }
  return nullptr;
}

void PeerLinks::on_connection_open(proton::connection& c) {
  Peer* p = by_connection(c);
  if (p == nullptr) return;
  model::ConnectionIdentity id;
  id.subject = c.transport().ssl().remote_subject();
  // A hub is its pinned certificate (SHA-256 or subject); hub certificates carry no organ UID.
  id.sha256 = remote_certificate_sha256(c.transport());
  id.authenticated = !id.subject.empty();
  Status who = p->spec.verify ? p->spec.verify(id) : Status();
  if (!id.authenticated) who = Status("unauthorized", "the peer presented no certificate");
  if (!who.ok()) {
    L().error("peer-refused", {{"peer", p->spec.name},
                               {"url", p->spec.url},
                               {"subject", id.subject},
                               {"sha256", log::prefix(id.sha256, 16)},
                               {"code", who.code()},
                               {"reason", who.message()}});
    c.close(proton::error_condition("amqp:unauthorized-access", who.message()));
    return;  // on_transport_close follows
  }
  p->connected = true;
  p->reconnects.reset();
  if (p->spec.seen_certificates && !p->verified.empty() &&
      tls::certificate_sha256(p->verified.front().get()) == id.sha256) {
    p->spec.seen_certificates->record_seen(p->verified.front().get(), "peer",
                                           static_cast<std::int64_t>(std::time(nullptr)));
  }
  L().info("peer-connected", {{"peer", p->spec.name},
                              {"url", p->spec.url},
                              {"subject", id.subject},
                              {"sha256", log::prefix(id.sha256, 16)},
                              {"attempt", p->attempts}});
  for (const char* address : kAddresses) {
    p->links[address] = c.open_sender(address, proton::sender_options().target(
                                                   proton::target_options().address(address)));
  }
}

void PeerLinks::on_sendable(proton::sender& s) {
  Peer* p = by_connection(s.connection());
  if (p == nullptr) return;
  drain(*p, s.target().address());
  if (!p->up && p->connected) {
    p->up = true;
    L().info("peer-up", {{"peer", p->spec.name}, {"url", p->spec.url}});
    port_.peer_up(p->spec.name);
  }
}

void PeerLinks::send(const std::string& peer, const delivery::OutgoingMessage& m,
                     delivery::DeliveryDone done) {
  auto it = peers_.find(peer);
  if (it == peers_.end() || !it->second.up) {
    done({delivery::DeliveryResult::kNoLink, {}, "no link to peer " + peer});
    return;
  }
  Peer& p = it->second;
  const std::string address = m.message_type.empty() ? "edoc" : m.message_type;
  if (!p.links.count(address)) {
    done({delivery::DeliveryResult::kNoLink, {}, "no \"" + address + "\" link to peer " + peer});
    return;
  }
  p.out[address].enqueue(m, std::move(done));
  proton::sender s = p.links[address];
  // Sending must happen in the connection's own context for Proton to flush it.
  s.connection().work_queue().add([this, name = p.spec.name, address] {
    auto pit = peers_.find(name);
    if (pit != peers_.end()) drain(pit->second, address);
  });
}

void PeerLinks::drain(Peer& p, const std::string& address) {
  auto link = p.links.find(address);
  auto out = p.out.find(address);
  if (link == p.links.end() || out == p.out.end()) return;
  proton::sender& s = link->second;
  out->second.drain([&s] { return s.active() && s.credit() > 0; },
                    [&s](OutboundLink::Tag tag, const delivery::OutgoingMessage& m) {
                      s.send(to_proton(m), proton::binary(tag_bytes(tag)));
                      return true;
                    });
}

// Accepted, rejected, released or modified (the C++ binding's on_tracker_* callbacks; it
// settles the delivery itself afterwards).
void PeerLinks::finish(const proton::tracker& t) {
  Peer* p = by_connection(t.connection());
  if (p == nullptr) return;
  auto out = p->out.find(t.sender().target().address());
  const auto tag = delivery_tag(t);
  if (out == p->out.end() || !tag) return;
  out->second.disposition(*tag, remote_disposition(t));
}

void PeerLinks::on_tracker_accept(proton::tracker& t) { finish(t); }
void PeerLinks::on_tracker_reject(proton::tracker& t) { finish(t); }
void PeerLinks::on_tracker_release(proton::tracker& t) { finish(t); }

void PeerLinks::on_transport_error(proton::transport& t) {
  if (Peer* p = by_connection(t.connection())) lost(*p, t.error().what());
}

void PeerLinks::on_transport_close(proton::transport& t) {
  if (Peer* p = by_connection(t.connection())) lost(*p, "connection closed");
}

void PeerLinks::on_connection_error(proton::connection& c) {
  if (Peer* p = by_connection(c)) {
    L().warn("peer-connection-error", {{"peer", p->spec.name}, {"reason", c.error().what()}});
  }
}

void PeerLinks::on_sender_error(proton::sender& s) {
  if (Peer* p = by_connection(s.connection())) {
    L().warn("peer-link-error", {{"peer", p->spec.name},
                                 {"address", s.target().address()},
                                 {"reason", s.error().what()}});
  }
}

std::chrono::milliseconds PeerLinks::next_delay(const Peer& p) {
  std::uniform_real_distribution<double> random01(0.0, 1.0);
  auto delay = p.reconnects.delay(random01(rng_));
  if (p.reconnects.failures() >= policy_.failures_to_open) {
    delay = std::max(delay, policy_.open_delay);
  }
  return delay;
}

void PeerLinks::lost(Peer& p, const std::string& why) {
  if (p.lost) return;  // error and close both arrive for one connection
  p.lost = true;
  p.active = false;
  const bool was_up = p.up;
  p.connected = false;
  p.links.clear();
  if (p.up) {
    p.up = false;
    port_.peer_down(p.spec.name);
  }
  // Everything queued or unanswered on that connection goes back to the dispatcher.
  std::map<std::string, OutboundLink> out;
  out.swap(p.out);
  for (auto& [address, link] : out) link.lose("peer " + p.spec.name + " link lost");
  if (!p.enabled) {
    L().info("peer-down", {{"peer", p.spec.name}, {"url", p.spec.url}, {"reason", why},
                           {"was_up", was_up}});
    return;  // turned off: no reconnect
  }
  p.reconnects.failed();
  if (stopped_ || container_ == nullptr) return;
  const auto delay = next_delay(p);
  L().warn("peer-down", {{"peer", p.spec.name},
                         {"url", p.spec.url},
                         {"reason", why},
                         {"was_up", was_up},
                         {"failures", p.reconnects.failures()},
                         {"next_attempt_ms", static_cast<std::int64_t>(delay.count())},
                         {"circuit", p.reconnects.failures() >= policy_.failures_to_open
                                         ? "open"
                                         : "closed"}});
  container_->schedule(proton::duration(delay.count()), [this, name = p.spec.name] {
    auto it = peers_.find(name);
    if (it != peers_.end() && !stopped_) connect(it->second);  // not when off or active
  });
}

}  // namespace docaxis::amqp
