#include "http/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "http/connection_table.hpp"
#include "tls/context.hpp"
#include "tls/identity.hpp"

namespace docaxis::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {
// What stop() needs of a session, whatever its stream.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void close_now() = 0;
  // close_now() on the session's own executor, from any thread.
  virtual void close_soon() = 0;
};
}  // namespace

struct Server::Core {
  ServerOptions opt;
  Handler handler;
  ErrorResponder errors;
  HeaderCheck check;
  uint16_t port = 0;  // bound, set before the thread starts

  // Declared before `io`: sessions destroyed with the io_context's pending handlers still
  // release their slots here. Every connection's slot and state (idle or busy) is in `table`
  // and every session in `sessions`, both under `mu`: sessions change their state from their
  // own handlers, admit() evicts from the accepting one, Reply runs on any thread.
  mutable std::mutex mu;
  bool stopped = false;
  std::optional<ConnectionTable> table;  // set by start(), from the options
  std::size_t body_bytes = 0;  // reserved by bodies being received (max_body_bytes_in_flight)
  std::map<std::uint64_t, std::weak_ptr<SessionBase>> sessions;  // for eviction and stop()
  std::weak_ptr<Core> self_weak;

  asio::io_context io{1};
  std::optional<asio::ssl::context> ssl;
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_backoff{io};
  std::thread thread;

  // A slot for a new connection (its id), or 0: refused. An idle connection it evicts is
  // returned in `evicted` for the caller to close, outside the lock (its last reference may
  // go with it, and its destructor takes the lock).
  std::uint64_t take_slot(const std::string& key, std::shared_ptr<SessionBase>& evicted) {
    std::lock_guard<std::mutex> lock(mu);
    if (stopped) return 0;
    const auto admitted = table->admit(key);
    if (!admitted) return 0;
    if (admitted->evicted) {
      auto it = sessions.find(*admitted->evicted);
      if (it != sessions.end()) evicted = it->second.lock();
    }
    return admitted->id;
  }
  void set_idle(std::uint64_t id) {
    std::lock_guard<std::mutex> lock(mu);
    table->idle(id);
  }
  bool set_busy(std::uint64_t id) {
    std::lock_guard<std::mutex> lock(mu);
    return table->busy(id);
  }
  bool reserve_body(std::size_t n) {
    std::lock_guard<std::mutex> lock(mu);
    if (n > opt.max_body_bytes_in_flight - std::min(body_bytes, opt.max_body_bytes_in_flight)) {
      return false;
    }
    body_bytes += n;
    return true;
  }
  void release_body(std::size_t n) {
    std::lock_guard<std::mutex> lock(mu);
    body_bytes -= std::min(body_bytes, n);
  }
  void enrol(std::uint64_t id, std::weak_ptr<SessionBase> session) {
    std::lock_guard<std::mutex> lock(mu);
    sessions.emplace(id, std::move(session));
  }
  void release_slot(std::uint64_t id) {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(id);
    table->release(id);
  }
  Response error_response(std::string_view code, std::string_view detail) const {
    try {
      return errors(code, detail);
    } catch (...) {
      return Response{500, "text/plain", std::string(code)};
    }
  }
  void accept();
  void admit(tcp::socket socket);
};

namespace {

template <class Stream>
constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

// Room in a connection's read buffer beyond the header limit: Beast checks neither a chunk's
// size line and extensions nor the trailer against its limits, so the buffer's own maximum is
// what bounds them (a longer one fails with buffer_overflow: bad-request).
constexpr std::size_t kReadChunk = 64 * 1024;

// A session keeps the Core alive (its io_context, its slot); pending handlers of the io_context
// and a Reply not yet called keep the session alive.
template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... Args>
  Session(std::shared_ptr<Server::Core> core, std::uint64_t id, std::string peer,
          tcp::socket socket, Args&&... args)
      : core_(std::move(core)),
        id_(id),
        peer_(std::move(peer)),
        stream_(std::move(socket), std::forward<Args>(args)...),
        buffer_(core_->opt.header_limit + kReadChunk),
        body_deadline_(stream_.get_executor()) {}
  ~Session() override {
    give_back_body();
    core_->release_slot(id_);
  }

  void start() {
    core_->enrol(id_, this->weak_from_this());
    if constexpr (kIsTls<Stream>) {
      tcp().expires_after(core_->opt.request_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close_now();
                                self->read_header();
                              });
    } else {
      read_header();
    }
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  // Waits for the next request. Until its first byte the connection is idle, and a new
  // connection over a limit may evict it (Core::take_slot); from then on it is busy until its
  // answer is written. idle_timeout bounds the wait and the whole header.
  void read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(core_->opt.header_limit));
    parser_->body_limit(core_->opt.body_limit);
    tcp().expires_after(core_->opt.idle_timeout);
    if (buffer_.size() != 0) {  // bytes of the next request came with the last one
      if (!core_->set_busy(id_)) return close_now();
      return read_rest_of_header();
    }
    core_->set_idle(id_);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->buffer_.commit(n);
                              if (!self->core_->set_busy(self->id_)) return self->close_now();  // evicted
                              if (ec) return self->on_read_error(ec, false);
                              self->read_rest_of_header();
                            });
  }
  void read_rest_of_header() {
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->on_header(ec);
                             });
  }

  // Refusal, or nothing, for a failed read: which errors are answered.
  void on_read_error(beast::error_code ec, bool body) {
    if (ec == bhttp::error::body_limit) {
      return refuse("too-large", "the body is larger than " + std::to_string(core_->opt.body_limit) + " bytes");
    }
    if (ec == bhttp::error::buffer_overflow) {
      return refuse("bad-request", "a chunk header or trailer is longer than " +
                                       std::to_string(core_->opt.header_limit) + " bytes");
    }
    if (ec == bhttp::error::header_limit) {
      return refuse("header-too-large", "the request line and headers are larger than " +
                                            std::to_string(core_->opt.header_limit) + " bytes");
    }
    if (ec == beast::error::timeout && body) {
      return refuse("request-timeout", "the body did not arrive within " +
                                           std::to_string(core_->opt.request_timeout.count()) + " ms");
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      return refuse("bad-request", "not an HTTP/1.1 request (" + ec.message() + ")");
    }
    close_now();  // the client went away, or idled out: nobody to answer
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec, false);
    const auto& req = parser_->get();
    if (req.version() != 10 && req.version() != 11) {
      return refuse("bad-request", "HTTP version " + std::to_string(req.version()) + " is not served");
    }
    if (core_->check) {
      std::optional<Response> refused;
      try {
        refused = core_->check(request_of(req, std::string()));
      } catch (...) {
        return refuse("internal", "the request could not be checked");
      }
      if (refused) {
        keep_alive_ = false;
        return respond(std::move(*refused));
      }
    }
    if (parser_->is_done()) return dispatch();
    // The body's bytes are reserved before any is read (a chunked body: the most it may be).
    const std::size_t want = parser_->content_length() ? static_cast<std::size_t>(*parser_->content_length())
                                                       : core_->opt.body_limit;
    if (!core_->reserve_body(want)) {
      return refuse("overloaded", "the hub is receiving too many request bodies at once");
    }
    reserved_ = want;
    auto expect = req[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      continue_ = bhttp::response<bhttp::empty_body>(bhttp::status::continue_, req.version());
      tcp().expires_after(core_->opt.request_timeout);
      return bhttp::async_write(stream_, continue_,
                                [self = this->shared_from_this()](beast::error_code e, std::size_t) {
                                  if (e) return self->close_now();
                                  self->read_body();
                                });
    }
    read_body();
  }

  // The body's deadline is a timer of its own: tcp_stream's expiry would close the socket,
  // and a slow sender is answered (request-timeout) before the connection closes.
  void read_body() {
    tcp().expires_never();
    body_timed_out_ = false;
    body_deadline_.expires_after(core_->opt.request_timeout);
    body_deadline_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the body arrived (or the read failed) first
      self->body_timed_out_ = true;
      beast::error_code ignored;
      self->tcp().socket().cancel(ignored);
    });
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->body_deadline_.cancel();
                        if (self->body_timed_out_) return self->on_read_error(beast::error::timeout, true);
                        if (ec) return self->on_read_error(ec, true);
                        self->dispatch();
                      });
  }

  Request request_of(const bhttp::request<bhttp::string_body>& req, std::string body) const {
    Request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& f : req) r.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    r.body = std::move(body);
    r.peer = peer_;
    r.tls = kIsTls<Stream>;
    return r;
  }

  void give_back_body() {
    if (reserved_ != 0) core_->release_body(reserved_);
    reserved_ = 0;
  }

  void dispatch() {
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    Request r = request_of(req, std::move(req.body()));
    parser_.reset();
    tcp().expires_never();  // the handler may take its time (a durable commit)
    auto once = std::make_shared<std::atomic<bool>>(false);
    Reply reply = [self = this->shared_from_this(), once](Response resp) {
      if (once->exchange(true)) return;
      std::lock_guard<std::mutex> lock(self->core_->mu);
      if (self->core_->stopped) return;
      asio::post(self->stream_.get_executor(),
                 [self, resp = std::move(resp)]() mutable { self->respond(std::move(resp)); });
    };
    try {
      core_->handler(std::move(r), reply);
    } catch (...) {
      if (!once->exchange(true)) {
        keep_alive_ = false;
        respond(core_->error_response("internal", "the request could not be handled"));
      }
    }
  }

  void refuse(std::string_view code, const std::string& detail) {
    keep_alive_ = false;
    respond(core_->error_response(code, detail));
  }

  void respond(Response resp) {
    give_back_body();
    res_ = {};
    res_.version(11);
    res_.result(resp.status);
    res_.set(bhttp::field::content_type, resp.content_type);
    res_.set(bhttp::field::cache_control, "no-store");
    for (const Header& h : resp.headers) res_.set(h.name, h.value);
    res_.keep_alive(keep_alive_);
    res_.body() = std::move(resp.body);
    res_.prepare_payload();
    tcp().expires_after(core_->opt.request_timeout);
    bhttp::async_write(stream_, res_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close_now();
      self->answered_ = true;
      if (!self->keep_alive_) return self->close_gracefully();
      self->read_header();
    });
  }

  // Sends what is queued, then reads and drops what the client still sends for a moment, so
  // that a refused client sees the answer instead of a reset.
  void close_gracefully() {
    tcp().expires_after(std::chrono::seconds(2));
    if constexpr (kIsTls<Stream>) {
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_now(); });
    } else {
      beast::error_code ec;
      tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
      drain();
    }
  }
  void drain() {
    tcp().async_read_some(asio::buffer(drain_),
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            if (ec) return self->close_now();
                            self->drain();
                          });
  }
  void close_now() override {
    body_deadline_.cancel();
    if constexpr (kIsTls<Stream>) {
      // OpenSSL drops from its cache the session of a connection freed without close_notify
      // (the usual end here: the client closes, or idles out). A connection that carried an
      // answer ended normally: its session stays resumable (SSL_set_shutdown's documented use).
      if (answered_) SSL_set_shutdown(stream_.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
    beast::error_code ec;
    tcp().socket().close(ec);
  }
  void close_soon() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close_now(); });
  }

  std::shared_ptr<Server::Core> core_;
  std::uint64_t id_;  // in the Core's ConnectionTable
  std::string peer_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::empty_body> continue_;
  bhttp::response<bhttp::string_body> res_;
  asio::steady_timer body_deadline_;
  bool body_timed_out_ = false;
  std::size_t reserved_ = 0;  // of max_body_bytes_in_flight, until the answer
  std::array<char, 4096> drain_{};
  bool keep_alive_ = false;
  bool answered_ = false;  // an answer was written whole
};

}  // namespace

void Server::Core::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors or a transient failure: never spin on it.
      accept_backoff.expires_after(std::chrono::milliseconds(100));
      accept_backoff.async_wait([this](beast::error_code e) {
        if (!e) accept();
      });
      return;
    }
    try {
      admit(std::move(socket));
    } catch (...) {
      // Out of memory or an SSL object refused: this connection is dropped (admit gave its
      // slot back), the listener goes on.
    }
    accept();
  });
}

void Server::Core::admit(tcp::socket socket) {
  beast::error_code rec;
  const tcp::endpoint remote = socket.remote_endpoint(rec);
  const std::string address = rec ? std::string("?") : remote.address().to_string();
  std::shared_ptr<SessionBase> evicted;
  const std::uint64_t id = take_slot(address_key(address), evicted);
  if (evicted) evicted->close_soon();
  if (id == 0) {
    socket.close(rec);
    return;
  }
  const std::string peer = address + ":" + std::to_string(rec ? 0 : remote.port());
  // Answers go out as they are written: with Nagle, the second TLS record of an answer (Asio
  // writes one record per buffer) waited for the client's delayed ACK, 40 ms per request.
  socket.set_option(tcp::no_delay(true), rec);
  std::shared_ptr<SessionBase> session;
  try {
    std::shared_ptr<Core> core = self_weak.lock();
    if (ssl) {
      auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
          core, id, peer, std::move(socket), *ssl);
      session = s;
      s->start();
    } else {
      auto s = std::make_shared<Session<beast::tcp_stream>>(core, id, peer, std::move(socket));
      session = s;
      s->start();
    }
  } catch (...) {
    if (!session) release_slot(id);  // a session built gives its slot back itself
    throw;
  }
}

Result<std::unique_ptr<Server>> Server::start(ServerOptions options, Handler handler,
                                              ErrorResponder errors, HeaderCheck check) {
  auto core = std::make_shared<Core>();
  core->self_weak = core;
  core->opt = std::move(options);
  core->handler = std::move(handler);
  core->errors = std::move(errors);
  core->check = std::move(check);
  core->table.emplace(core->opt.max_connections, core->opt.max_per_address);
  const ServerOptions& opt = core->opt;
  if (opt.identity) {
    // `opt` (hence the slot) outlives `ssl`: declared before it in Core.
    core->ssl.emplace(asio::ssl::context::tls_server);
    if (Status s = opt.identity->install(core->ssl->native_handle()); !s.ok()) {
      return Status("tls-config", s.message());
    }
  } else if (!opt.cert_chain_file.empty() || !opt.key_file.empty()) {
    if (opt.cert_chain_file.empty() || opt.key_file.empty()) {
      return Status("tls-config", "HTTPS needs both a certificate chain and a private key");
    }
    core->ssl.emplace(asio::ssl::context::tls_server);
    beast::error_code ec;
    core->ssl->use_certificate_chain_file(opt.cert_chain_file, ec);
    if (ec) return Status("tls-config", opt.cert_chain_file + ": " + ec.message());
    core->ssl->use_private_key_file(opt.key_file, asio::ssl::context::pem, ec);
    if (ec) return Status("tls-config", opt.key_file + ": " + ec.message());
  }
  if (core->ssl) {
    if (Status s = tls::apply_policy(core->ssl->native_handle()); !s.ok()) {
      return Status("tls-config", s.message());
    }
    if (Status s = tls::allow_server_resumption(core->ssl->native_handle(), opt.tls_session_cache,
                                                opt.tls_session_lifetime);
        !s.ok()) {
      return Status("tls-config", s.message());
    }
  }
  beast::error_code ec;
  const auto address = asio::ip::make_address(opt.address, ec);
  if (ec) return Status("listen-failed", "not an IP address: " + opt.address);
  const tcp::endpoint endpoint(address, opt.port);
  core->acceptor.open(endpoint.protocol(), ec);
  if (!ec) core->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) core->acceptor.bind(endpoint, ec);
  if (!ec) core->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status("listen-failed", opt.address + ":" + std::to_string(opt.port) + ": " + ec.message());
  }
  core->port = core->acceptor.local_endpoint(ec).port();
  core->accept();
  Core* raw = core.get();
  core->thread = std::thread([raw] {
    pthread_setname_np(pthread_self(), raw->opt.thread_name.substr(0, 15).c_str());
    for (;;) {
      try {
        raw->io.run();
        return;
      } catch (...) {
        // A handler threw past its own guard: keep serving the other connections.
      }
    }
  });
  return std::unique_ptr<Server>(new Server(std::move(core)));
}

Server::~Server() { stop(); }

uint16_t Server::port() const { return core_->port; }

std::size_t Server::connections() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->table->open();
}

std::size_t Server::body_bytes_in_flight() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->body_bytes;
}

void Server::stop() {
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    if (core_->stopped) return;
    core_->stopped = true;
  }
  // On the server thread: no new connection, every open one closed; their pending operations
  // then end with operation_aborted and run() returns. Replies from now on post nothing.
  asio::post(core_->io, [core = core_.get()] {
    beast::error_code ec;
    core->acceptor.close(ec);
    core->accept_backoff.cancel();
    std::vector<std::shared_ptr<SessionBase>> open;
    {
      std::lock_guard<std::mutex> lock(core->mu);
      for (auto& [id, weak] : core->sessions) {
        if (auto s = weak.lock()) open.push_back(std::move(s));
      }
    }
    for (auto& s : open) s->close_now();
  });
  if (core_->thread.joinable()) core_->thread.join();
}

}  // namespace docaxis::http
