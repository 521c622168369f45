#include "amqp/listener.hpp"

#include <openssl/x509.h>
#include <proton/condition.h>
#include <proton/connection.h>
#include <proton/delivery.h>
#include <proton/event.h>
#include <proton/link.h>
#include <proton/listener.h>
#include <proton/netaddr.h>
#include <proton/proactor.h>
#include <proton/sasl.h>
#include <proton/session.h>
#include <proton/ssl.h>
#include <proton/terminus.h>
#include <proton/transport.h>

#include <ctime>
#include <vector>

#include "amqp/listener_conn.hpp"
#include "amqp/raw.hpp"
#include "common/crash_only.hpp"
#include "common/thread_name.hpp"
#include "log/log.hpp"
#include "model/wire.hpp"
#include "tls/certificate.hpp"
#include "tls/context.hpp"
#include "tls/proton_domain.hpp"

namespace docaxis::amqp {
namespace {

constexpr pn_millis_t kTickMs = 500;
constexpr std::uint32_t kMaxFrame = 64 * 1024;
constexpr std::int64_t kCloseGraceMs = 5000;              // closing -> socket dropped
constexpr std::size_t kMinTransferBytesPerSecond = 16 * 1024;  // after idle_timeout

std::int64_t now_ms() { return static_cast<std::int64_t>(pn_proactor_now_64()); }

log::Logger& L() {
  static log::Logger& l = log::get("amqp");
  return l;
}
log::Logger& tls_log() {
  static log::Logger& l = log::get("tls");
  return l;
}

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

// The `reason=` of a handshake that failed without a refusal from our verification (the
// transport condition is Proton's "SSL Failure: <OpenSSL error>").
std::string_view handshake_reason(std::string_view description) {
  if (description.empty()) return "closed-before-handshake";
  if (contains(description, "certificate verify failed")) return "cert-untrusted";
  if (contains(description, "did not return a certificate")) return "no-client-certificate";
  if (contains(description, "unsupported protocol") || contains(description, "wrong version") ||
      contains(description, "version too low") || contains(description, "no shared cipher") ||
      contains(description, "no protocols available") || contains(description, "no suitable")) {
    return "tls-policy";
  }
  if (contains(description, "alert")) return "client-alert";
  return "tls-error";
}

std::string remote_host(pn_transport_t* t) {
  const pn_netaddr_t* a = pn_transport_remote_addr(t);
  char host[128] = {};
  char port[16] = {};
  if (a == nullptr || pn_netaddr_host_port(a, host, sizeof host, port, sizeof port) != 0) {
    return "?";
  }
  return host;
}


}  // namespace

Listener::Listener(ListenerOptions options, engine::IngestPort& ingest, delivery::LinkEvents& inbox)
    : opt_(std::move(options)), ingest_(ingest), inbox_(inbox) {}

Listener::~Listener() {
  stop();
  if (proactor_ != nullptr) pn_proactor_free(proactor_);
  if (domain_ != nullptr) pn_ssl_domain_free(domain_);
}

void Listener::internal_error(std::string_view where, const Conn* conn, const char* what) {
  if (conn != nullptr) {
    L().error("internal-error", {{"where", where}, {"conn", conn->id}, {"reason", what}});
  } else {
    L().error("internal-error", {{"where", where}, {"reason", what}});
  }
}

Result<int> Listener::start() {
  if (!opt_.trust) return Status{"internal", "the listener has no client trust"};
  domain_ = pn_ssl_domain(PN_SSL_MODE_SERVER);
  if (domain_ == nullptr) return Status{"internal", "cannot create a TLS server domain"};
  if (pn_ssl_domain_set_credentials(domain_, opt_.certificate_chain.c_str(),
                                    opt_.private_key.c_str(), nullptr) != 0) {
    return Status{"unavailable", "cannot load the TLS certificate " + opt_.certificate_chain +
                                     " with key " + opt_.private_key};
  }
  // VERIFY_PEER: a client certificate is required; which CAs count is ContextTrust's store.
  if (pn_ssl_domain_set_trusted_ca_db(domain_, opt_.trust_anchors.c_str()) != 0 ||
      pn_ssl_domain_set_peer_authentication(domain_, PN_SSL_VERIFY_PEER,
                                            opt_.trust_anchors.c_str()) != 0) {
    return Status{"internal", "cannot require client certificates"};
  }
  auto context = tls::ContextTrust::install(
      tls::ssl_ctx_of(domain_), opt_.trust,
      [this](const std::string& fp, tls::Chain chain, std::uint64_t generation) {
        // Bounded: handshakes that never reach the AMQP open leave entries; tick() ages them
        // out, and past the bound the oldest goes first.
        if (verified_.size() >= 2 * opt_.limits.max_connections + 64) {
          auto oldest = verified_.begin();
          for (auto it = verified_.begin(); it != verified_.end(); ++it) {
            if (it->second.at_ms < oldest->second.at_ms) oldest = it;
          }
          verified_.erase(oldest);
        }
        verified_[fp] = Verified{std::move(chain), now_ms(), generation};
      },
      [this](const Status& why, const std::string& subject, const std::string& sha256) {
        last_refused_ = Refused{why, subject, sha256, now_ms()};
      });
  if (!context) return context.status();
  context_ = std::move(*context);
  if (opt_.identity) {
    if (Status s = opt_.identity->install(context_->ctx()); !s.ok()) return s;
  }

  proactor_ = pn_proactor();
  listener_ = pn_listener();
  char addr[PN_MAX_ADDR];
  pn_proactor_addr(addr, sizeof addr, opt_.host.c_str(), std::to_string(opt_.port).c_str());
  pn_proactor_listen(proactor_, listener_, addr, 128);
  pn_proactor_set_timeout(proactor_, kTickMs);
  thread_ = std::thread([this] {
    name_this_thread("dx-amqp");
    run_guarded("dx-amqp", [this] { run(); });
    if (!stopping_) fatal_exit("dx-amqp", "the AMQP event loop ended");
  });
  std::unique_lock lock(start_mu_);
  start_cv_.wait(lock, [this] { return started_.has_value(); });
  return *started_;
}

void Listener::stop() {
  {
    std::lock_guard lock(mu_);
    if (!accepting_posts_ || proactor_ == nullptr) return;
    accepting_posts_ = false;
    posted_.push_back([this] {
      stopping_ = true;
      pn_condition_t* cond = pn_condition();
      pn_condition_set_name(cond, "amqp:connection:forced");
      pn_condition_set_description(cond, "the hub is shutting down");
      pn_proactor_disconnect(proactor_, cond);
      pn_condition_free(cond);
      pn_proactor_cancel_timeout(proactor_);
    });
    pn_proactor_interrupt(proactor_);
  }
  if (thread_.joinable()) thread_.join();
}

bool Listener::post(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  if (!accepting_posts_) return false;
  posted_.push_back(std::move(fn));
  pn_proactor_interrupt(proactor_);
  return true;
}

void Listener::on_conn(std::uint64_t id, std::function<void(Conn&)> fn) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  Conn& conn = *conns_.at(it->second);
  conn.tasks.push_back(std::move(fn));
  pn_connection_wake(conn.connection);
}

void Listener::run() {
  bool done = false;
  while (!done) {
    pn_event_batch_t* batch = pn_proactor_wait(proactor_);
    while (pn_event_t* e = pn_event_batch_next(batch)) {
      if (pn_event_type(e) == PN_PROACTOR_INACTIVE && stopping_) done = true;
      handle(e);
    }
    pn_proactor_done(proactor_, batch);
  }
}

void Listener::handle(pn_event_t* e) {
  try {
    handle_event(e);
  } catch (const std::exception& ex) {
    internal_error("event", nullptr, ex.what());
  }
}

void Listener::handle_event(pn_event_t* e) {
  switch (pn_event_type(e)) {
    case PN_PROACTOR_INTERRUPT: {
      std::deque<std::function<void()>> work;
      {
        std::lock_guard lock(mu_);
        work.swap(posted_);
      }
      for (auto& fn : work) {
        try {
          fn();
        } catch (const std::exception& ex) {
          internal_error("posted-task", nullptr, ex.what());
        }
      }
      return;
    }
    case PN_PROACTOR_TIMEOUT:
      if (!stopping_) {
        tick();
        pn_proactor_set_timeout(proactor_, kTickMs);
      }
      return;
    case PN_PROACTOR_INACTIVE:
      return;
    case PN_LISTENER_OPEN: {
      char host[128] = {};
      char port[16] = {};
      pn_netaddr_host_port(pn_listener_addr(pn_event_listener(e)), host, sizeof host, port,
                           sizeof port);
      std::lock_guard lock(start_mu_);
      started_ = Result<int>(std::atoi(port));
      start_cv_.notify_all();
      return;
    }
    case PN_LISTENER_ACCEPT:
      accept(pn_event_listener(e));
      return;
    case PN_LISTENER_CLOSE: {
      pn_condition_t* c = pn_listener_condition(pn_event_listener(e));
      const std::string why = pn_condition_is_set(c) && pn_condition_get_description(c)
                                  ? pn_condition_get_description(c)
                                  : "closed";
      {
        std::lock_guard lock(start_mu_);
        if (!started_) {
          started_ = Result<int>(Status{"unavailable", "cannot listen on " + opt_.host + ":" +
                                                           std::to_string(opt_.port) + ": " +
                                                           why});
          start_cv_.notify_all();
          stopping_ = true;
          pn_proactor_cancel_timeout(proactor_);
          return;
        }
      }
      if (!stopping_) fatal_exit("dx-amqp", "the AMQP listener closed: " + why);
      return;
    }
    default:
      break;
  }
  pn_connection_t* c = pn_event_connection(e);
  if (c == nullptr) return;
  auto it = conns_.find(c);
  if (it == conns_.end()) return;
  Conn& conn = *it->second;
  if (pn_event_type(e) == PN_TRANSPORT_CLOSED) {
    closed(c);
    return;
  }
  try {
    handle_conn_event(e, conn);
  } catch (const std::exception& ex) {
    internal_error("connection-event", &conn, ex.what());
    abort_conn(conn, "internal-error", "internal error");
  }
}

void Listener::accept(pn_listener_t* l) {
  pn_connection_t* c = pn_connection();
  pn_transport_t* t = pn_transport();
  pn_transport_set_server(t);
  pn_ssl_init(pn_ssl(t), domain_, nullptr);
  pn_sasl_allowed_mechs(pn_sasl(t), "EXTERNAL");
  pn_transport_set_idle_timeout(t, static_cast<pn_millis_t>(opt_.limits.idle_timeout.count()));
  pn_transport_set_max_frame(t, kMaxFrame);
  pn_transport_set_channel_max(t, static_cast<std::uint16_t>(opt_.limits.max_sessions - 1));
  pn_connection_set_container(c, opt_.container_id.c_str());
  auto conn = std::make_unique<Conn>();
  conn->id = next_id_++;
  conn->connection = c;
  conn->transport = t;
  conn->accepted_ms = now_ms();
  if (conns_.size() >= opt_.limits.max_connections) {
    conn->close_reason = "max-connections";
    conn->reject = "the hub serves " + std::to_string(opt_.limits.max_connections) +
                   " connections at most";
  }
  by_id_[conn->id] = c;
  conns_[c] = std::move(conn);
  conns_gauge_.store(conns_.size(), std::memory_order_relaxed);
  pn_listener_accept2(l, c, t);
}

void Listener::handle_conn_event(pn_event_t* e, Conn& conn) {
  switch (pn_event_type(e)) {
    case PN_CONNECTION_BOUND:
      bound(conn);
      break;
    case PN_CONNECTION_REMOTE_OPEN:
      remote_open(conn);
      break;
    case PN_CONNECTION_REMOTE_CLOSE:
      if (conn.close_reason.empty()) conn.close_reason = "client-closed";
      pn_connection_close(conn.connection);
      break;
    case PN_SESSION_REMOTE_OPEN: {
      pn_session_t* s = pn_event_session(e);
      if (!conn.opened || conn.closing) break;
      pn_session_set_incoming_capacity(s, opt_.limits.session_capacity);
      pn_session_open(s);
      break;
    }
    case PN_SESSION_REMOTE_CLOSE: {
      // Links ended with their session get no close event of their own.
      pn_session_t* ended = pn_event_session(e);
      std::vector<pn_link_t*> links;
      for (pn_link_t* l = pn_link_head(conn.connection, 0); l != nullptr; l = pn_link_next(l, 0)) {
        if (pn_link_session(l) == ended && (pn_link_state(l) & PN_LOCAL_ACTIVE)) links.push_back(l);
      }
      for (pn_link_t* l : links) link_closed(conn, l, /*free_link=*/false);
      pn_session_close(ended);
      break;
    }
    case PN_LINK_REMOTE_OPEN:
      if (conn.opened && !conn.closing) link_open(conn, pn_event_link(e));
      break;
    case PN_LINK_REMOTE_CLOSE:
    case PN_LINK_REMOTE_DETACH:
      link_closed(conn, pn_event_link(e), /*free_link=*/true);
      break;
    case PN_LINK_FLOW: {
      pn_link_t* l = pn_event_link(e);
      if (pn_link_is_sender(l) && pn_link_credit(l) > 0) {
        drain(l);
        const char* a = pn_terminus_get_address(pn_link_source(l));
        const std::string_view address = a == nullptr ? std::string_view() : a;
        if (address.substr(0, model::wire::kInboxPrefix.size()) == model::wire::kInboxPrefix) {
          inbox_.ready(std::string(address.substr(model::wire::kInboxPrefix.size())));
        }
      }
      break;
    }
    case PN_DELIVERY: {
      pn_delivery_t* d = pn_event_delivery(e);
      pn_link_t* l = pn_delivery_link(d);
      if (pn_link_is_receiver(l)) {
        incoming(conn, l, d);
      } else {
        outcome(d);
      }
      break;
    }
    case PN_CONNECTION_WAKE: {
      std::deque<std::function<void(Conn&)>> tasks;
      tasks.swap(conn.tasks);
      for (auto& fn : tasks) {
        try {
          fn(conn);
        } catch (const std::exception& ex) {
          internal_error("connection-task", &conn, ex.what());
        }
      }
      break;
    }
    default:
      break;
  }
}

void Listener::bound(Conn& conn) {
  conn.address = remote_host(conn.transport);
  if (conn.reject.empty()) {
    std::size_t& n = per_address_[conn.address];
    if (n >= opt_.limits.max_connections_per_address) {
      conn.close_reason = "max-connections-per-address";
      conn.reject = "the hub serves " + std::to_string(opt_.limits.max_connections_per_address) +
                    " connections per client address at most";
    } else {
      ++n;
      conn.counted_address = true;
    }
  }
  if (!conn.reject.empty()) {
    if (const auto d = refusals_.admit(conn.close_reason, now_ms()); d.log) {
      L().warn("connection-refused", {{"conn", conn.id},
                                      {"remote", conn.address},
                                      {"reason", conn.close_reason},
                                      {"detail", conn.reject},
                                      {"suppressed", d.suppressed}});
    }
    abort_conn(conn, conn.close_reason, conn.reject);
  }
}

void Listener::remote_open(Conn& conn) {
  if (conn.closing) return;
  pn_ssl_t* ssl = pn_ssl(conn.transport);
  const char* subject = ssl != nullptr ? pn_ssl_get_remote_subject(ssl) : nullptr;
  const std::string fp = remote_certificate_sha256(ssl);
  if (subject == nullptr || *subject == '\0' || fp.empty()) {
    close_conn(conn, "no-client-certificate", "amqp:unauthorized-access",
               "a verified client certificate is required");
    return;
  }
  auto v = verified_.find(fp);
  if (v == verified_.end() || v->second.chain.empty()) {
    close_conn(conn, "chain-not-verified", "amqp:unauthorized-access",
               "the client certificate chain was not verified");
    return;
  }
  // Copied, not taken: connections made at the same moment with one certificate (an agent's
  // sender and receiver) share the entry; tick() ages it out.
  conn.chain.clear();
  for (const auto& c : v->second.chain) {
    X509_up_ref(c.get());
    conn.chain.emplace_back(c.get());
  }
  conn.not_after = tls::chain_not_after(conn.chain);
  // A handshake verified under a trust reloaded since (a new CRL) is verified again.
  if (v->second.generation != context_->generation()) {
    if (Status s = context_->trust()->verify(conn.chain, std::time(nullptr)); !s.ok()) {
      close_conn(conn, s.code(), "amqp:unauthorized-access",
                 "the client certificate is no longer trusted: " + s.message());
      return;
    }
  }
  conn.identity.subject = subject;
  conn.identity.uid = tls::organ_uid(conn.chain.front().get());  // as the signature layer reads it
  conn.identity.sha256 = fp;
  conn.identity.authenticated = true;
  conn.opened = true;
  if (opt_.seen_certificates) {
    opt_.seen_certificates->record_seen(conn.chain.front().get(),
                                        conn.identity.uid.empty() ? "peer" : "endpoint",
                                        static_cast<std::int64_t>(std::time(nullptr)));
  }
  pn_connection_open(conn.connection);
  L().info("connection-open", {{"conn", conn.id},
                               {"remote", conn.address},
                               {"subject", conn.identity.subject},
                               {"uid", conn.identity.uid},
                               {"sha256", log::prefix(conn.identity.sha256, 16)}});
}

// Closes with an AMQP error (the client learns why). Connection context only.
void Listener::close_conn(Conn& conn, std::string_view reason, const std::string& condition,
                          const std::string& why) {
  if (conn.closing) return;
  conn.closing = true;
  conn.close_reason = reason;
  conn.close_detail = why;
  conn.closing_since_ms = now_ms();
  pn_condition_t* c = pn_connection_condition(conn.connection);
  pn_condition_set_name(c, condition.c_str());
  pn_condition_set_description(c, why.c_str());
  if (!(pn_connection_state(conn.connection) & PN_LOCAL_ACTIVE)) {
    pn_connection_open(conn.connection);
  }
  pn_connection_close(conn.connection);
}

// Drops the socket without AMQP (before or during the TLS handshake). Connection context only.
void Listener::abort_conn(Conn& conn, std::string_view reason, const std::string& why) {
  if (!conn.closing) {
    conn.closing_since_ms = now_ms();
    conn.close_reason = reason;
    conn.close_detail = why;
  }
  conn.closing = true;
  pn_condition_t* c = pn_transport_condition(conn.transport);
  pn_condition_set_name(c, "amqp:resource-limit-exceeded");
  pn_condition_set_description(c, why.c_str());
  pn_transport_close_tail(conn.transport);
  pn_transport_close_head(conn.transport);
}

void Listener::tick() {
  const std::int64_t now = now_ms();
  const auto wall = std::time(nullptr);
  for (auto& [c, conn] : conns_) {
    if (conn->closing) {
      // A client that never completes the close (stops reading, keeps sending) is dropped.
      if (now - conn->closing_since_ms > kCloseGraceMs) {
        on_conn(conn->id, [this](Conn& k) {
          pn_transport_close_tail(k.transport);
          pn_transport_close_head(k.transport);
        });
      }
      continue;
    }
    if (!conn->opened && now - conn->accepted_ms > opt_.limits.handshake_timeout.count()) {
      on_conn(conn->id, [this](Conn& k) {
        abort_conn(k, "handshake-timeout",
                   "no TLS/AMQP open within " +
                       std::to_string(opt_.limits.handshake_timeout.count()) + " ms");
      });
    } else if (!conn->partial.empty() && !conn->starved &&
               now - conn->last_progress_ms > opt_.limits.idle_timeout.count()) {
      // A transfer that stopped half-way holds budget others need: it has idle_timeout.
      on_conn(conn->id, [this](Conn& k) {
        close_conn(k, "transfer-stalled", "amqp:resource-limit-exceeded",
                   "a message transfer stalled half-way for longer than the idle timeout");
      });
    } else if (!conn->partial.empty() && !conn->starved &&
               now - conn->partial_since_ms > opt_.limits.idle_timeout.count() &&
               conn->partial_bytes * 1000 <
                   kMinTransferBytesPerSecond *
                       static_cast<std::size_t>(now - conn->partial_since_ms)) {
      // Dripping a byte now and then is progress, but not a transfer: below the minimum rate,
      // after idle_timeout, the connection goes.
      on_conn(conn->id, [this](Conn& k) {
        close_conn(k, "transfer-too-slow", "amqp:resource-limit-exceeded",
                   "a message transfer is slower than the hub's minimum rate");
      });
    } else if (conn->opened && conn->not_after != 0 && wall >= conn->not_after) {
      on_conn(conn->id, [this](Conn& k) {
        close_conn(k, "cert-expired", "amqp:unauthorized-access",
                   "the client certificate has expired");
      });
    }
  }
  for (auto it = verified_.begin(); it != verified_.end();) {
    it = now - it->second.at_ms > 2 * opt_.limits.handshake_timeout.count() + 1000
             ? verified_.erase(it)
             : std::next(it);
  }
}

void Listener::reload_trust(std::shared_ptr<const tls::TlsTrust> trust) {
  post([this, trust] {
    context_->replace(trust);
    const auto now = std::time(nullptr);
    for (auto& [c, conn] : conns_) {
      if (!conn->opened || conn->closing || conn->chain.empty()) continue;
      Status s = trust->verify(conn->chain, now);
      if (s.ok()) continue;
      on_conn(conn->id, [this, s](Conn& k) {
        close_conn(k, s.code(), "amqp:unauthorized-access",
                   "the client certificate is no longer trusted: " + s.message());
      });
    }
  });
}

void Listener::deliver(const std::string& organ, delivery::OutgoingMessage message,
                       delivery::DeliveryDone done) {
  auto shared = std::make_shared<delivery::DeliveryDone>(std::move(done));
  const bool posted = post([this, organ, m = std::move(message), shared]() mutable {
    send_now(organ, std::move(m), std::move(*shared));
  });
  if (!posted)
    (*shared)({delivery::DeliveryResult::kDisconnected, {}, "the AMQP server is stopping"});
}

// One line for every connection that ends. Opened: connection-close with the reason the hub
// closed it, or what the client or the transport did. Never opened: a refused TLS handshake
// (logger "tls") or a refused AMQP open (connection-refused); refused at accept: logged there.
void Listener::log_closed(const Conn& conn) {
  if (!conn.reject.empty()) return;
  const std::int64_t now = now_ms();
  pn_condition_t* tc = pn_transport_condition(conn.transport);
  const char* tdesc = tc != nullptr && pn_condition_is_set(tc) ? pn_condition_get_description(tc)
                                                               : nullptr;
  const std::string_view desc = tdesc != nullptr ? tdesc : "";
  if (conn.opened) {
    std::string_view reason = conn.close_reason;
    std::string_view detail = conn.close_detail;
    if (reason.empty()) {
      detail = desc;
      if (stopping_) reason = "shutdown";
      else if (contains(desc, "idle-timeout") || contains(desc, "idle timeout")) reason = "idle-timeout";
      else if (!desc.empty()) reason = "transport-error";
      else reason = "client-disconnected";
    }
    L().info("connection-close", {{"conn", conn.id},
                                  {"remote", conn.address},
                                  {"subject", conn.identity.subject},
                                  {"uid", conn.identity.uid},
                                  {"sha256", log::prefix(conn.identity.sha256, 16)},
                                  {"reason", reason},
                                  {"detail", detail},
                                  {"duration_ms", now - conn.accepted_ms}});
    return;
  }
  if (!conn.close_reason.empty() && conn.close_reason != "handshake-timeout") {
    // TLS verified the client, the AMQP open was refused (remote_open).
    if (!L().enabled(log::Level::warn)) return;
    if (const auto d = refusals_.admit(conn.close_reason, now); d.log) {
      L().warn("connection-refused", {{"conn", conn.id},
                                      {"remote", conn.address},
                                      {"reason", conn.close_reason},
                                      {"detail", conn.close_detail},
                                      {"suppressed", d.suppressed}});
    }
    return;
  }
  std::string_view reason = conn.close_reason;
  std::string_view detail = conn.close_detail;
  std::optional<Refused> refused;
  if (reason.empty()) {
    reason = stopping_ ? "shutdown" : handshake_reason(desc);
    detail = desc;
    // Our verification said why (revoked, expired, ...): the refusal just before this close
    // (one loop thread: a handshake's verification and its transport's close are adjacent).
    if (reason == "cert-untrusted" && last_refused_ && now - last_refused_->at_ms < 5000) {
      refused = std::move(last_refused_);
      last_refused_.reset();
      reason = refused->why.code();
      detail = refused->why.message();
    }
  }
  const std::string_view subject = refused ? std::string_view(refused->subject) : "";
  const std::string_view sha256 = refused ? std::string_view(refused->sha256) : "";
  // A TCP connect without a handshake (port scans, load-balancer probes) is not a refusal.
  const log::Level level = reason == "closed-before-handshake" || reason == "shutdown"
                               ? log::Level::debug
                               : log::Level::warn;
  if (tls_log().enabled(level)) {
    if (const auto d = refusals_.admit(reason, now); d.log) {
      tls_log().at(level, "tls-handshake-refused", {{"conn", conn.id},
                                                   {"remote", conn.address},
                                                   {"reason", reason},
                                                   {"subject", subject},
                                                   {"sha256", log::prefix(sha256, 16)},
                                                   {"detail", detail},
                                                   {"suppressed", d.suppressed}});
    }
  }
}

void Listener::closed(pn_connection_t* c) {
  auto it = conns_.find(c);
  if (it == conns_.end()) return;
  Conn& conn = *it->second;
  log_closed(conn);
  for (auto& [d, bytes] : conn.partial) release_bytes(conn.id, bytes.size());
  conn.partial.clear();
  conn.partial_bytes = 0;
  for (auto& [token, w] : waiting_) {
    if (w.conn_id == conn.id) w.delivery = nullptr;
  }
  std::vector<pn_link_t*> senders;
  for (auto& [organ, l] : inboxes_) {
    if (pn_link_session(l) != nullptr && pn_session_connection(pn_link_session(l)) == c) {
      senders.push_back(l);
    }
  }
  for (pn_link_t* l : senders) drop_sender(l, "the connection closed");
  if (conn.counted_address) {
    auto a = per_address_.find(conn.address);
    if (a != per_address_.end() && --a->second == 0) per_address_.erase(a);
  }
  // Bytes of packages the engine still holds stay counted until it answers (answered()).
  by_id_.erase(conn.id);
  conns_.erase(it);
  conns_gauge_.store(conns_.size(), std::memory_order_relaxed);
}

}  // namespace docaxis::amqp
