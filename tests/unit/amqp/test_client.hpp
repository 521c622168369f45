// A minimal Proton client for the amqp tests: mutual TLS with a test-PKI certificate, send one
// package and report the outcome (with the rejection condition), or attach a receiver to an
// inbox and collect what arrives.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/message.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender.hpp>
#include <proton/ssl.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>
#include <string>
#include <thread>
#include <vector>

namespace docaxis::amqp::test {

// Certificate base path in the test PKI, e.g. "<pki>/organs/000.00.13.H30" (no extension);
// empty for a connection without a client certificate.
// leaf_only: present only the leaf certificate, not <cert_base>.fullchain.pem.
proton::connection_options client_options(const std::string& pki, const std::string& cert_base,
                                          bool leaf_only = false);

struct SendResult {
  std::string outcome;  // "accepted" | "rejected" | "released" | "error"
  std::string condition, description;
};
SendResult send_package(int port, const std::string& pki, const std::string& cert_base,
                        const std::string& address, const std::string& bytes,
                        const std::string& content_type = "application/xml",
                        const std::string& hops = "");  // application property "hops", if any
// Sends any message as it is (odd property types, an amqp-value body...).
SendResult send_message(int port, const std::string& pki, const std::string& cert_base,
                        const std::string& address, const proton::message& message,
                        bool leaf_only = false);
SendResult send_message_leaf_only(int port, const std::string& pki, const std::string& cert_base,
                                  const std::string& address, const proton::message& message);

// Attaches a receiver to `address` and keeps the connection open until destroyed.
class InboxClient : public proton::messaging_handler {
 public:
  struct Received {
    std::string bytes;
    std::map<std::string, std::string> properties;
  };
  // reject_all: answer every message with rejected (condition "recipient:refused");
  // settle_only: settle every message without an outcome; hold_credit > 0: grant only that
  // much credit, once, and answer nothing (the messages stay unsettled).
  InboxClient(int port, std::string pki, std::string cert_base, std::string address,
              bool reject_all = false, bool settle_only = false, int hold_credit = 0);
  ~InboxClient() override;
  // Waits until the link is open (true) or refused (false, with the condition in error()).
  bool wait_open();
  // Waits until the link is refused or closed by the server (a refusal arrives as an attach
  // followed at once by a detach with the error, so "open" may be seen first).
  bool wait_refused();
  bool wait_for(std::size_t count);
  std::vector<Received> received();
  std::string error();

  void on_container_start(proton::container& c) override;
  void on_receiver_open(proton::receiver&) override;
  void on_receiver_error(proton::receiver& r) override;
  void on_transport_error(proton::transport& t) override;
  void on_connection_error(proton::connection& c) override;
  void on_message(proton::delivery& d, proton::message& m) override;

 private:
  int port_;
  std::string pki_, cert_base_, address_;
  bool reject_all_;
  bool settle_only_;
  int hold_credit_;
  proton::container container_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  int state_ = 0;  // 0 pending, 1 open, -1 refused
  bool refused_ = false;
  std::string error_;
  std::vector<Received> received_;
  proton::connection connection_;
};

}  // namespace docaxis::amqp::test
