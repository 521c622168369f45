// AdminServer on a real Unix socket in a temp directory, talked to by the real AdminClient
// (and by a raw socket where the test needs to misbehave).
#include "admin/server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "admin/client.hpp"
#include "temp_dir.hpp"

namespace docaxis::admin {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ServerTest : public ::testing::Test {
 protected:
  // The socket path must fit in sun_path (108 bytes): $TMPDIR/docaxis-admin-XXXXXX/admin.sock.
  void SetUp() override { path_ = (dir_ / "admin.sock").string(); }

  // Echoes the command and the caller back; counts requests.
  AdminServer::Handler echo() {
    return [this](const Caller& caller, std::string_view line) {
      ++handled_;
      auto r = parse_request(line);
      if (!r) return encode_error(r.status());
      return encode_ok({{"cmd", r->cmd}, {"uid", caller.uid}, {"pid", caller.pid},
                        {"user", caller.user}, {"who", r->who}, {"args", r->args}});
    };
  }

  docaxis::test::TempDir dir_{"admin"};
  std::string path_;
  std::atomic<int> handled_{0};
};

int raw_connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST_F(ServerTest, SocketIsOwnerOnlyAndEachRequestLineGetsItsAnswer) {
  AdminServer server(path_, echo());
  ASSERT_TRUE(server.start().ok());
  struct stat st{};
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temporary name is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);

  auto client = AdminClient::connect(path_);
  ASSERT_TRUE(client.ok()) << client.status().to_string();
  for (int i = 0; i < 3; ++i) {
    auto r = client->call("doc.show", {{"ref", std::to_string(i)}});
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ((*r)["cmd"], "doc.show");
    EXPECT_EQ((*r)["args"]["ref"], std::to_string(i));
  }
  EXPECT_EQ(handled_.load(), 3);
}

TEST_F(ServerTest, AHandlerThatThrowsIsAnsweredInternalAndTheServerGoesOn) {
  AdminServer server(path_, [this](const Caller& caller, std::string_view line) -> std::string {
    auto r = parse_request(line);
    if (r && r->cmd == "doc.list") throw std::runtime_error("handler blew up");
    return echo()(caller, line);
  });
  ASSERT_TRUE(server.start().ok());
  auto client = AdminClient::connect(path_);
  ASSERT_TRUE(client.ok()) << client.status().to_string();
  auto failed = client->call("doc.list");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), "internal") << failed.status().to_string();
  EXPECT_NE(failed.status().message().find("handler blew up"), std::string::npos);
  auto next = client->call("doc.show", {{"ref", "1"}});
  ASSERT_TRUE(next.ok()) << next.status().to_string();
  EXPECT_EQ((*next)["cmd"], "doc.show");
}

TEST_F(ServerTest, TheCallerIsIdentifiedByTheKernelNotByWhatItClaims) {
  AdminServer server(path_, echo());
  ASSERT_TRUE(server.start().ok());
  auto client = AdminClient::connect(path_);
  ASSERT_TRUE(client.ok());
  auto r = client->call("stats");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)["uid"], ::geteuid());
  EXPECT_EQ((*r)["pid"], ::getpid());
  EXPECT_EQ((*r)["user"], user_name(::geteuid()));
  EXPECT_EQ((*r)["who"], AdminClient::default_who());
}

TEST_F(ServerTest, AMutatingRequestFromTheClientDeclaresItself) {
  AdminServer server(path_, [](const Caller&, std::string_view line) {
    auto r = parse_request(line);
    return r ? encode_ok({{"mutate", r->mutate}}) : encode_error(r.status());
  });
  ASSERT_TRUE(server.start().ok());
  auto client = AdminClient::connect(path_);
  ASSERT_TRUE(client.ok());
  auto m = client->call("dlq.purge", {{"before_ms", 1}}, Access::kMutate);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ((*m)["mutate"], true);
  // The same command sent as a read is refused by the protocol, with the hub's code.
  auto refused = client->call("dlq.purge", {{"before_ms", 1}});
  EXPECT_EQ(refused.status().code(), "mutation-not-declared");
}

TEST_F(ServerTest, AFileThatIsNotASocketIsNeverReplaced) {
  std::ofstream(path_) << "precious";
  AdminServer server(path_, echo());
  Status s = server.start();
  EXPECT_EQ(s.code(), "failed-precondition") << s.to_string();
  std::ifstream in(path_);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(ServerTest, AStaleSocketIsReplacedButALiveOneIsNot) {
  {
    // A socket file left by a process that died: bound, then closed without unlink.
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  AdminServer first(path_, echo());
  ASSERT_TRUE(first.start().ok());
  AdminServer second(path_, echo());
  EXPECT_EQ(second.start().code(), "failed-precondition");
  auto client = AdminClient::connect(path_);
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE(client->call("stats").ok());  // still the first one's
}

TEST_F(ServerTest, StopRemovesTheSocketAndClientsThenSeeTheHubUnreachable) {
  {
    AdminServer server(path_, echo());
    ASSERT_TRUE(server.start().ok());
    auto client = AdminClient::connect(path_);
    ASSERT_TRUE(client.ok());
    server.stop();
    EXPECT_FALSE(fs::exists(path_));
    EXPECT_EQ(client->call("stats").status().code(), "unreachable");
  }
  EXPECT_EQ(AdminClient::connect(path_).status().code(), "unreachable");
}

TEST_F(ServerTest, AnOversizedRequestIsRefusedAndTheConnectionClosed) {
  AdminServer server(path_, echo());
  ASSERT_TRUE(server.start().ok());
  const int fd = raw_connect(path_);
  ASSERT_GE(fd, 0);
  const std::string junk(kMaxRequestBytes + 4096, 'x');
  std::size_t sent = 0;
  while (sent < junk.size()) {
    const ssize_t n = ::send(fd, junk.data() + sent, junk.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;  // closed by the server after its answer
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto r = parse_response(answer.substr(0, answer.find('\n')));
  ASSERT_TRUE(r.ok()) << answer;
  EXPECT_EQ(r->error.code(), "bad-request");
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(ServerTest, RequestsSplitAcrossWritesAndPipelinedRequestsAreFramedByNewlines) {
  AdminServer server(path_, echo());
  ASSERT_TRUE(server.start().ok());
  const int fd = raw_connect(path_);
  ASSERT_GE(fd, 0);
  const std::string two = R"({"cmd":"stats"})" "\n" R"({"cmd":"queue.list"})" "\n";
  ASSERT_EQ(::send(fd, two.data(), 5, MSG_NOSIGNAL), 5);
  ASSERT_EQ(::send(fd, two.data() + 5, two.size() - 5, MSG_NOSIGNAL),
            static_cast<ssize_t>(two.size() - 5));
  ::shutdown(fd, SHUT_WR);
  std::string answer;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const std::size_t nl = answer.find('\n');
  ASSERT_NE(nl, std::string::npos) << answer;
  auto first = parse_response(answer.substr(0, nl));
  auto second = parse_response(answer.substr(nl + 1, answer.find('\n', nl + 1) - nl - 1));
  ASSERT_TRUE(first.ok() && second.ok()) << answer;
  EXPECT_EQ(first->result["cmd"], "stats");
  EXPECT_EQ(second->result["cmd"], "queue.list");
}

}  // namespace
}  // namespace docaxis::admin
