// The transport of the test client (vxp_client.hpp): one request over a new TCP connection,
// plain or TLS (OpenSSL, chain and host name verified), `Expect: 100-continue`, responses framed
// by Content-Length, chunked or the end of the connection, bounded; every wait has a deadline.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "vxp_client.hpp"

namespace docaxis::test::vxp {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxHead = 64 * 1024;

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lc = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lc(a[i]) != lc(b[i])) return false;
  }
  return true;
}

std::string openssl_errors() {
  std::string out;
  unsigned long e = 0;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no OpenSSL error queued" : out;
}

void ignore_sigpipe_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction old {};
    if (sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) {
      std::signal(SIGPIPE, SIG_IGN);
    }
  });
}

// A verifying client context (TLS >= 1.2, the CA file as the only trust).
Result<SSL_CTX*> client_context(const std::string& ca_file) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return Status("tls-failed", "SSL_CTX_new: " + openssl_errors());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (ca_file.empty() || SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
    SSL_CTX_free(ctx);
    return Status("tls-failed", "CA file '" + ca_file + "' not loaded: " + openssl_errors());
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
  return ctx;
}

}  // namespace

struct TlsSessionCache::Impl {
  static constexpr std::size_t kPerEndpoint = 64;
  std::mutex mu;
  SSL_CTX* ctx = nullptr;
  std::string ca_file;
  std::map<std::string, std::vector<SSL_SESSION*>> sessions;  // newest last

  ~Impl() {
    for (auto& [key, list] : sessions)
      for (SSL_SESSION* s : list) SSL_SESSION_free(s);
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }
  // The shared context (made on first use, for one CA file); a reference the caller frees.
  Result<SSL_CTX*> context(const std::string& ca) {
    std::lock_guard lock(mu);
    if (ctx == nullptr) {
      auto made = client_context(ca);
      if (!made) return made.status();
      ctx = *made;
      ca_file = ca;
    } else if (ca != ca_file) {
      return Status("tls-failed", "a TLS session cache serves one CA file, not '" + ca + "'");
    }
    SSL_CTX_up_ref(ctx);
    return ctx;
  }
  SSL_SESSION* take(const std::string& key) {
    std::lock_guard lock(mu);
    auto it = sessions.find(key);
    if (it == sessions.end() || it->second.empty()) return nullptr;
    SSL_SESSION* s = it->second.back();
    it->second.pop_back();
    return s;
  }
  void put(const std::string& key, SSL_SESSION* s) {
    std::lock_guard lock(mu);
    auto& list = sessions[key];
    if (list.size() >= kPerEndpoint) {
      SSL_SESSION_free(list.front());
      list.erase(list.begin());
    }
    list.push_back(s);
  }
};

namespace {

// One connection; every operation waits at most until the deadline it is given.
class Conn {
 public:
  explicit Conn(const Endpoint& ep) : ep_(ep) {}
  ~Conn() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  Clock::time_point io_deadline(Clock::time_point request_end) const {
    return std::min(Clock::now() + ep_.io_timeout, request_end);
  }

  Status connect() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string port = std::to_string(ep_.port);
    if (int rc = ::getaddrinfo(ep_.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
      return Status("connect-failed", ep_.host + ": " + ::gai_strerror(rc));
    }
    std::string why = "no address";
    const auto end = Clock::now() + ep_.connect_timeout;
    for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
      int fd =
          ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
      if (rc != 0 && errno == EINPROGRESS) {
        fd_ = fd;
        Status w = wait(POLLOUT, end, "connect");
        fd_ = -1;
        int err = 0;
        socklen_t len = sizeof err;
        if (!w.ok()) {
          why = w.message();
          rc = -1;
          err = ETIMEDOUT;
        } else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
          rc = -1;
          why = std::strerror(err);
        } else {
          rc = 0;
        }
      } else if (rc != 0) {
        why = std::strerror(errno);
      }
      if (rc == 0) {
        fd_ = fd;
        break;
      }
      ::close(fd);
    }
    ::freeaddrinfo(res);
    if (fd_ < 0) {
      return Status("connect-failed", ep_.host + ":" + port + ": " + why);
    }
    return ep_.https ? handshake(end) : Status();
  }

  Status write_all(std::string_view data, Clock::time_point request_end) {
    while (!data.empty()) {
      const auto deadline = io_deadline(request_end);
      if (ssl_ != nullptr) {
        ERR_clear_error();
        const int n = SSL_write(ssl_, data.data(),
                                static_cast<int>(std::min<std::size_t>(data.size(), 1 << 20)));
        if (n > 0) {
          data.remove_prefix(static_cast<std::size_t>(n));
          continue;
        }
        const int e = SSL_get_error(ssl_, n);
        if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
          if (Status s = wait(e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, deadline, "write");
              !s.ok())
            return s;
          continue;
        }
        return Status("io-failed",
                      "TLS write: " + std::string(std::strerror(errno)) + " / " + openssl_errors());
      }
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (Status s = wait(POLLOUT, deadline, "write"); !s.ok()) return s;
      } else if (n < 0 && errno != EINTR) {
        return Status("io-failed", std::string("write: ") + std::strerror(errno));
      }
    }
    return Status();
  }

  // Some bytes appended to `out`; 0 at the end of the stream. Code timeout at `deadline`.
  Result<std::size_t> read_some(std::string& out, Clock::time_point deadline) {
    char buf[16384];
    for (;;) {
      if (ssl_ != nullptr) {
        ERR_clear_error();
        const int n = SSL_read(ssl_, buf, sizeof buf);
        if (n > 0) {
          out.append(buf, static_cast<std::size_t>(n));
          return static_cast<std::size_t>(n);
        }
        const int e = SSL_get_error(ssl_, n);
        if (e == SSL_ERROR_ZERO_RETURN) return std::size_t{0};
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
          if (Status s = wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, "read");
              !s.ok())
            return s;
          continue;
        }
        if (e == SSL_ERROR_SYSCALL && (errno == 0 || errno == ECONNRESET)) return std::size_t{0};
        return Status("io-failed", "TLS read: " + openssl_errors());
      }
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
        return static_cast<std::size_t>(n);
      }
      if (n == 0) return std::size_t{0};
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (Status s = wait(POLLIN, deadline, "read"); !s.ok()) return s;
      } else if (errno == ECONNRESET) {
        return std::size_t{0};
      } else if (errno != EINTR) {
        return Status("io-failed", std::string("read: ") + std::strerror(errno));
      }
    }
  }

 private:
  Status wait(short events, Clock::time_point deadline, const char* what) {
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0)
        return Status("timeout", std::string(what) + ": no progress before the deadline");
      pollfd p{fd_, events, 0};
      const int rc =
          ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count() + 1, 1 << 30)));
      if (rc > 0) return Status();
      if (rc < 0 && errno != EINTR)
        return Status("io-failed", std::string("poll: ") + std::strerror(errno));
    }
  }

  Status handshake(Clock::time_point end) {
    auto ctx = ep_.tls_sessions ? ep_.tls_sessions->impl().context(ep_.ca_file)
                                : client_context(ep_.ca_file);
    if (!ctx) return ctx.status();
    ctx_ = *ctx;
    ssl_ = SSL_new(ctx_);
    if (ssl_ == nullptr) return Status("tls-failed", "SSL_new: " + openssl_errors());
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    const std::string name = ep_.server_name.empty() ? ep_.host : ep_.server_name;
    if (ep_.tls_sessions) {
      session_key_ = ep_.host + ":" + std::to_string(ep_.port) + "/" + name;
      if (SSL_SESSION* s = ep_.tls_sessions->impl().take(session_key_)) {
        SSL_set_session(ssl_, s);
        SSL_SESSION_free(s);
      }
    }
    in6_addr a6{};
    in_addr a4{};
    const bool is_ip = ::inet_pton(AF_INET, name.c_str(), &a4) == 1 ||
                       ::inet_pton(AF_INET6, name.c_str(), &a6) == 1;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    if (is_ip) {
      if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1)
        return Status("tls-failed", "bad IP " + name);
    } else {
      SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(name.c_str()));  // SSL_set_tlsext_host_name
      if (SSL_set1_host(ssl_, name.c_str()) != 1)
        return Status("tls-failed", "bad host name " + name);
    }
    SSL_set_fd(ssl_, fd_);
    for (;;) {
      ERR_clear_error();
      const int rc = SSL_connect(ssl_);
      if (rc == 1) break;
      const int e = SSL_get_error(ssl_, rc);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        if (Status s = wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, end, "TLS handshake");
            !s.ok())
          return s;
        continue;
      }
      const long v = SSL_get_verify_result(ssl_);
      return Status(
          "tls-failed",
          "handshake with " + name + ": " +
              (v != X509_V_OK ? std::string(X509_verify_cert_error_string(v)) + "; " : "") +
              openssl_errors());
    }
    if (SSL_get_verify_result(ssl_) != X509_V_OK) {
      return Status("tls-failed", X509_verify_cert_error_string(SSL_get_verify_result(ssl_)));
    }
    resumed_ = SSL_session_reused(ssl_) == 1;
    return Status();
  }

 public:
  bool resumed() const { return resumed_; }
  // After a complete exchange: close_notify (a connection left without it makes its session
  // unusable), and the session kept for the next connection when there is a cache.
  void finish() {
    if (ssl_ == nullptr) return;
    ERR_clear_error();
    (void)SSL_shutdown(ssl_);
    ERR_clear_error();
    if (!ep_.tls_sessions) return;
    SSL_SESSION* s = SSL_get1_session(ssl_);
    if (s != nullptr && SSL_SESSION_is_resumable(s) == 1) {
      ep_.tls_sessions->impl().put(session_key_, s);
    } else if (s != nullptr) {
      SSL_SESSION_free(s);
    }
  }

 private:

  const Endpoint& ep_;
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string session_key_;
  bool resumed_ = false;
};

struct Head {
  int status = 0;
  std::string reason;
  HeaderList headers;
};

// Parses a complete head (up to and including the blank line) from the front of `in`.
Result<Head> parse_head(std::string_view head) {
  Head h;
  std::size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') {
    return Status("bad-response", "status line '" + std::string(line.substr(0, 80)) + "'");
  }
  const std::string_view code = line.substr(9, 3);
  for (char c : code) {
    if (c < '0' || c > '9')
      return Status("bad-response", "status line '" + std::string(line) + "'");
  }
  h.status = std::stoi(std::string(code));
  h.reason = std::string(line.size() > 13 ? line.substr(13) : "");
  std::size_t pos = eol + 2;
  while (pos < head.size()) {
    eol = head.find("\r\n", pos);
    const std::string_view l = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (l.empty()) break;
    const std::size_t colon = l.find(':');
    if (colon == std::string_view::npos)
      return Status("bad-response", "header line '" + std::string(l) + "'");
    std::string_view v = l.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    h.headers.emplace_back(std::string(l.substr(0, colon)), std::string(v));
  }
  return h;
}

const std::string* find_header(const HeaderList& hs, std::string_view name) {
  for (const auto& [n, v] : hs) {
    if (iequal(n, name)) return &v;
  }
  return nullptr;
}

class Reader {
 public:
  Reader(Conn& c, const Endpoint& ep, Clock::time_point end) : c_(c), ep_(ep), end_(end) {}

  std::string& buffer() { return in_; }

  // The next head; `deadline` for its first byte (later bytes: the io deadline).
  Result<Head> head(std::optional<Clock::time_point> first_byte_deadline = std::nullopt) {
    for (;;) {
      if (const std::size_t p = in_.find("\r\n\r\n"); p != std::string::npos) {
        auto h = parse_head(std::string_view(in_).substr(0, p + 4));
        in_.erase(0, p + 4);
        return h;
      }
      if (in_.size() > kMaxHead) return Status("bad-response", "response head over 64 KiB");
      const auto deadline =
          in_.empty() && first_byte_deadline ? *first_byte_deadline : c_.io_deadline(end_);
      auto n = c_.read_some(in_, deadline);
      if (!n.ok()) return n.status();
      if (*n == 0) {
        return Status("bad-response", in_.empty()
                                          ? "the server closed the connection without an answer"
                                          : "the connection ended inside the response head");
      }
    }
  }

  Status body(const std::string& method, const Head& h, std::string& out) {
    if ((h.status >= 100 && h.status < 200) || h.status == 204 || h.status == 304 ||
        method == "HEAD") {
      return Status();
    }
    const std::string* te = find_header(h.headers, "Transfer-Encoding");
    if (te != nullptr && te->find("chunked") != std::string::npos) return chunked(out);
    if (const std::string* cl = find_header(h.headers, "Content-Length")) {
      std::size_t want = 0;
      try {
        want = std::stoull(*cl);
      } catch (...) {
        return Status("bad-response", "Content-Length '" + *cl + "'");
      }
      if (want > ep_.max_response_bytes) return too_large();
      if (Status s = fill(want); !s.ok()) return s;
      out.assign(in_, 0, want);
      in_.erase(0, want);
      return Status();
    }
    for (;;) {  // until the end of the connection
      if (in_.size() > ep_.max_response_bytes) return too_large();
      auto n = c_.read_some(in_, c_.io_deadline(end_));
      if (!n.ok()) return n.status();
      if (*n == 0) break;
    }
    out = std::move(in_);
    in_.clear();
    return Status();
  }

 private:
  Status too_large() {
    return Status("response-too-large",
                  "over " + std::to_string(ep_.max_response_bytes) + " bytes");
  }
  Status fill(std::size_t want) {
    while (in_.size() < want) {
      auto n = c_.read_some(in_, c_.io_deadline(end_));
      if (!n.ok()) return n.status();
      if (*n == 0) return Status("bad-response", "the connection ended inside the response body");
    }
    return Status();
  }
  Result<std::string> line() {
    for (;;) {
      if (const std::size_t p = in_.find("\r\n"); p != std::string::npos) {
        std::string l = in_.substr(0, p);
        in_.erase(0, p + 2);
        return l;
      }
      if (in_.size() > kMaxHead) return Status("bad-response", "chunk line too long");
      auto n = c_.read_some(in_, c_.io_deadline(end_));
      if (!n.ok()) return n.status();
      if (*n == 0) return Status("bad-response", "the connection ended inside a chunked body");
    }
  }
  Status chunked(std::string& out) {
    for (;;) {
      auto l = line();
      if (!l.ok()) return l.status();
      std::size_t size = 0;
      try {
        size = std::stoull(*l, nullptr, 16);
      } catch (...) {
        return Status("bad-response", "chunk size '" + *l + "'");
      }
      if (size == 0) {
        for (;;) {  // trailers up to the blank line
          auto t = line();
          if (!t.ok()) return t.status();
          if (t->empty()) return Status();
        }
      }
      if (size > ep_.max_response_bytes || out.size() + size > ep_.max_response_bytes)
        return too_large();
      if (Status s = fill(size + 2); !s.ok()) return s;
      out.append(in_, 0, size);
      in_.erase(0, size + 2);
    }
  }

  Conn& c_;
  const Endpoint& ep_;
  Clock::time_point end_;
  std::string in_;
};

void parse_json(Response& r) {
  if (r.body.empty()) {
    r.json_error = "empty body";
    return;
  }
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) {
    r.json_error = "not JSON: '" + r.body.substr(0, 80) + (r.body.size() > 80 ? "...'" : "'");
    return;
  }
  r.json = std::move(j);
}

}  // namespace

TlsSessionCache::TlsSessionCache() : impl_(std::make_unique<Impl>()) {}
TlsSessionCache::~TlsSessionCache() = default;

const std::string* Response::header(std::string_view name) const {
  return find_header(headers, name);
}

std::string Response::field(std::string_view name) const {
  if (!json || !json->is_object()) return "";
  const auto it = json->find(std::string(name));
  if (it == json->end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_primitive()) return it->dump();
  return "";
}

Result<Response> send_raw(const Endpoint& ep, const RawRequest& req) {
  ignore_sigpipe_once();
  Conn conn(ep);
  if (Status s = conn.connect(); !s.ok()) return s;
  const auto end = Clock::now() + ep.request_timeout;

  Response r;
  r.request_head = req.method + " " + req.target + " HTTP/1.1\r\n";
  for (const auto& [n, v] : req.headers) r.request_head += n + ": " + v + "\r\n";
  r.request_head += "\r\n";
  if (Status s = conn.write_all(r.request_head, end); !s.ok()) return s;

  Reader reader(conn, ep, end);
  std::optional<Head> final_head;
  if (req.expect_continue && !req.body.empty()) {
    // Wait for 100 Continue or a final answer, at most expect_wait; then the body (or not).
    const auto expect_end = std::min(Clock::now() + ep.expect_wait, end);
    while (Clock::now() < expect_end) {
      auto h = reader.head(expect_end);
      if (!h.ok()) {
        if (h.status().code() == "timeout" && reader.buffer().empty()) break;  // send the body
        return h.status();
      }
      if (h->status == 100) {
        r.continue_received = true;
        break;
      }
      if (h->status >= 200) {
        final_head = std::move(*h);
        break;
      }
    }
  }

  Status write_error;
  if (!final_head) {
    const std::size_t total = std::min(req.body.size(), req.body_cut);
    std::size_t sent = 0;
    while (sent < total && write_error.ok()) {
      const std::size_t piece =
          req.body_piece == 0 ? total - sent : std::min(req.body_piece, total - sent);
      write_error = conn.write_all(std::string_view(req.body).substr(sent, piece), end);
      sent += piece;
      if (sent < total && req.body_pause.count() > 0 && write_error.ok())
        std::this_thread::sleep_for(req.body_pause);
    }
    if (req.body_cut < req.body.size()) return r;  // dropped mid-body: status 0, nothing read
    r.body_sent = write_error.ok();
  }

  while (!final_head) {
    auto h = reader.head();
    if (!h.ok()) {
      // A server may answer and close before the body is written: that answer counts.
      if (!write_error.ok())
        return Status(write_error.code(), write_error.message() + "; then " + h.status().message());
      return h.status();
    }
    if (h->status == 100) r.continue_received = true;
    if (h->status >= 200) final_head = std::move(*h);
  }
  r.status = final_head->status;
  r.reason = final_head->reason;
  r.headers = final_head->headers;
  if (Status s = reader.body(req.method, *final_head, r.body); !s.ok()) return s;
  r.tls_resumed = conn.resumed();
  conn.finish();
  parse_json(r);
  return r;  // closed here (after close_notify over TLS), as the SDK's clients close theirs
}

}  // namespace docaxis::test::vxp
