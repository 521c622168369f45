// The transport of the SDK-faithful test client (tests/support/vxp_client.hpp) against a tiny
// server in the test (a thread with a listening socket on 127.0.0.1): a new connection per
// request, the exact bytes on the wire, the Expect handshake, response framing and limits.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vxp_client.hpp"

namespace docaxis::test::vxp {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kSecret = "FAKE-secret-for-local-recorder-only+0123456789/AB=";
const std::string kSystem = "000.00.13.H30";
const std::string kJsonOk = "{\"status\":\"OK\",\"ErrorCode\":\"0\",\"ErrorDesc\":\"\"}";

// Bytes from `fd` until `pred(buffer)` holds, EOF, or 5 s.
std::string read_until(int fd, const std::function<bool(const std::string&)>& pred,
                       std::chrono::milliseconds limit = 5000ms) {
  std::string in;
  const auto end = Clock::now() + limit;
  while (!pred(in) && Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[8192];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  return in;
}

// True when the peer ends the connection (EOF or reset) within `limit` without sending more.
bool peer_closes_within(int fd, std::chrono::milliseconds limit) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
  char b = 0;
  return ::recv(fd, &b, 1, 0) <= 0;
}

std::string read_head(int fd) {
  return read_until(fd,
                    [](const std::string& s) { return s.find("\r\n\r\n") != std::string::npos; });
}

std::size_t content_length(const std::string& head) {
  const auto p = head.find("Content-Length: ");
  return p == std::string::npos ? 0 : std::stoul(head.substr(p + 16));
}

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

std::string answer(int status, const std::string& body,
                   const std::string& type = "application/json") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// One connection at a time; `handle` runs per accepted connection. What each connection
// carried is kept (head and body as read by the handler; whether the peer closed after).
class TestServer {
 public:
  struct Conn {
    std::string head;
    std::string body;
    bool peer_closed_after = false;
    double body_after_s = -1;  // seconds from the end of the head to the first body byte
  };
  using Handler = std::function<void(int fd, Conn& c)>;

  explicit TestServer(Handler h) : handle_(std::move(h)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0) {
      throw std::runtime_error("test server: bind/listen failed");
    }
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TestServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  // The connections handled so far, once there are `n` of them (or after 5 s).
  std::vector<Conn> conns(std::size_t n) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, 5s, [&] { return conns_.size() >= n; });
    return conns_;
  }
  Endpoint endpoint() const {
    Endpoint ep;
    ep.host = "127.0.0.1";
    ep.port = port_;
    ep.io_timeout = 5000ms;
    return ep;
  }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      Conn conn;
      handle_(c, conn);
      // The client closes after its answer: the next read sees the end (never a 2nd request).
      conn.peer_closed_after = peer_closes_within(c, 2000ms);
      ::close(c);
      std::lock_guard<std::mutex> l(mu_);
      conns_.push_back(std::move(conn));
      cv_.notify_all();
    }
  }

  Handler handle_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Conn> conns_;
};

// A well-behaved server: 100 Continue when asked, then the body by Content-Length, then `reply`.
TestServer::Handler serve(std::string reply) {
  return [reply](int fd, TestServer::Conn& c) {
    c.head = read_head(fd);
    const auto split = c.head.find("\r\n\r\n") + 4;
    c.body = c.head.substr(split);
    c.head.resize(split);
    if (c.head.find("Expect: 100-continue") != std::string::npos)
      write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n");
    const auto t0 = Clock::now();
    const std::size_t want = content_length(c.head);
    if (c.body.size() < want) {
      c.body +=
          read_until(fd, [&](const std::string& s) { return c.body.size() + s.size() >= want; });
    }
    if (want > 0) c.body_after_s = std::chrono::duration<double>(Clock::now() - t0).count();
    write_all(fd, reply);
  };
}

TEST(SdkClientTransport, EveryRequestOnANewConnectionClosedAfterTheAnswer) {
  TestServer server(serve(answer(200, kJsonOk)));
  SdkClient client(server.endpoint(), kSystem, kSecret);
  for (int i = 0; i < 3; ++i) {
    auto r = client.get_received_edoc_list("edoc");
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_TRUE(r->ok());
  }
  const auto conns = server.conns(3);
  ASSERT_EQ(conns.size(), 3u);
  for (const auto& c : conns) {
    EXPECT_EQ(c.head.rfind("POST /getReceivedEdocList HTTP/1.1\r\n", 0), 0u) << c.head;
    EXPECT_TRUE(c.peer_closed_after);
  }
}

TEST(SdkClientTransport, WireBytesAreTheBuiltHeadersInOrderAndTheSendEdocBodyEndsInCrlf) {
  TestServer server(serve(
      answer(200, "{\"status\":\"OK\",\"ErrorCode\":\"0\",\"ErrorDesc\":\"\",\"DocId\":\"ab\"}")));
  SdkClient client(server.endpoint(), kSystem, kSecret, "22112026T014605+0358");
  SdkClient twin(server.endpoint(), kSystem, kSecret, "22112026T014605+0358");
  const std::string pkg = "<edXML>paket</edXML>";
  auto r = client.send_edoc(pkg, "edoc", kSystem);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->field("DocId"), "ab");
  // What the twin would build for the same call, serialized, is what the server read.
  twin.put("servicetype", "eDoc");
  twin.put("messagetype", "edoc");
  twin.put("from", kSystem);
  twin.put("hash-file", sdk_hash_file(pkg));
  const RawRequest built = twin.build(
      {"sendEdoc", "POST", SdkClient::Path::kJdk, "application/octet-stream", pkg + "\r\n", false});
  std::string head = "POST /sendEdoc HTTP/1.1\r\n";
  for (const auto& [n, v] : built.headers) head += n + ": " + v + "\r\n";
  head += "\r\n";
  const auto conns = server.conns(1);
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns[0].head, head);
  EXPECT_EQ(r->request_head, head);
  EXPECT_EQ(conns[0].body, pkg + "\r\n");
  // The JDK's order: Content-Type first, ..., Connection: keep-alive, Content-Length last.
  EXPECT_EQ(conns[0].head.find("Content-Type: application/octet-stream\r\n"),
            head.find("\r\n") + 2);
  EXPECT_NE(conns[0].head.find("Connection: keep-alive\r\nContent-Length: " +
                               std::to_string(pkg.size() + 2) + "\r\n\r\n"),
            std::string::npos);
}

TEST(SdkClientTransport, ExpectContinueSendsTheBodyAtOnceAfter100) {
  TestServer server(
      serve(answer(200, "{\"status\":\"OK\",\"ErrorCode\":0,\"ErrorDesc\":\"\",\"count\":3}")));
  SdkClient client(server.endpoint(), kSystem, kSecret);
  const auto t0 = Clock::now();
  auto r = client.count_receive_edoc();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_LT(Clock::now() - t0, 2s);  // not the 3 s wait
  EXPECT_TRUE(r->continue_received);
  EXPECT_TRUE(r->body_sent);
  EXPECT_EQ(r->field("count"), "3");
  EXPECT_EQ(r->field("ErrorCode"), "0");  // numeric, read as text like lenient Gson
  const auto conns = server.conns(1);
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_NE(conns[0].head.find("Connection: Keep-Alive\r\nExpect: 100-continue\r\nAccept-Encoding: "
                               "gzip,deflate\r\n\r\n"),
            std::string::npos);
  EXPECT_EQ(conns[0].body, "{}");
}

TEST(SdkClientTransport, ExpectContinueFinalAnswerFirstMeansNoBody) {
  TestServer server([](int fd, TestServer::Conn& c) {
    c.head = read_head(fd);
    write_all(
        fd,
        answer(
            403,
            "{\"status\":\"FAIL\",\"ErrorCode\":\"104\",\"ErrorDesc\":\"docaxis:bad-hmac: x\"}"));
    // Anything the client sends now would be the body; it must send nothing and close.
    c.body = read_until(
        fd, [](const std::string& s) { return s.size() >= 2; }, 1500ms);
  });
  SdkClient client(server.endpoint(), kSystem, kSecret);
  auto r = client.update_status("d1", "done");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 403);
  EXPECT_FALSE(r->body_sent);
  EXPECT_FALSE(r->continue_received);
  EXPECT_EQ(r->field("ErrorCode"), "104");
  const auto conns = server.conns(1);
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns[0].body, "");
}

TEST(SdkClientTransport, ExpectContinueWithoutAnswerSendsTheBodyAfterTheWait) {
  TestServer server([](int fd, TestServer::Conn& c) {
    c.head = read_head(fd);
    const auto t0 = Clock::now();
    c.body = read_until(fd, [](const std::string& s) { return s.size() >= 2; });
    c.body_after_s = std::chrono::duration<double>(Clock::now() - t0).count();
    write_all(fd, answer(200, kJsonOk));
  });
  Endpoint ep = server.endpoint();
  ep.expect_wait = 400ms;
  SdkClient client(ep, kSystem, kSecret);
  auto r = client.get_edoc("d1");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(r->body_sent);
  const auto conns = server.conns(1);
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns[0].body, "{}");
  EXPECT_GE(conns[0].body_after_s, 0.35);
}

TEST(SdkClientTransport, ChunkedAndCloseDelimitedAnswersAndNonJsonBodies) {
  TestServer chunked([](int fd, TestServer::Conn& c) {
    c.head = read_head(fd);
    write_all(fd,
              "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
              "chunked\r\n\r\n5\r\n<html\r\n1;x=y\r\n>\r\n0\r\nT: v\r\n\r\n");
  });
  SdkClient a(chunked.endpoint(), kSystem, kSecret);
  auto r = a.get_synchronize_unit();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->body, "<html>");
  EXPECT_FALSE(r->json.has_value());
  EXPECT_NE(r->json_error.find("not JSON"), std::string::npos);
  EXPECT_EQ(r->field("status"), "");

  TestServer until_close([](int fd, TestServer::Conn& c) {
    c.head = read_head(fd);
    write_all(fd,
              "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\nraw package bytes");
    ::shutdown(fd, SHUT_WR);
  });
  SdkClient b(until_close.endpoint(), kSystem, kSecret);
  auto d = b.download_edoc("d1");
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(d->body, "raw package bytes");
  EXPECT_EQ(*d->header("content-type"), "application/octet-stream");
}

TEST(SdkClientTransport, LimitsAndFailuresAreClearErrorsNotHangs) {
  TestServer big([](int fd, TestServer::Conn& c) {
    c.head = read_head(fd);
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
  });
  Endpoint ep = big.endpoint();
  ep.max_response_bytes = 1000;
  auto r = send_raw(ep, {"GET", "/x", {{"Host", "h"}}, "", false});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "response-too-large");

  TestServer silent([](int fd, TestServer::Conn& c) {
    c.head = read_head(fd);
    std::this_thread::sleep_for(1500ms);
  });
  Endpoint quiet = silent.endpoint();
  quiet.io_timeout = 300ms;
  const auto t0 = Clock::now();
  auto t = send_raw(quiet, {"GET", "/x", {{"Host", "h"}}, "", false});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), "timeout") << t.status().to_string();
  EXPECT_LT(Clock::now() - t0, 1400ms);  // the 300 ms timeout, not the server's 1.5 s

  TestServer mute([](int fd, TestServer::Conn& c) {
    c.head = read_head(fd);
    ::shutdown(fd, SHUT_RDWR);  // closes without a word
  });
  auto m = send_raw(mute.endpoint(), {"GET", "/x", {{"Host", "h"}}, "", false});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), "bad-response");
  EXPECT_NE(m.status().message().find("without an answer"), std::string::npos);

  Endpoint nowhere = mute.endpoint();
  nowhere.port = 1;  // nothing listens on port 1 here
  auto n = send_raw(nowhere, {"GET", "/x", {}, "", false});
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), "connect-failed");
}

TEST(SdkClientTransport, ResendsLikeTheSdkWhenTheConnectionDropsWithoutAnAnswer) {
  std::atomic<int> seen{0};
  TestServer server([&](int fd, TestServer::Conn& c) {
    c.head = read_head(fd);
    if (++seen <= 2) {
      ::shutdown(fd, SHUT_RDWR);  // drop: no answer
      return;
    }
    write_all(fd, answer(200, kJsonOk));
  });
  SdkClient once(server.endpoint(), kSystem, kSecret);
  auto dropped = once.get_agencies_list();  // no re-send by default: the drop is the result
  ASSERT_FALSE(dropped.ok());
  EXPECT_EQ(dropped.status().code(), "bad-response");
  SdkClient sdk(server.endpoint(), kSystem, kSecret);
  sdk.set_resends(3);
  auto r = sdk.get_agencies_list();  // the 2nd drop, then the answer
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(r->ok());
  const auto conns = server.conns(3);
  ASSERT_EQ(conns.size(), 3u);
  EXPECT_EQ(conns[1].head, conns[2].head);  // the same request again
}

TEST(SdkClientTransport, RawRequestSendsHandMadeBytesAndSlowBodies) {
  TestServer server(serve(answer(200, kJsonOk)));
  RawRequest req;
  req.target = "/getEdoc";
  req.headers = {
      {"Host", "x"}, {"XroadVnpt-sign-header", "{\"tampered\":1}"}, {"Content-Length", "6"}};
  req.body = "abcdef";
  req.body_piece = 2;
  req.body_pause = 100ms;
  auto r = send_raw(server.endpoint(), req);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(r->body_sent);
  const auto conns = server.conns(1);
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns[0].head,
            "POST /getEdoc HTTP/1.1\r\nHost: x\r\nXroadVnpt-sign-header: "
            "{\"tampered\":1}\r\nContent-Length: 6\r\n\r\n");
  EXPECT_EQ(conns[0].body, "abcdef");
  EXPECT_GE(conns[0].body_after_s, 0.18);  // two pauses
}

std::string pki() {
  const char* p = std::getenv("DOCAXIS_PKI");
  return p != nullptr ? p : DOCAXIS_DEFAULT_PKI;
}

// A TLS server context with hub h30's certificate chain and key; nullptr (after a test
// failure) when they do not load.
SSL_CTX* hub_server_context() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  const bool loaded =
      SSL_CTX_use_certificate_chain_file(ctx, (pki() + "/hubs/h30.fullchain.pem").c_str()) == 1 &&
      SSL_CTX_use_PrivateKey_file(ctx, (pki() + "/hubs/h30.key").c_str(), SSL_FILETYPE_PEM) == 1;
  EXPECT_TRUE(loaded) << "hub h30's certificate chain or key did not load from " << pki();
  if (loaded) return ctx;
  SSL_CTX_free(ctx);
  return nullptr;
}

TEST(SdkClientTransport, TlsVerifiesTheServersChainAndName) {
  if (!std::filesystem::exists(pki() + "/root-ca.crt")) {
    GTEST_SKIP() << "no test PKI in " << pki() << " (ctest -R test_pki makes it)";
  }
  SSL_CTX* sctx = hub_server_context();
  ASSERT_NE(sctx, nullptr);
  std::atomic<int> handshakes{0};
  {
    TestServer server([&](int fd, TestServer::Conn& c) {
      timeval tv{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      SSL* s = SSL_new(sctx);
      SSL_set_fd(s, fd);
      if (SSL_accept(s) == 1) {
        ++handshakes;
        char buf[4096];
        while (c.head.find("\r\n\r\n") == std::string::npos) {
          const int n = SSL_read(s, buf, sizeof buf);
          if (n <= 0) break;
          c.head.append(buf, static_cast<std::size_t>(n));
        }
        const std::string a = answer(200, kJsonOk);
        SSL_write(s, a.data(), static_cast<int>(a.size()));
      }
      SSL_free(s);
    });
    Endpoint ep = server.endpoint();
    ep.https = true;
    ep.ca_file = pki() + "/root-ca.crt";
    SdkClient by_ip(ep, kSystem, kSecret);  // the certificate names IP 127.0.0.1
    auto r = by_ip.get_agencies_list();
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_TRUE(r->ok());
    Endpoint by_name = ep;
    by_name.server_name = "localhost";  // and DNS localhost
    auto n = send_raw(by_name, {"GET", "/x", {{"Host", "localhost"}}, "", false});
    ASSERT_TRUE(n.ok()) << n.status().to_string();

    Endpoint wrong_name = ep;
    wrong_name.server_name = "national.example";
    auto w = send_raw(wrong_name, {"GET", "/x", {{"Host", "h"}}, "", false});
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.status().code(), "tls-failed");
    Endpoint wrong_ca = ep;
    wrong_ca.ca_file = pki() + "/lookalike/root-ca.crt";  // a root of the same name, other key
    auto x = send_raw(wrong_ca, {"GET", "/x", {{"Host", "h"}}, "", false});
    ASSERT_FALSE(x.ok());
    EXPECT_EQ(x.status().code(), "tls-failed") << x.status().to_string();
    const auto conns = server.conns(4);
    ASSERT_EQ(conns.size(), 4u);
    EXPECT_EQ(conns[0].head.rfind("POST /getAgenciesList HTTP/1.1\r\n", 0), 0u);
  }
  EXPECT_EQ(handshakes.load(), 2);
  SSL_CTX_free(sctx);
}

// The SDK's sendEdoc (HttpsURLConnection, the JDK's process-wide SSLContext) resumes its TLS
// sessions; its Apache path (a new HttpClient per request) never does.
TEST(SdkClientTransport, TheJdkPathResumesTlsSessionsAndTheApachePathNever) {
  if (!std::filesystem::exists(pki() + "/root-ca.crt")) {
    GTEST_SKIP() << "no test PKI in " << pki() << " (ctest -R test_pki makes it)";
  }
  SSL_CTX* sctx = hub_server_context();
  ASSERT_NE(sctx, nullptr);
  std::atomic<int> resumed_by_server{0};
  {
    TestServer server([&](int fd, TestServer::Conn& c) {
      timeval tv{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      SSL* s = SSL_new(sctx);
      SSL_set_fd(s, fd);
      if (SSL_accept(s) == 1) {
        if (SSL_session_reused(s) == 1) ++resumed_by_server;
        char buf[4096];
        std::string in;
        while (in.find("\r\n\r\n") == std::string::npos ||
               in.size() < in.find("\r\n\r\n") + 4 + content_length(in)) {
          const int n = SSL_read(s, buf, sizeof buf);
          if (n <= 0) break;
          in.append(buf, static_cast<std::size_t>(n));
        }
        c.head = in.substr(0, in.find("\r\n\r\n") + 4);
        const std::string a = answer(200, kJsonOk);
        SSL_write(s, a.data(), static_cast<int>(a.size()));
        SSL_shutdown(s);
      }
      SSL_free(s);
    });
    Endpoint ep = server.endpoint();
    ep.https = true;
    ep.ca_file = pki() + "/root-ca.crt";
    SdkClient jdk(ep, kSystem, kSecret);
    jdk.set_jdk_tls_sessions(std::make_shared<TlsSessionCache>());
    std::vector<bool> resumed;
    for (int k = 0; k < 3; ++k) {
      auto r = jdk.send_edoc("<edXML/>", "edoc", "000.00.00.G22");
      ASSERT_TRUE(r.ok()) << r.status().to_string();
      EXPECT_TRUE(r->ok());
      resumed.push_back(r->tls_resumed);
    }
    EXPECT_EQ(resumed, (std::vector<bool>{false, true, true}));
    for (int k = 0; k < 2; ++k) {  // the same client's Apache path: full handshakes
      auto r = jdk.get_agencies_list();
      ASSERT_TRUE(r.ok()) << r.status().to_string();
      EXPECT_FALSE(r->tls_resumed);
    }
    SdkClient plain(ep, kSystem, kSecret);  // no cache: sendEdoc does full handshakes too
    for (int k = 0; k < 2; ++k) {
      auto r = plain.send_edoc("<edXML/>", "edoc", "000.00.00.G22");
      ASSERT_TRUE(r.ok()) << r.status().to_string();
      EXPECT_FALSE(r->tls_resumed);
    }
    const auto conns = server.conns(7);
    ASSERT_EQ(conns.size(), 7u);
    EXPECT_EQ(conns[1].head.rfind("POST /sendEdoc HTTP/1.1\r\n", 0), 0u);
  }
  EXPECT_EQ(resumed_by_server.load(), 2);
  SSL_CTX_free(sctx);
}

}  // namespace
}  // namespace docaxis::test::vxp
