#include "amqp/server.hpp"

#include <future>
#include <proton/container.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/work_queue.hpp>
#include <thread>

#include "common/crash_only.hpp"
#include "common/thread_name.hpp"

namespace docaxis::amqp {
namespace {

Result<std::shared_ptr<const tls::TlsTrust>> load_trust(const TlsFiles& f) {
  tls::TrustFiles files;
  files.anchors = {f.trust_anchors};
  files.intermediates = f.intermediates;
  files.crls = f.crls;
  files.crl_cache_dir = f.crl_cache_dir;
  files.crl_grace_seconds = f.crl_grace_seconds;
  return tls::TlsTrust::load(files);
}

}  // namespace

// The peer links' own Proton container and thread. Its handlers only talk to configured,
// authenticated peers; still, if the container ever stops without stop(), the process exits.
class AmqpServer::Peers : public proton::messaging_handler {
 public:
  Peers(std::vector<PeerSpec> specs, PeerReconnect policy, delivery::LinkEvents& inbox,
        std::string id)
      : links_(std::move(specs), policy, inbox), container_(*this, id + "-peers") {}

  void start() {
    // With every link off (or turned off) the container has no work: it must not return then.
    container_.auto_stop(false);
    thread_ = std::thread([this] {
      name_this_thread("dx-amqp-peers");
      run_guarded("dx-amqp-peers", [this] { container_.run(); });
      if (!stopping_) fatal_exit("dx-amqp-peers", "the peer-link container stopped");
    });
  }
  void stop() {
    if (stopping_.exchange(true)) return;
    std::promise<void> stopped;
    auto f = stopped.get_future();
    container_.schedule(proton::duration::IMMEDIATE, [this, &stopped] {
      links_.stop();
      stopped.set_value();
    });
    f.wait_for(std::chrono::seconds(5));
    container_.stop();
    if (thread_.joinable()) thread_.join();
  }
  void send(const std::string& peer, delivery::OutgoingMessage m, delivery::DeliveryDone done) {
    auto shared = std::make_shared<delivery::DeliveryDone>(std::move(done));
    container_.schedule(proton::duration::IMMEDIATE, [this, peer, m = std::move(m), shared] {
      links_.send(peer, m, std::move(*shared));
    });
  }
  void reload(std::shared_ptr<const tls::TlsTrust> trust) {
    container_.schedule(proton::duration::IMMEDIATE, [this, trust] { links_.reload(trust); });
  }
  void set_enabled(const std::string& peer, bool on) {
    container_.schedule(proton::duration::IMMEDIATE,
                        [this, peer, on] { links_.set_enabled(peer, on); });
  }
  void on_container_start(proton::container& c) override { links_.start(c); }
  void on_error(const proton::error_condition&) override {}

 private:
  PeerLinks links_;
  proton::container container_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
};

AmqpServer::AmqpServer(ServerOptions options, engine::IngestPort& ingest,
                       delivery::LinkEvents& inbox)
    : options_(std::move(options)), ingest_(ingest), inbox_(inbox) {}

AmqpServer::~AmqpServer() { stop(); }

Result<int> AmqpServer::start() {
  if (!options_.tls) {
    return Status{"invalid-argument", "the AMQP listener needs TLS (there is no plaintext mode)"};
  }
  auto trust = load_trust(*options_.tls);
  if (!trust) return trust.status();
  ListenerOptions lo;
  lo.host = options_.host;
  lo.port = options_.port;
  lo.certificate_chain = options_.tls->certificate_chain;
  lo.private_key = options_.tls->private_key;
  lo.trust_anchors = options_.tls->trust_anchors;
  lo.trust = *trust;
  lo.container_id = options_.container_id;
  lo.limits = options_.limits;
  lo.limits.max_message_bytes = options_.max_message_bytes;
  lo.seen_certificates = options_.seen_certificates;
  lo.identity = options_.identity;
  listener_ = std::make_unique<Listener>(std::move(lo), ingest_, inbox_);
  auto port = listener_->start();
  if (!port) return port;
  if (!options_.peers.empty()) {
    for (auto& p : options_.peers) {
      p.trust = *trust;
      if (options_.identity) p.identity = options_.identity;
      if (options_.seen_certificates) p.seen_certificates = options_.seen_certificates;
      if (options_.peer_links_start_off) p.start_enabled = false;
    }
    peers_ = std::make_unique<Peers>(options_.peers, options_.peer_reconnect, inbox_,
                                     options_.container_id);
    peers_->start();
  }
  return port;
}

void AmqpServer::stop() {
  if (peers_) peers_->stop();
  if (listener_) listener_->stop();
}

void AmqpServer::deliver(const std::string& organ, delivery::OutgoingMessage message,
                         delivery::DeliveryDone done) {
  if (!listener_) {
    done({delivery::DeliveryResult::kDisconnected, {}, "the AMQP server is not running"});
    return;
  }
  listener_->deliver(organ, std::move(message), std::move(done));
}

void AmqpServer::deliver_to_peer(const std::string& peer, delivery::OutgoingMessage message,
                                 delivery::DeliveryDone done) {
  if (!peers_) {
    done({delivery::DeliveryResult::kNoLink, {}, "no link to peer " + peer});
    return;
  }
  peers_->send(peer, std::move(message), std::move(done));
}

Status AmqpServer::reload_tls() {
  if (!options_.tls || !listener_) return Status{"unavailable", "the listener is not running"};
  auto trust = load_trust(*options_.tls);
  if (!trust) return trust.status();
  listener_->reload_trust(*trust);
  if (peers_) peers_->reload(*trust);
  return {};
}

void AmqpServer::set_peer_link(const std::string& peer, bool on) {
  if (peers_) peers_->set_enabled(peer, on);
}

std::size_t AmqpServer::bytes_held() const {
  return listener_ ? listener_->bytes_held() : 0;
}

std::size_t AmqpServer::connections() const {
  return listener_ ? listener_->connections() : 0;
}

}  // namespace docaxis::amqp
