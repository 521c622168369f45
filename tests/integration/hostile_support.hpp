// What the hostile-client tests share: hand-encoded AMQP messages (for the bytes a well-behaved
// client library never sends), a sender of raw encoded messages, a watcher of one attached
// link, plain TCP sockets that say nothing, the hub configuration with extra tables, and the
// liveness probe every test ends with.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/messaging_handler.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hub_fixture.hpp"

namespace docaxis::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// --- AMQP 1.0 encoding (section 1.6 of the spec), enough to build any message by hand ---
namespace amqp_enc {
std::string null();
std::string i32(std::int32_t v);
std::string str(const std::string& utf8);  // str8/str32; the bytes are not checked
std::string sym(const std::string& ascii);
std::string bin(const std::string& bytes);
std::string list(const std::vector<std::string>& encoded_items);
std::string map(const std::vector<std::pair<std::string, std::string>>& encoded_pairs);
// Message sections: a described type 0x00 0x53 <code> followed by its value.
std::string properties(const std::string& content_type);  // 0x73, only content-type set
std::string application_properties(
    const std::vector<std::pair<std::string, std::string>>& encoded_pairs);  // 0x74
std::string data(const std::string& bytes);                                  // 0x75
std::string amqp_sequence(const std::vector<std::string>& encoded_items);    // 0x76
std::string amqp_value(const std::string& encoded_value);                    // 0x77
}  // namespace amqp_enc

// A package message as a client sends it: content-type application/xml, one data section,
// and a "hops" application property with the given encoded value when it is not empty.
std::string package_message(const std::string& package, const std::string& encoded_hops = {});

// What became of one raw message.
struct RawOutcome {
  // accepted | rejected | released | modified | link-error | link-closed | connection-error |
  // connection-closed | transport-error | transport-closed | timeout
  std::string outcome{};
  std::string condition{}, description{};
  std::string text() const { return outcome + " " + condition + " " + description; }
};

// Opens a fresh connection to amqps://127.0.0.1:<port>/<address>, sends `encoded` as the bytes
// of one delivery (whatever they are) and waits for its outcome or the end of the link.
RawOutcome send_raw(int port, const proton::connection_options& options, const std::string& address,
                    const std::string& encoded, std::chrono::milliseconds timeout = 10s);

// Client options of test_client.hpp for a certificate base path (<base>.fullchain.pem, .key).
proton::connection_options tls_options(const std::string& cert_base);

// A receiver link attached to `address` on its own connection, watched until destroyed.
class LinkWatcher : public proton::messaging_handler {
 public:
  LinkWatcher(int port, proton::connection_options options, std::string address);
  ~LinkWatcher() override;
  bool wait_open(std::chrono::milliseconds timeout);    // the hub attached the link
  bool wait_closed(std::chrono::milliseconds timeout);  // link, connection or transport ended
  bool opened();
  std::string error();

  void on_container_start(proton::container& c) override;
  void on_receiver_open(proton::receiver&) override;
  void on_receiver_close(proton::receiver& r) override;
  void on_receiver_error(proton::receiver& r) override;
  void on_session_error(proton::session& s) override;
  void on_connection_close(proton::connection& c) override;
  void on_connection_error(proton::connection& c) override;
  void on_transport_close(proton::transport& t) override;
  void on_transport_error(proton::transport& t) override;
  void on_error(const proton::error_condition& e) override;

 private:
  void closed(const std::string& why);
  int port_;
  proton::connection_options options_;
  std::string address_;
  proton::container container_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool opened_ = false, closed_ = false;
  std::string error_;
};

// --- plain TCP ---
// A non-blocking TCP connection from `source_ip` (any 127.x address works on Linux loopback)
// to 127.0.0.1:<port>; -1 when the socket cannot even be created.
int tcp_connect_from(const std::string& source_ip, int port);
// Waits until a non-blocking connect completes; false on error or timeout.
bool wait_connected(int fd, std::chrono::milliseconds timeout);
// True when the hub has closed the connection (EOF or reset); never blocks.
bool closed_by_peer(int fd);
// Polls until closed_by_peer or the deadline.
bool wait_closed_by_peer(int fd, Clock::time_point deadline);
int free_port();

// --- the hub ---
struct HubConfig {
  std::string listener_tls{};  // lines added to [listener.tls]
  std::string limits{};        // lines of a [limits] table
  std::string extra{};         // appended as is ([[peers]], [[endpoints]], ...)
};
// The configuration TestHub writes for `dir`, with these additions.
std::string hub_config(const fs::path& dir, const HubConfig& add);
// A [[peers]] entry for the test PKI's hub `name` (its certificate subject), relaying for
// everyone, whose URL is a closed port: the hub knows it as a peer and never reaches it.
std::string peer_hub(const std::string& name);
std::string hub_cert(const std::string& name);  // certificate base path of a test-PKI hub
// VmHWM (peak resident set) of a process in bytes, from /proc/<pid>/status; -1 if unknown.
long long peak_rss_bytes(pid_t pid);
// Runs a shell command, returns its exit status (-1 if it did not exit) and its output.
int run_command(const std::string& command, std::string* output);

// The liveness probe: the hub process is running and a fresh connection sends a valid signed
// package to `edoc` that is accepted.
::testing::AssertionResult hub_is_alive(TestHub& hub, int port);

}  // namespace docaxis::test
