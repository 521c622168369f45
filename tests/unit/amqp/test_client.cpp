#include "test_client.hpp"

#include <proton/condition.h>
#include <proton/delivery.h>
#include <proton/disposition.h>

#include <proton/error_condition.hpp>
#include <proton/work_queue.hpp>

#include "amqp/raw.hpp"

namespace docaxis::amqp::test {

proton::connection_options client_options(const std::string& pki, const std::string& cert_base,
                                          bool leaf_only) {
  proton::connection_options o;
  if (cert_base.empty()) {
    o.ssl_client_options(
        proton::ssl_client_options(pki + "/trust-anchors.pem", proton::ssl::VERIFY_PEER_NAME));
    o.sasl_enabled(false);
  } else {
    o.ssl_client_options(proton::ssl_client_options(
        proton::ssl_certificate(cert_base + (leaf_only ? ".crt" : ".fullchain.pem"),
                                cert_base + ".key"),
        pki + "/trust-anchors.pem", proton::ssl::VERIFY_PEER_NAME));
    o.sasl_enabled(true);
    o.sasl_allowed_mechs("EXTERNAL");
  }
  o.virtual_host("localhost");
  return o;
}

namespace {

class OneShot : public proton::messaging_handler {
 public:
  OneShot(std::string url, proton::connection_options opts, proton::message m)
      : url_(std::move(url)), opts_(std::move(opts)), message_(std::move(m)) {}
  void on_container_start(proton::container& c) override { c.open_sender(url_, opts_); }
  void on_sendable(proton::sender& s) override {
    if (sent_) return;
    s.send(message_);
    sent_ = true;
  }
  void on_tracker_accept(proton::tracker& t) override { done(t, "accepted"); }
  void on_tracker_reject(proton::tracker& t) override {
    remote_condition(t, &result.condition, &result.description);
    done(t, "rejected");
  }
  void on_tracker_release(proton::tracker& t) override { done(t, "released"); }
  void on_sender_error(proton::sender& s) override {
    fail(s.error());
    s.connection().close();
  }
  void on_transport_error(proton::transport& t) override { fail(t.error()); }
  SendResult result;

 private:
  void done(proton::tracker& t, const char* outcome) {
    result.outcome = outcome;
    t.connection().close();
  }
  void fail(const proton::error_condition& e) {
    if (!result.outcome.empty()) return;
    result.outcome = "error";
    result.condition = e.name();
    result.description = e.description();
  }
  std::string url_;
  proton::connection_options opts_;
  proton::message message_;
  bool sent_ = false;
};

}  // namespace

SendResult send_package(int port, const std::string& pki, const std::string& cert_base,
                        const std::string& address, const std::string& bytes,
                        const std::string& content_type, const std::string& hops) {
  proton::message m;
  m.body(proton::binary(bytes));
  m.inferred(true);
  m.content_type(content_type);
  if (!hops.empty()) m.properties().put("hops", hops);
  return send_message(port, pki, cert_base, address, m);
}

SendResult send_message_leaf_only(int port, const std::string& pki, const std::string& cert_base,
                                  const std::string& address, const proton::message& message) {
  return send_message(port, pki, cert_base, address, message, true);
}

SendResult send_message(int port, const std::string& pki, const std::string& cert_base,
                        const std::string& address, const proton::message& message,
                        bool leaf_only) {
  proton::connection_options opts = client_options(pki, cert_base, leaf_only);
  OneShot h("amqps://127.0.0.1:" + std::to_string(port) + "/" + address, opts, message);
  proton::container c(h);
  try {
    c.run();
  } catch (const std::exception& e) {
    if (h.result.outcome.empty()) h.result = {"error", "exception", e.what()};
  }
  return h.result;
}

InboxClient::InboxClient(int port, std::string pki, std::string cert_base, std::string address,
                         bool reject_all, bool settle_only, int hold_credit)
    : port_(port),
      pki_(std::move(pki)),
      cert_base_(std::move(cert_base)),
      address_(std::move(address)),
      reject_all_(reject_all),
      settle_only_(settle_only),
      hold_credit_(hold_credit),
      container_(*this) {
  thread_ = std::thread([this] {
    try {
      container_.run();
    } catch (...) {
    }
  });
}

InboxClient::~InboxClient() {
  container_.stop();
  thread_.join();
}

void InboxClient::on_container_start(proton::container& c) {
  proton::connection_options opts = client_options(pki_, cert_base_);
  c.open_receiver("amqps://127.0.0.1:" + std::to_string(port_) + "/" + address_,
                  hold_credit_ > 0
                      ? proton::receiver_options().auto_accept(false).credit_window(0)
                      : proton::receiver_options().auto_accept(false),
                  opts);
}

void InboxClient::on_receiver_open(proton::receiver& r) {
  if (hold_credit_ > 0) r.add_credit(hold_credit_);
  std::lock_guard lock(mu_);
  state_ = 1;
  cv_.notify_all();
}

void InboxClient::on_receiver_error(proton::receiver& r) {
  std::lock_guard lock(mu_);
  state_ = -1;
  refused_ = true;
  error_ = r.error().name() + ": " + r.error().description();
  cv_.notify_all();
}

void InboxClient::on_connection_error(proton::connection& c) {
  std::lock_guard lock(mu_);
  if (state_ == 0) state_ = -1;
  refused_ = true;  // the server closed the connection with an error
  error_ = c.error().name() + ": " + c.error().description();
  cv_.notify_all();
}

void InboxClient::on_transport_error(proton::transport& t) {
  std::lock_guard lock(mu_);
  if (state_ == 0) state_ = -1;
  error_ = t.error().name() + ": " + t.error().description();
  cv_.notify_all();
}

void InboxClient::on_message(proton::delivery& d, proton::message& m) {
  Received r;
  r.bytes = std::string(proton::get<proton::binary>(m.body()));
  for (const char* key : {"messagetype", "document-id", "from", "hops"}) {
    if (m.properties().exists(key))
      r.properties[key] = proton::get<std::string>(m.properties().get(key));
  }
  if (hold_credit_ > 0) {
    // unanswered
  } else if (settle_only_) {
    d.settle();
  } else if (reject_all_) {
    set_local_condition(d, "recipient:refused", "not ours");
    d.reject();
  } else {
    d.accept();
  }
  std::lock_guard lock(mu_);
  received_.push_back(std::move(r));
  cv_.notify_all();
}

bool InboxClient::wait_open() {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(30), [&] { return state_ != 0; });
  return state_ == 1;
}

bool InboxClient::wait_refused() {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return refused_; });
}

bool InboxClient::wait_for(std::size_t count) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return received_.size() >= count; });
}

std::vector<InboxClient::Received> InboxClient::received() {
  std::lock_guard lock(mu_);
  return received_;
}

std::string InboxClient::error() {
  std::lock_guard lock(mu_);
  return error_;
}

}  // namespace docaxis::amqp::test
