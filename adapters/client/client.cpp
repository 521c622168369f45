// The public side of the Client: option checks, the thread, and the methods any thread may
// call. They only touch the shared state under mu_ and wake the container thread (kick()).
#include "client/client.hpp"

#include <future>
#include <proton/ssl.hpp>
#include <proton/work_queue.hpp>

#include "client/client_impl.hpp"
#include "tls/proton_domain.hpp"

#include <stdexcept>

namespace docaxis::client {

const char* address_name(Address a) { return a == Address::kStatus ? "status" : "edoc"; }

Result<std::unique_ptr<Client>> Client::create(ClientOptions options) {
  if (Status s = detail::validate(options); !s.ok()) return s;
  auto urls = detail::parse_urls(options);
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>(std::move(options), std::move(urls).value());
  } catch (const std::exception& e) {
    // Proton reads the TLS files when the options are made.
    return Status{"invalid-argument", std::string("TLS setup failed: ") + e.what()};
  }
  impl->start();
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() { impl_->close(std::chrono::milliseconds(2000)); }

Status Client::wait_connected(std::chrono::milliseconds wait) { return impl_->wait_connected(wait); }
bool Client::connected() const { return impl_->connected(); }

void Client::send_async(Address address, std::string bytes, SendCallback done,
                        std::chrono::milliseconds timeout) {
  impl_->send_async(address, std::move(bytes), std::move(done), timeout);
}

SendResult Client::send(Address address, std::string bytes, std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<SendResult>>();
  auto future = promise->get_future();
  send_async(
      address, std::move(bytes), [promise](SendResult r) { promise->set_value(std::move(r)); },
      timeout);
  return future.get();
}

Result<Received> Client::receive(std::chrono::milliseconds wait) { return impl_->receive(wait); }
Status Client::accept(std::uint64_t token) {
  return impl_->settle(token, Impl::Settle::kAccept, {}, {});
}
Status Client::reject(std::uint64_t token, const std::string& description,
                      const std::string& condition) {
  return impl_->settle(token, Impl::Settle::kReject, condition, description);
}
Status Client::release(std::uint64_t token) {
  return impl_->settle(token, Impl::Settle::kRelease, {}, {});
}
void Client::close(std::chrono::milliseconds wait) { impl_->close(wait); }
ClientStats Client::stats() const { return impl_->stats(); }
std::string Client::last_error() const { return impl_->last_error(); }
std::string Client::connected_url() const { return impl_->connected_url(); }

// ---------------------------------------------------------------- Impl, shared side

Client::Impl::Impl(ClientOptions options, std::vector<detail::ParsedUrl> urls)
    : options_(std::move(options)), urls_(std::move(urls)), container_(*this) {
  proton::ssl_client_options ssl(proton::ssl_certificate(options_.cert_file, options_.key_file),
                                 options_.trust_file, proton::ssl::VERIFY_PEER_NAME);
  // Trust exactly the trust file: Proton also loads the OS CA store, which docaxis drops.
  auto trust = tls::TlsTrust::load(tls::TrustFiles{{options_.trust_file}, {}, {}});
  if (!trust) throw std::runtime_error(trust.status().to_string());
  auto context = tls::ContextTrust::install(tls::ssl_ctx_of(ssl), *trust);
  if (!context) throw std::runtime_error(context.status().to_string());
  tls_context_ = std::move(*context);
  connection_options_.ssl_client_options(ssl);
  // The identity is the certificate: SASL EXTERNAL, as the hub requires.
  connection_options_.sasl_enabled(true);
  connection_options_.sasl_allowed_mechs("EXTERNAL");
  // virtual_host (the SNI and the name checked): set per address by connect().
  if (options_.idle_timeout.count() > 0) {
    connection_options_.idle_timeout(proton::duration(options_.idle_timeout.count()));
  }
  // Reconnects are ours (backoff with jitter, and we must know when a connection is lost).
  container_.auto_stop(false);
}

Client::Impl::~Impl() { close(std::chrono::milliseconds(0)); }

void Client::Impl::start() {
  thread_ = std::thread([this] {
    try {
      container_.run();
    } catch (const std::exception& e) {
      // A Proton failure outside any callback's own handling: the client is dead; close()
      // still ends every waiting send.
      std::lock_guard lock(mu_);
      last_error_ = std::string("client thread failed: ") + e.what();
    }
    std::lock_guard lock(mu_);
    stopped_ = true;
    connected_ = false;
    cv_.notify_all();
  });
}

void Client::Impl::kick() {
  // Caller holds mu_.
  if (closing_ || stopped_ || kick_pending_) return;
  kick_pending_ = true;
  container_.schedule(proton::duration::IMMEDIATE, proton::work([this] { kick_on_container(); }));
}

Status Client::Impl::wait_connected(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [&] { return connected_ || closing_ || stopped_; });
  if (connected_) return {};
  if (closing_ || stopped_) return {"cancelled", "the client is closed"};
  return {"unavailable", "not connected to " + options_.url + " after " +
                             std::to_string(wait.count()) + " ms" +
                             (last_error_.empty() ? "" : ": " + last_error_)};
}

bool Client::Impl::connected() const {
  std::lock_guard lock(mu_);
  return connected_;
}

void Client::Impl::send_async(Address address, std::string bytes, SendCallback done,
                              std::chrono::milliseconds timeout) {
  if (bytes.empty()) {
    done({Status{"invalid-argument", "an empty package cannot be sent"}, {}, 0});
    return;
  }
  std::unique_lock lock(mu_);
  if (closing_ || stopped_) {
    lock.unlock();
    done({Status{"cancelled", "the client is closed"}, {}, 0});
    return;
  }
  Item item;
  item.id = next_id_++;
  item.address = address;
  item.bytes = std::move(bytes);
  item.done = std::move(done);
  const auto now = Clock::now();
  item.deadline = now + (timeout.count() > 0 ? timeout : options_.outcome_timeout);
  item.next_attempt = now;
  incoming_.push_back(std::move(item));
  kick();
}

Result<Received> Client::Impl::receive(std::chrono::milliseconds wait) {
  if (options_.inbox.empty()) {
    return Status{"invalid-argument", "no inbox configured (ClientOptions::inbox)"};
  }
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait,
               [&] { return !inbox_.empty() || inbox_error_ || closing_ || stopped_; });
  if (!inbox_.empty()) {
    Received r = std::move(inbox_.front());
    inbox_.pop_front();
    return r;
  }
  if (inbox_error_) return *inbox_error_;
  if (closing_ || stopped_) return Status{"cancelled", "the client is closed"};
  return Status{"timeout", "nothing arrived in inbox/" + options_.inbox + " within " +
                               std::to_string(wait.count()) + " ms"};
}

Status Client::Impl::settle(std::uint64_t token, Settle how, std::string condition,
                            std::string description) {
  std::lock_guard lock(mu_);
  if (closing_ || stopped_) {
    return {"cancelled", "the client is closed; the hub will deliver the message again"};
  }
  if (settleable_.erase(token) == 0) {
    if ((token >> 32) != generation_) {
      return {"unavailable", "the connection that carried message " + std::to_string(token) +
                                 " is gone; the hub will deliver it again"};
    }
    return {"not-found", "no unsettled message with token " + std::to_string(token)};
  }
  switch (how) {
    case Settle::kAccept: ++stats_.settled_accept; break;
    case Settle::kReject: ++stats_.settled_reject; break;
    case Settle::kRelease: ++stats_.settled_release; break;
  }
  settles_.push_back({token, how, std::move(condition), std::move(description)});
  kick();
  return {};
}

void Client::Impl::close(std::chrono::milliseconds wait) {
  std::lock_guard serial(close_mu_);
  {
    std::unique_lock lock(mu_);
    if (!closing_ && !stopped_) {
      closing_ = true;
      stopping_ = true;
      // Settlements already made go out before the close frame: the connection's work
      // queue runs them first (take_commands), then closes.
      container_.schedule(proton::duration::IMMEDIATE, proton::work([this] {
                            closing_connection_ = true;
                            if (open_) {
                              conn_.work_queue().add(proton::work([this] {
                                take_commands();
                                conn_.close();
                              }));
                            } else {
                              std::lock_guard l(mu_);
                              transport_closed_ = true;
                              cv_.notify_all();
                            }
                          }));
      cv_.wait_for(lock, wait, [&] { return transport_closed_ || stopped_; });
    }
  }
  container_.stop();
  if (thread_.joinable()) thread_.join();
  // The container thread has ended: its state is ours now. End every waiting send.
  std::vector<SendCallback> cancelled;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    connected_ = false;
    for (auto& item : incoming_) cancelled.push_back(std::move(item.done));
    incoming_.clear();
    cv_.notify_all();
  }
  for (auto& [id, item] : items_) cancelled.push_back(std::move(item.done));
  // Proton handles are let go here, before the container itself is destroyed.
  items_.clear();
  trackers_.clear();
  live_.clear();
  edoc_sender_.reset();
  status_sender_.reset();
  receiver_.reset();
  conn_ = proton::connection();
  for (auto& done : cancelled) {
    if (done) done({Status{"cancelled", "the client was closed before an outcome"}, {}, 0});
  }
}

ClientStats Client::Impl::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::string Client::Impl::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

std::string Client::Impl::connected_url() const {
  std::lock_guard lock(mu_);
  return connected_url_;
}

}  // namespace docaxis::client
