#include "hostile_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <proton/delivery.h>
#include <proton/link.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <proton/connection.hpp>
#include <proton/error_condition.hpp>
#include <proton/receiver.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender.hpp>
#include <proton/sender_options.hpp>
#include <proton/session.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>

#include "amqp/raw.hpp"
#include "test_client.hpp"

namespace docaxis::test {

namespace amqp_enc {
namespace {
std::string u32(std::uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<char>(v >> (24 - 8 * i));
  return out;
}
// Variable-width types: the one-byte-length code below 256 bytes, else the four-byte one.
std::string variable(unsigned char code8, unsigned char code32, const std::string& bytes) {
  if (bytes.size() < 256) {
    return std::string(1, static_cast<char>(code8)) +
           std::string(1, static_cast<char>(bytes.size())) + bytes;
  }
  return std::string(1, static_cast<char>(code32)) + u32(static_cast<std::uint32_t>(bytes.size())) +
         bytes;
}
// list32/map32: size (bytes after the size field) and count, then the items.
std::string compound(unsigned char code, std::size_t count, const std::string& items) {
  return std::string(1, static_cast<char>(code)) +
         u32(static_cast<std::uint32_t>(4 + items.size())) +
         u32(static_cast<std::uint32_t>(count)) + items;
}
std::string described(unsigned char code, const std::string& value) {
  return std::string("\x00\x53", 2) + std::string(1, static_cast<char>(code)) + value;
}
}  // namespace

std::string null() { return std::string(1, '\x40'); }
std::string i32(std::int32_t v) { return "\x71" + u32(static_cast<std::uint32_t>(v)); }
std::string str(const std::string& utf8) { return variable(0xa1, 0xb1, utf8); }
std::string sym(const std::string& ascii) { return variable(0xa3, 0xb3, ascii); }
std::string bin(const std::string& bytes) { return variable(0xa0, 0xb0, bytes); }
std::string list(const std::vector<std::string>& items) {
  std::string all;
  for (const auto& i : items) all += i;
  return compound(0xd0, items.size(), all);
}
std::string map(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string all;
  for (const auto& [k, v] : pairs) all += k + v;
  return compound(0xd1, 2 * pairs.size(), all);
}
std::string properties(const std::string& content_type) {
  // message-id, user-id, to, subject, reply-to, correlation-id, then content-type.
  std::vector<std::string> fields(6, null());
  fields.push_back(sym(content_type));
  return described(0x73, list(fields));
}
std::string application_properties(const std::vector<std::pair<std::string, std::string>>& pairs) {
  return described(0x74, map(pairs));
}
std::string data(const std::string& bytes) { return described(0x75, bin(bytes)); }
std::string amqp_sequence(const std::vector<std::string>& items) {
  return described(0x76, list(items));
}
std::string amqp_value(const std::string& value) { return described(0x77, value); }
}  // namespace amqp_enc

std::string package_message(const std::string& package, const std::string& encoded_hops) {
  using namespace amqp_enc;
  std::string m = properties("application/xml");
  if (!encoded_hops.empty()) m += application_properties({{str("hops"), encoded_hops}});
  return m + data(package);
}

namespace {

struct RawLink : proton::sender {
  static pn_link_t* of(const proton::sender& s) {
    pn_link_t* (proton::sender::*get)() const = &RawLink::pn_object;
    return (s.*get)();
  }
};

std::string tail(const std::string& log, std::size_t n = 4000) {
  return log.size() <= n ? log : "..." + log.substr(log.size() - n);
}

class RawSender : public proton::messaging_handler {
 public:
  RawSender(std::string url, proton::connection_options options, const std::string& bytes)
      : url_(std::move(url)), options_(std::move(options)), bytes_(bytes) {}

  void on_container_start(proton::container& c) override {
    c.open_sender(url_, proton::sender_options(), options_);
  }
  void on_sendable(proton::sender& s) override {
    if (sent_) return;
    sent_ = true;
    pn_link_t* link = RawLink::of(s);
    pn_delivery(link, pn_dtag("raw-0", 5));
    pn_link_send(link, bytes_.data(), bytes_.size());
    pn_link_advance(link);
  }
  void on_tracker_accept(proton::tracker& t) override { done(t.connection(), {"accepted"}); }
  void on_tracker_reject(proton::tracker& t) override {
    RawOutcome o{"rejected", {}, {}};
    amqp::remote_condition(t, &o.condition, &o.description);
    done(t.connection(), o);
  }
  void on_tracker_release(proton::tracker& t) override {
    done(t.connection(),
         {t.state() == proton::transfer::MODIFIED ? "modified" : "released", {}, {}});
  }
  void on_sender_error(proton::sender& s) override {
    done(s.connection(), with("link-error", s.error()));
  }
  void on_sender_close(proton::sender& s) override { done(s.connection(), {"link-closed"}); }
  void on_session_error(proton::session& s) override {
    done(s.connection(), with("link-error", s.error()));
  }
  void on_connection_error(proton::connection& c) override {
    done(c, with("connection-error", c.error()));
  }
  void on_connection_close(proton::connection& c) override { done(c, {"connection-closed"}); }
  void on_transport_error(proton::transport& t) override {
    record(with("transport-error", t.error()));
  }
  void on_transport_close(proton::transport&) override { record({"transport-closed"}); }
  void on_error(const proton::error_condition& e) override { record(with("error", e)); }

  void record(const RawOutcome& o) {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
    result_ = o;
    cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return finished_; });
  }
  RawOutcome result() {
    std::lock_guard lock(mu_);
    return finished_ ? result_ : RawOutcome{"timeout", {}, {}};
  }

 private:
  static RawOutcome with(const char* what, const proton::error_condition& e) {
    return {what, e.name(), e.description()};
  }
  void done(proton::connection c, const RawOutcome& o) {
    record(o);
    if (c.active()) c.close();
  }
  std::string url_;
  proton::connection_options options_;
  const std::string& bytes_;
  bool sent_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool finished_ = false;
  RawOutcome result_;
};

}  // namespace

RawOutcome send_raw(int port, const proton::connection_options& options, const std::string& address,
                    const std::string& encoded, std::chrono::milliseconds timeout) {
  RawSender h("amqps://127.0.0.1:" + std::to_string(port) + "/" + address, options, encoded);
  proton::container c(h);
  std::mutex mu;
  std::condition_variable cv;
  bool ran = false;
  std::thread runner([&] {
    try {
      c.run();
    } catch (const std::exception& e) {
      h.record({"transport-error", "exception", e.what()});
    }
    std::lock_guard lock(mu);
    ran = true;
    cv.notify_all();
  });
  if (!h.wait(timeout)) h.record({"timeout"});
  {
    // After the outcome the connection closes; a hub that never answers the close is cut off.
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, 2s, [&] { return ran; })) c.stop();
  }
  runner.join();
  return h.result();
}

proton::connection_options tls_options(const std::string& cert_base) {
  return amqp::test::client_options(kPki, cert_base);
}

LinkWatcher::LinkWatcher(int port, proton::connection_options options, std::string address)
    : port_(port), options_(std::move(options)), address_(std::move(address)), container_(*this) {
  thread_ = std::thread([this] {
    try {
      container_.run();
    } catch (const std::exception& e) {
      closed(std::string("container: ") + e.what());
    }
  });
}

LinkWatcher::~LinkWatcher() {
  container_.stop();
  thread_.join();
}

void LinkWatcher::on_container_start(proton::container& c) {
  // No credit: the watcher only looks at the link, it never takes a message away.
  c.open_receiver("amqps://127.0.0.1:" + std::to_string(port_) + "/" + address_,
                  proton::receiver_options().credit_window(0).auto_accept(false), options_);
}
void LinkWatcher::on_receiver_open(proton::receiver&) {
  std::lock_guard lock(mu_);
  opened_ = true;
  cv_.notify_all();
}
void LinkWatcher::on_receiver_close(proton::receiver& r) {
  closed("link closed " + r.error().name() + " " + r.error().description());
}
void LinkWatcher::on_receiver_error(proton::receiver& r) {
  closed("link error " + r.error().name() + " " + r.error().description());
}
void LinkWatcher::on_session_error(proton::session& s) {
  closed("session error " + s.error().name() + " " + s.error().description());
}
void LinkWatcher::on_connection_close(proton::connection& c) {
  closed("connection closed " + c.error().name() + " " + c.error().description());
}
void LinkWatcher::on_connection_error(proton::connection& c) {
  closed("connection error " + c.error().name() + " " + c.error().description());
}
void LinkWatcher::on_transport_close(proton::transport& t) {
  closed("transport closed " + t.error().name() + " " + t.error().description());
}
void LinkWatcher::on_transport_error(proton::transport& t) {
  closed("transport error " + t.error().name() + " " + t.error().description());
}
void LinkWatcher::on_error(const proton::error_condition& e) { closed("error " + e.what()); }

void LinkWatcher::closed(const std::string& why) {
  std::lock_guard lock(mu_);
  if (!closed_) error_ = why;
  closed_ = true;
  cv_.notify_all();
}
bool LinkWatcher::wait_open(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return opened_ || closed_; });
  return opened_ && !closed_;
}
bool LinkWatcher::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return closed_; });
}
bool LinkWatcher::opened() {
  std::lock_guard lock(mu_);
  return opened_;
}
std::string LinkWatcher::error() {
  std::lock_guard lock(mu_);
  return error_;
}

int tcp_connect_from(const std::string& source_ip, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in src{};
  src.sin_family = AF_INET;
  ::inet_pton(AF_INET, source_ip.c_str(), &src.sin_addr);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  dst.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      (::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 && errno != EINPROGRESS)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool wait_connected(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
  int err = 0;
  socklen_t len = sizeof err;
  return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
}

bool closed_by_peer(int fd) {
  // Whatever the hub wrote before closing (a TLS alert, say) is read and dropped.
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return true;
    if (n > 0) continue;
    return errno == ECONNRESET || errno == EPIPE;
  }
}

bool wait_closed_by_peer(int fd, Clock::time_point deadline) {
  for (;;) {
    if (closed_by_peer(fd)) return true;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN | POLLRDHUP, 0};
    ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 100)));
  }
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::string hub_config(const fs::path& dir, const HubConfig& add) {
  std::string c = default_config(dir);
  const std::size_t line = c.find("client_ca_files = [");
  c.insert(c.find('\n', line) + 1, add.listener_tls);
  if (!add.limits.empty()) c += "[limits]\n" + add.limits;
  return c + add.extra;
}

std::string hub_cert(const std::string& name) { return kPki + "/hubs/" + name; }

std::string peer_hub(const std::string& name) {
  return "[[peers]]\nname = \"" + name +
         "\"\nurl = \"amqps://127.0.0.1:" + std::to_string(free_port()) +
         "\"\ncert_subject = \"CN=docaxis hub " + name +
         ",O=docaxis test PKI,C=VN\"\nrelay_for = [\"*\"]\n";
}

long long peak_rss_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
  }
  return -1;
}

int run_command(const std::string& command, std::string* output) {
  output->clear();
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

::testing::AssertionResult hub_is_alive(TestHub& hub, int port) {
  if (hub.exited()) {
    return ::testing::AssertionFailure() << "the hub process is gone\n" << tail(hub.log());
  }
  static const std::string good = read(kFixtures + "/good-rsa.edxml");
  const RawOutcome r =
      send_raw(port, tls_options(organ("000.00.13.H30")), "edoc", package_message(good));
  if (r.outcome != "accepted") {
    return ::testing::AssertionFailure()
           << "liveness probe: a valid signed package got " << r.text() << "\n"
           << tail(hub.log());
  }
  if (hub.exited()) {
    return ::testing::AssertionFailure() << "the hub exited after the probe\n" << tail(hub.log());
  }
  return ::testing::AssertionSuccess();
}

}  // namespace docaxis::test
