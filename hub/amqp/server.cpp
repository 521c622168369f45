#include "amqp/server.hpp"

#include <proton/condition.h>
#include <proton/delivery.h>
#include <proton/disposition.h>

#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <proton/connection.hpp>
#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/error_condition.hpp>
#include <proton/listen_handler.hpp>
#include <proton/listener.hpp>
#include <proton/message.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender.hpp>
#include <proton/sender_options.hpp>
#include <proton/source.hpp>
#include <proton/ssl.hpp>
#include <proton/target.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>
#include <proton/work_queue.hpp>
#include <thread>

#include "amqp/outcome.hpp"
#include "amqp/outgoing.hpp"
#include "amqp/raw.hpp"
#include "common/strings.hpp"
#include "common/thread_name.hpp"

namespace docaxis::amqp {
namespace {

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

class AmqpServer::Handler : public proton::messaging_handler {
 public:
  Handler(ServerOptions options, IngestPort& ingest, InboxPort& inbox)
      : options_(std::move(options)), ingest_(ingest), inbox_(inbox), listen_(*this) {}

  ~Handler() override { stop(); }

  Result<int> start() {
    if (!options_.tls && !is_loopback(options_.host)) {
      return Status{"invalid-argument",
                    "a plaintext AMQP listener is only allowed on loopback, not " + options_.host};
    }
    if (!options_.peers.empty()) {
      auto log = options_.log ? options_.log : [](const std::string&) {};
      peer_links_ = std::make_unique<PeerLinks>(options_.peers, options_.peer_reconnect, inbox_,
                                                log);
    }
    container_ = std::make_unique<proton::container>(*this, options_.container_id);
    auto started = started_.get_future();
    thread_ = std::thread([this] {
      name_this_thread("dx-amqp");
      try {
        container_->run();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "docaxis amqp: container stopped: %s\n", e.what());
        set_started(Status{"unavailable", std::string("AMQP container failed: ") + e.what()});
      }
    });
    return started.get();
  }

  void stop() {
    if (!container_ || stopped_.exchange(true)) return;
    {
      // From now on a late completion from the engine finds the server gone and does nothing.
      std::lock_guard lock(gate_->mu);
      gate_->open = false;
    }
    if (peer_links_) {
      // Stop reconnecting before the container winds down.
      std::promise<void> stopped;
      auto f = stopped.get_future();
      on_container_thread([this, &stopped] {
        peer_links_->stop();
        stopped.set_value();
      });
      f.wait_for(std::chrono::seconds(5));
    }
    container_->stop();
    if (thread_.joinable()) thread_.join();
  }

  void deliver(const std::string& organ, OutgoingMessage message, DeliveryDone done) {
    std::unique_lock lock(gate_->mu);
    if (!gate_->open) {
      lock.unlock();
      done({DeliveryResult::kDisconnected, {}, "the AMQP server is stopping"});
      return;
    }
    on_container_thread(
        [this, organ, m = std::move(message), d = std::move(done)] { send_now(organ, m, d); });
  }

  // --- Proton callbacks, all on the container thread ---

  void on_container_start(proton::container& c) override {
    listener_ = c.listen(options_.host + ":" + std::to_string(options_.port), listen_);
    if (peer_links_) peer_links_->start(c);
  }

  void deliver_to_peer(const std::string& peer, OutgoingMessage message, DeliveryDone done) {
    std::unique_lock lock(gate_->mu);
    if (!gate_->open || !peer_links_) {
      lock.unlock();
      done({DeliveryResult::kNoLink, {}, "no link to peer " + peer});
      return;
    }
    on_container_thread([this, peer, m = std::move(message), d = std::move(done)]() mutable {
      peer_links_->send(peer, m, std::move(d));
    });
  }

  void on_connection_open(proton::connection& c) override {
    PeerIdentity id;
    if (options_.tls) {
      id.subject = c.transport().ssl().remote_subject();
      id.uid = uid_from_subject(id.subject);
      id.sha256 = remote_certificate_sha256(c.transport());
      id.authenticated = !id.subject.empty();
      if (!id.authenticated) {
        c.close(proton::error_condition("amqp:unauthorized-access",
                                        "a verified client certificate is required"));
        return;
      }
    }
    identities_[c] = id;
    c.open();
  }

  // A client's sender link: it will send packages to "edoc" or "status".
  void on_receiver_open(proton::receiver& r) override {
    const std::string address = r.target().address();
    if (address != "edoc" && address != "status" && address != "receipt") {
      r.close(proton::error_condition("amqp:not-found", "unknown target address \"" + address +
                                                            "\"; send to \"edoc\" or \"status\""));
      return;
    }
    r.open(proton::receiver_options().auto_accept(false).credit_window(100));
  }

  // A client's receiver link: it wants inbox/<OrganId>.
  void on_sender_open(proton::sender& s) override {
    const std::string address = s.source().address();
    const std::string prefix = "inbox/";
    if (address.rfind(prefix, 0) != 0 || address.size() == prefix.size()) {
      s.close(proton::error_condition(
          "amqp:not-found",
          "unknown source address \"" + address + "\"; receive from \"inbox/<OrganId>\""));
      return;
    }
    const std::string organ = address.substr(prefix.size());
    Status allowed = inbox_.may_attach(identities_[s.connection()], organ);
    if (!allowed.ok()) {
      s.close(proton::error_condition("amqp:unauthorized-access", allowed.message()));
      return;
    }
    s.open();
    inboxes_.emplace(organ, s);
  }

  void on_sendable(proton::sender& s) override {
    drain(s);
    const std::string address = s.source().address();
    if (address.rfind("inbox/", 0) == 0) inbox_.ready(address.substr(6));
  }

  void on_message(proton::delivery& d, proton::message& m) override {
    proton::receiver r = d.receiver();
    IncomingPackage pkg;
    pkg.address = r.target().address();
    pkg.from = identities_[d.connection()];
    const std::string ct = m.content_type();
    if (!ct.empty() && ct != "application/xml" && ct != "text/xml") {
      settle(d, outcome_for(
                    Status{"bad-message", "content-type \"" + ct + "\" is not application/xml"}));
      return;
    }
    if (m.body().type() != proton::BINARY) {
      settle(d, outcome_for(Status{"bad-message",
                                   "the body must be one data section with the package bytes"}));
      return;
    }
    pkg.bytes = std::string(proton::get<proton::binary>(m.body()));
    if (pkg.bytes.size() > options_.max_message_bytes) {
      settle(d, outcome_for(Status{"too-large", "package of " + std::to_string(pkg.bytes.size()) +
                                                    " bytes; the limit is " +
                                                    std::to_string(options_.max_message_bytes)}));
      return;
    }
    auto props = m.properties();
    if (props.exists("hops")) {
      const std::string hops = proton::get<std::string>(props.get("hops"));
      if (!hops.empty()) {
        for (std::string_view h : split(hops, ';')) pkg.hops.emplace_back(h);
      }
    }
    const std::uint64_t token = next_token_++;
    waiting_.emplace(token, d);
    ingest_.submit(std::move(pkg), [this, gate = gate_, token](const Status& status) {
      std::lock_guard lock(gate->mu);
      if (!gate->open) return;
      on_container_thread([this, token, status] {
        auto it = waiting_.find(token);
        if (it == waiting_.end()) return;  // the connection went away meanwhile
        // Settle in the connection's own context, so Proton writes the disposition now.
        it->second.connection().work_queue().add(proton::work([this, token, status] {
          auto w = waiting_.find(token);
          if (w == waiting_.end()) return;
          proton::delivery pending = w->second;
          waiting_.erase(w);
          settle(pending, outcome_for(status));
        }));
      });
    });
  }

  void on_tracker_accept(proton::tracker& t) override {
    finish(t, {DeliveryResult::kAccepted, {}, {}});
  }
  void on_tracker_reject(proton::tracker& t) override {
    DeliveryOutcome o{DeliveryResult::kRejected, {}, {}};
    remote_condition(t, &o.condition, &o.description);
    finish(t, o);
  }
  void on_tracker_release(proton::tracker& t) override {
    finish(t, {t.state() == proton::transfer::MODIFIED ? DeliveryResult::kModified
                                                       : DeliveryResult::kReleased,
               {},
               {}});
  }

  void on_sender_close(proton::sender& s) override { drop_sender(s); }

  void on_transport_close(proton::transport& t) override { drop_connection(t.connection()); }
  void on_transport_error(proton::transport& t) override { drop_connection(t.connection()); }

  void on_error(const proton::error_condition&) override {}  // per-connection; never fatal

 private:
  class Listen : public proton::listen_handler {
   public:
    explicit Listen(Handler& h) : h_(h) {}
    proton::connection_options on_accept(proton::listener&) override {
      proton::connection_options o;
      if (h_.options_.tls) {
        const TlsFiles& f = *h_.options_.tls;
        o.ssl_server_options(
            proton::ssl_server_options(proton::ssl_certificate(f.certificate_chain, f.private_key),
                                       f.trust_anchors, f.trust_anchors, proton::ssl::VERIFY_PEER));
        o.sasl_enabled(true);
        o.sasl_allowed_mechs("EXTERNAL");
      } else {
        o.sasl_enabled(false);
      }
      o.handler(h_);
      return o;
    }
    void on_open(proton::listener& l) override { h_.set_started(l.port()); }
    void on_error(proton::listener&, const std::string& what) override {
      h_.set_started(Status{"unavailable", "cannot listen on " + h_.options_.host + ":" +
                                               std::to_string(h_.options_.port) + ": " + what});
    }

   private:
    Handler& h_;
  };

  void set_started(Result<int> r) {
    std::call_once(started_once_, [&] { started_.set_value(std::move(r)); });
  }

  void settle(proton::delivery& d, const Outcome& o) {
    switch (o.kind) {
      case OutcomeKind::kAccepted:
        d.accept();
        break;
      case OutcomeKind::kReleased:
        d.release();
        break;
      case OutcomeKind::kRejected:
        set_local_condition(d, o.condition, o.description);
        d.reject();
        break;
    }
  }

  // Runs `fn` on the container thread (from any thread). Connection state must then still be
  // changed inside that connection's own context (its work_queue) for Proton to flush it.
  void on_container_thread(std::function<void()> fn) {
    container_->schedule(proton::duration::IMMEDIATE, proton::work(std::move(fn)));
  }

  void send_now(const std::string& organ, const OutgoingMessage& m, const DeliveryDone& done) {
    // Prefer a link with credit; otherwise queue on any open link until its credit arrives
    // (AMQP flow control: the recipient decides the pace, which is not a failure).
    auto range = inboxes_.equal_range(organ);
    std::optional<proton::sender> chosen;
    for (auto it = range.first; it != range.second; ++it) {
      if (!it->second.active()) continue;
      if (!chosen || (it->second.credit() > 0 && chosen->credit() <= 0)) chosen = it->second;
    }
    if (!chosen) {
      done({DeliveryResult::kNoLink, {}, "no inbox/" + organ + " link attached"});
      return;
    }
    proton::sender s = *chosen;
    s.connection().work_queue().add(proton::work([this, s, m, done]() mutable {
      backlog_[s].push_back({m, done});
      drain(s);
    }));
  }

  // Sends queued messages while the link has credit. Connection context only.
  void drain(proton::sender& s) {
    auto it = backlog_.find(s);
    if (it == backlog_.end()) return;
    while (!it->second.empty() && s.active() && s.credit() > 0) {
      Queued q = std::move(it->second.front());
      it->second.pop_front();
      pending_.emplace(s.send(to_proton(q.message)), std::move(q.done));
    }
    if (it->second.empty()) backlog_.erase(it);
  }

  void finish(proton::tracker& t, const DeliveryOutcome& o) {
    auto it = pending_.find(t);
    if (it == pending_.end()) return;
    DeliveryDone done = std::move(it->second);
    pending_.erase(it);
    done(o);
  }

  void drop_sender(const proton::sender& s) {
    for (auto it = inboxes_.begin(); it != inboxes_.end();) {
      if (it->second == s) {
        const std::string organ = it->first;
        it = inboxes_.erase(it);
        if (inboxes_.count(organ) == 0) inbox_.detached(organ);
      } else {
        ++it;
      }
    }
    if (auto b = backlog_.find(s); b != backlog_.end()) {
      auto queued = std::move(b->second);
      backlog_.erase(b);
      for (auto& q : queued) {
        q.done({DeliveryResult::kDisconnected, {}, "the inbox link closed before sending"});
      }
    }
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->first.sender() == s) {
        DeliveryDone done = std::move(it->second);
        it = pending_.erase(it);
        done({DeliveryResult::kDisconnected, {}, "the inbox link closed before an outcome"});
      } else {
        ++it;
      }
    }
  }

  void drop_connection(const proton::connection& c) {
    for (auto it = inboxes_.begin(); it != inboxes_.end();) {
      if (it->second.connection() == c) {
        proton::sender s = it->second;
        ++it;
        drop_sender(s);
        it = inboxes_.begin();  // drop_sender may erase several entries
      } else {
        ++it;
      }
    }
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      it = it->second.connection() == c ? waiting_.erase(it) : std::next(it);
    }
    identities_.erase(c);
  }

  ServerOptions options_;
  IngestPort& ingest_;
  InboxPort& inbox_;
  Listen listen_;
  std::unique_ptr<PeerLinks> peer_links_;  // container thread, after start()
  std::unique_ptr<proton::container> container_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
  // Lets engine threads reach the container safely until stop(): they hold mu while scheduling.
  struct Gate {
    std::mutex mu;
    bool open = true;
  };
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::promise<Result<int>> started_;
  std::once_flag started_once_;
  proton::listener listener_;
  // Container-thread state.
  std::map<proton::connection, PeerIdentity> identities_;
  std::multimap<std::string, proton::sender> inboxes_;
  std::map<std::uint64_t, proton::delivery> waiting_;  // received, awaiting the engine
  std::uint64_t next_token_ = 1;
  std::map<proton::tracker, DeliveryDone> pending_;  // sent to an inbox, awaiting outcome
  struct Queued {
    OutgoingMessage message;
    DeliveryDone done;
  };
  std::map<proton::sender, std::deque<Queued>> backlog_;  // waiting for link credit
};

AmqpServer::AmqpServer(ServerOptions options, IngestPort& ingest, InboxPort& inbox)
    : handler_(std::make_unique<Handler>(std::move(options), ingest, inbox)) {}
AmqpServer::~AmqpServer() = default;
Result<int> AmqpServer::start() { return handler_->start(); }
void AmqpServer::stop() { handler_->stop(); }
void AmqpServer::deliver(const std::string& organ, OutgoingMessage message, DeliveryDone done) {
  handler_->deliver(organ, std::move(message), std::move(done));
}
void AmqpServer::deliver_to_peer(const std::string& peer, OutgoingMessage message,
                                 DeliveryDone done) {
  handler_->deliver_to_peer(peer, std::move(message), std::move(done));
}

}  // namespace docaxis::amqp
