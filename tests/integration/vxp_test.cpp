// The axis HTTP API of a real docaxis-hub process: an agency system sends through HTTP the way
// the official SDK does (a new TCP connection per request, the signed XroadVnpt- headers, the
// body's trailing CRLF) and the recipient receives on its AMQP inbox. Refusals come back as
// the SDK's FAIL answers and nothing refused reaches anyone.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "hub_fixture.hpp"
#include "test_client.hpp"
#include "vxp/auth.hpp"
#include "vxp/send_body.hpp"

namespace docaxis::test {
namespace {

using amqp::test::InboxClient;

const std::string kSecret = "FAKE-test-secret-0123456789/AB=";

// One request on a new connection, as the SDK's sendEdoc makes it; returns the raw answer.
std::string sdk_send_edoc(int port, const std::string& path, const std::string& system,
                          const std::string& secret, const std::string& package) {
  const std::vector<std::pair<std::string, std::string>> params = {
      {"systemid", system},
      {"servicetype", "eDoc"},
      {"messagetype", "edoc"},
      {"hash-file", vxp::sdk_hash_file(package)},
      {"from", system},
      {"to", "[\"000.00.01.G12\"]"},
      {"timestamp", "06122026T101010+0123"},
      {"Content-Type", "application/octet-stream"}};
  std::string sign = "{";
  std::string keys;
  for (const auto& [k, v] : params) {
    sign += (sign.size() > 1 ? "," : "") + nlohmann::json("XroadVnpt-" + k).dump() + ":" +
            nlohmann::json(v).dump();
    keys += (keys.empty() ? "" : ";") + k;
  }
  sign += "}";
  std::string req = "POST " + path + " HTTP/1.1\r\nContent-Type: application/octet-stream\r\n";
  for (const auto& [k, v] : params) req += "XroadVnpt-" + k + ": " + v + "\r\n";
  req += "XroadVnpt-sign-header-key: " + keys + "\r\n";
  req += "XroadVnpt-sign-header: " + sign + "\r\n";
  req += "XroadVnpt-hash-header: " + vxp::sign_header_mac(secret, sign) + "\r\n";
  req += "User-Agent: JAVASDKAgent/1.0.0 XRoad/VPCP\r\nXroadVnpt-version: 3.0.201608\r\n";
  req += "Host: 127.0.0.1:" + std::to_string(port) + "\r\nConnection: keep-alive\r\n";
  const std::string body = package + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "";
  }
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string got;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
    const auto h = got.find("\r\n\r\n");
    const auto cl = got.find("Content-Length: ");
    if (h != std::string::npos && cl != std::string::npos &&
        got.size() >= h + 4 + std::stoul(got.substr(cl + 16))) {
      break;
    }
  }
  ::close(fd);  // the SDK keeps it open; closing changes nothing for the hub
  return got;
}

nlohmann::json answer_json(const std::string& raw) {
  const auto h = raw.find("\r\n\r\n");
  if (h == std::string::npos) return nullptr;
  return nlohmann::json::parse(raw.substr(h + 4), nullptr, false);
}

std::string vxp_config(const fs::path& dir, const std::string& secret_file) {
  std::string text = default_config(dir);
  // 000.00.13.H30 speaks the API as system "000.00.13.H30"; "g12-dms" acts for 000.00.01.G12.
  const std::string h30 = "[[endpoints]]\norgan = \"000.00.13.H30\"\n";
  text.replace(text.find(h30), h30.size(), h30 + "vxp_system = \"000.00.13.H30\"\n");
  const std::string g12 = "[[endpoints]]\norgan = \"000.00.01.G12\"\n";
  text.replace(text.find(g12), g12.size(), g12 + "vxp_system = \"g12-dms\"\n");
  text += "[vxp]\nenabled = true\nhost = \"127.0.0.1\"\nport = 0\nplain_http = true\n"
          "path_prefix = \"/XrdAdapter/adapter\"\n"
          "[[vxp.systems]]\nid = \"000.00.13.H30\"\nsecret_file = \"" + secret_file + "\"\n"
          "[[vxp.systems]]\nid = \"g12-dms\"\nsecret_file = \"" + secret_file + "\"\n";
  return text;
}

TEST(VxpHub, APackageSentLikeTheSdkReachesTheRecipientsAmqpInboxOnce) {
  const TempDir tmp = temp_dir("vxp-send");
  const fs::path dir = tmp.path();
  const std::string secret_file = (dir / "system.secret").string();
  { std::ofstream(secret_file) << kSecret << "\n"; }
  ::chmod(secret_file.c_str(), 0600);
  TestHub hub(dir, TestHub::FullConfig{vxp_config(dir, secret_file)});
  const int amqp_port = hub.start();
  ASSERT_GT(amqp_port, 0) << hub.log();
  const int port = std::stoi(read((dir / "data" / "vxp.port").string()));
  const std::string path = "/XrdAdapter/adapter/sendEdoc";
  const std::string good = read(kFixtures + "/good-rsa.edxml");

  const nlohmann::json ok = answer_json(sdk_send_edoc(port, path, "000.00.13.H30", kSecret, good));
  ASSERT_TRUE(ok.is_object()) << hub.log();
  EXPECT_EQ(ok["status"], "OK") << ok.dump();
  EXPECT_EQ(ok["ErrorCode"], "0");
  const std::string doc_id = ok.value("DocId", "");
  EXPECT_EQ(doc_id.size(), 24u);

  InboxClient inbox(amqp_port, kPki, organ("000.00.01.G12"), "inbox/000.00.01.G12");
  ASSERT_TRUE(inbox.wait_open()) << inbox.error();
  ASSERT_TRUE(inbox.wait_for(1)) << hub.log();
  EXPECT_EQ(inbox.received()[0].bytes, good);  // the SDK's CRLF gone, nothing else changed

  // The SDK re-sends a POST whose answer it lost: the same DocId, nothing routed twice.
  const nlohmann::json again = answer_json(sdk_send_edoc(port, path, "000.00.13.H30", kSecret, good));
  EXPECT_EQ(again["status"], "OK") << again.dump();
  EXPECT_EQ(again["DocId"], doc_id);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(inbox.received().size(), 1u);

  // A wrong secret, a system sending for another organ, a path outside the prefix: FAIL
  // answers with their codes, and nothing more reaches the inbox.
  const nlohmann::json forged = answer_json(sdk_send_edoc(port, path, "000.00.13.H30", kSecret + "x", good));
  EXPECT_EQ(forged["status"], "FAIL");
  EXPECT_EQ(forged["ErrorCode"], "104") << forged.dump();
  EXPECT_EQ(forged["DocId"], "");
  const nlohmann::json other = answer_json(sdk_send_edoc(port, path, "g12-dms", kSecret, good));
  EXPECT_EQ(other["ErrorCode"], "320") << other.dump();
  EXPECT_NE(other.value("ErrorDesc", "").find("docaxis:unauthorized"), std::string::npos) << other.dump();
  const nlohmann::json lost = answer_json(sdk_send_edoc(port, "/sendEdoc", "000.00.13.H30", kSecret, good));
  EXPECT_EQ(lost["ErrorCode"], "100") << lost.dump();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(inbox.received().size(), 1u);
}

TEST(VxpHub, AHubRefusesToStartWithASecretOthersCanRead) {
  const TempDir tmp = temp_dir("vxp-secret");
  const fs::path dir = tmp.path();
  const std::string secret_file = (dir / "system.secret").string();
  { std::ofstream(secret_file) << kSecret << "\n"; }
  ::chmod(secret_file.c_str(), 0644);
  TestHub hub(dir, TestHub::FullConfig{vxp_config(dir, secret_file)});  // writes hub.toml
  const std::string cmd = kHub + " --config " + (dir / "hub.toml").string() + " >" +
                          (dir / "out.txt").string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  const std::string log = read((dir / "out.txt").string());
  EXPECT_NE(log.find("secret-not-private"), std::string::npos) << log;
  EXPECT_NE(log.find("chmod 600"), std::string::npos) << log;
  EXPECT_EQ(log.find(kSecret), std::string::npos) << log;  // never the secret itself
  EXPECT_FALSE(fs::exists(dir / "data" / "hub.port"));
}

}  // namespace
}  // namespace docaxis::test
