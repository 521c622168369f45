// The hub's AMQP 1.0 listener on Qpid Proton's C API (the proactor), where every byte a client
// sends is untrusted. The C++ binding was left for this side because it decodes each message
// before any handler sees it and stops its whole container when that throws (one malformed
// transfer took a hub off the air); here the hub reads deliveries itself:
//  - message bytes are read as frames arrive, counted against max_message_bytes (refused with
//    link detach amqp:link:message-size-exceeded as soon as they exceed it; the receiver links
//    advertise max-message-size) and against byte budgets per connection and for the whole
//    listener: over budget the hub stops reading and the session window (bounded incoming
//    capacity) stops the sender;
//  - messages are decoded by message_codec (refusals are `rejected` with docaxis:<code>);
//  - connections are bounded in total and per client address, must finish TLS, SASL and the
//    AMQP open within the handshake timeout, and have an AMQP idle timeout;
//  - the TLS context is built once (tls::ContextTrust: exactly the configured anchors, CRLs,
//    chain completion, TLS >= 1.2 with ECDHE); reload_trust() swaps it and closes connections
//    whose certificate is no longer valid (revoked, expired).
// Logs (hub/log/README.md): logger "amqp" connection-open, connection-close (with the reason
// the hub closed it), connection-refused, link-attach, link-detach, link-refused,
// internal-error; logger "tls" tls-handshake-refused. Refusals are rate-limited per reason.
//
// Threads: one event-loop thread ("dx-amqp") owns every Proton object. Other threads reach it
// through post() (pn_proactor_interrupt), and connection state is changed only in the
// connection's own batch (pn_connection_wake). No exception leaves an event handler: one that
// throws closes its connection (amqp:internal-error); the loop itself is run_guarded, and if it
// ever ends without stop() the process exits (crash-only, code 70).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "amqp/outbound_link.hpp"
#include "common/status.hpp"
#include "delivery/ports.hpp"
#include "engine/ports.hpp"
#include "log/rate_limiter.hpp"
#include "tls/cert_inventory.hpp"
#include "tls/identity.hpp"
#include "tls/trust.hpp"

struct pn_connection_t;
struct pn_delivery_t;
struct pn_event_t;
struct pn_link_t;
struct pn_listener_t;
struct pn_proactor_t;
struct pn_ssl_domain_t;
struct pn_transport_t;

namespace docaxis::tls {
class ContextTrust;
}

namespace docaxis::amqp {

struct ListenerLimits {
  std::size_t max_message_bytes = 64u * 1024 * 1024;  // the package body
  std::size_t max_connections = 1000;
  std::size_t max_connections_per_address = 100;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_bytes_in_flight = 256u * 1024 * 1024;
  std::size_t max_bytes_in_flight_per_connection = 128u * 1024 * 1024;
  std::uint32_t credit_window = 100;      // per receiver link
  std::size_t max_links_per_connection = 64;
  std::uint16_t max_sessions = 16;
  std::size_t session_capacity = 1u << 20;  // unread bytes Proton may buffer per session
};

struct ListenerOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string certificate_chain;  // PEM file: the hub certificate, then its issuers
  std::string private_key;        // PEM file
  // When set, what every new handshake presents (swapped at run time, tls/identity.hpp);
  // otherwise the two files above, read once.
  std::shared_ptr<tls::IdentitySlot> identity;
  std::string trust_anchors;  // PEM file the TLS domain starts from (then replaced by `trust`)
  std::shared_ptr<const tls::TlsTrust> trust;  // client certificates: exactly this
  std::string container_id = "docaxis-hub";
  ListenerLimits limits;
  // When set, every authenticated client's certificate is recorded there (role "endpoint", or
  // "peer" for a certificate without an organ UID: a hub's), for `docaxis cert list`.
  std::shared_ptr<tls::CertInventory> seen_certificates;
};

class Listener {
 public:
  Listener(ListenerOptions options, engine::IngestPort& ingest, delivery::LinkEvents& inbox);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Errors: unavailable (cannot listen, TLS files unusable), internal.
  Result<int> start();
  void stop();  // idempotent
  // Thread-safe, as AmqpServer::deliver.
  void deliver(const std::string& organ, delivery::OutgoingMessage message,
               delivery::DeliveryDone done);
  // Thread-safe: new handshakes use `trust`; live connections it refuses are closed.
  void reload_trust(std::shared_ptr<const tls::TlsTrust> trust);
  // Thread-safe gauges (metrics): package bytes read and not yet answered or settled, and the
  // connections open now.
  std::size_t bytes_held() const { return held_gauge_.load(std::memory_order_relaxed); }
  std::size_t connections() const { return conns_gauge_.load(std::memory_order_relaxed); }

 private:
  struct Conn;
  struct Waiting {
    std::uint64_t conn_id = 0;
    pn_delivery_t* delivery = nullptr;  // null once its connection or link is gone
    pn_link_t* link = nullptr;
    std::size_t bytes = 0;
  };

  void run();
  bool post(std::function<void()> fn);  // false once stopping
  void on_conn(std::uint64_t id, std::function<void(Conn&)> fn);
  void handle(pn_event_t* e);
  void handle_event(pn_event_t* e);
  void handle_conn_event(pn_event_t* e, Conn& conn);
  void accept(pn_listener_t* l);
  void bound(Conn& conn);
  void remote_open(Conn& conn);
  void tick();
  // `reason`: the `reason=` token of the connection-close line.
  void close_conn(Conn& conn, std::string_view reason, const std::string& condition,
                  const std::string& why);
  void abort_conn(Conn& conn, std::string_view reason, const std::string& why);
  void closed(pn_connection_t* c);
  void log_closed(const Conn& conn);
  void internal_error(std::string_view where, const Conn* conn, const char* what);
  // listener_links.cpp
  void link_open(Conn& conn, pn_link_t* l);
  void link_closed(Conn& conn, pn_link_t* l, bool free_link);
  void drop_partial(Conn& conn, pn_delivery_t* d);
  Conn* largest_partial();
  void incoming(Conn& conn, pn_link_t* l, pn_delivery_t* d);
  void resume(Conn& conn);
  void complete(Conn& conn, pn_link_t* l, pn_delivery_t* d, std::string bytes);
  void answered(std::uint64_t token, const Status& status);
  void release_bytes(std::uint64_t conn_id, std::size_t bytes, bool engine = false);
  void send_now(const std::string& organ, delivery::OutgoingMessage m, delivery::DeliveryDone done);
  void drain(pn_link_t* l);
  void outcome(pn_delivery_t* d);
  void drop_sender(pn_link_t* l, const std::string& why);
  bool inboxes_end_has(pn_link_t* l) const;

  ListenerOptions opt_;
  engine::IngestPort& ingest_;
  delivery::LinkEvents& inbox_;
  pn_proactor_t* proactor_ = nullptr;
  pn_listener_t* listener_ = nullptr;
  pn_ssl_domain_t* domain_ = nullptr;
  std::unique_ptr<tls::ContextTrust> context_;
  std::thread thread_;

  std::mutex mu_;  // guards the fields below it
  bool accepting_posts_ = true;
  std::deque<std::function<void()>> posted_;
  std::mutex start_mu_;
  std::condition_variable start_cv_;
  std::optional<Result<int>> started_;
  bool stopping_ = false;  // loop thread

  // Loop-thread state.
  std::unordered_map<pn_connection_t*, std::unique_ptr<Conn>> conns_;
  std::map<std::uint64_t, pn_connection_t*> by_id_;
  std::map<std::string, std::size_t> per_address_;
  struct Verified {
    tls::Chain chain;             // leaf first
    std::int64_t at_ms = 0;       // when the handshake verified it
    std::uint64_t generation = 0; // tls::ContextTrust::generation() it was verified under
  };
  std::map<std::string, Verified> verified_;  // by certificate fingerprint
  std::multimap<std::string, pn_link_t*> inboxes_;                        // organ -> link
  std::map<pn_link_t*, OutboundLink> senders_;  // the inbox links' deliveries
  std::map<std::uint64_t, Waiting> waiting_;  // submitted to the engine, by token
  std::uint64_t next_id_ = 1, next_token_ = 1;
  std::size_t total_held_ = 0;
  std::atomic<std::size_t> held_gauge_{0};   // total_held_, for other threads
  std::atomic<std::size_t> conns_gauge_{0};  // conns_.size(), for other threads
  std::size_t total_engine_ = 0;  // of total_held_, complete packages the engine has
  std::set<std::uint64_t> starved_;  // connections waiting for byte budget
  // The last chain a handshake refused (tls::ContextTrust's refusal hook): the connection whose
  // transport closes next with a verification failure gets its reason and subject in its log.
  struct Refused {
    Status why;
    std::string subject, sha256;
    std::int64_t at_ms = 0;
  };
  std::optional<Refused> last_refused_;
  log::RateLimiter refusals_{5};  // refused handshakes, connections and links: lines per reason per second
};

}  // namespace docaxis::amqp
