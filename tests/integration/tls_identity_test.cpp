// The hub's own TLS certificate renewed without a restart (issue 16): the listener's certificate
// and key files are replaced by a newly issued pair (same CA, same subject, another serial),
// SIGHUP, and every new connection (AMQP listener, HTTPS axis API) gets the new certificate
// while a connection opened before keeps working; `docaxis cert list` shows the new one. A
// replacement whose key is not the certificate's keeps the old certificate, the hub serving on.
// The peer links present the new certificate as their client certificate on their next
// connection, and the certificate a peer presents to them is in the inventory (role "peer").
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "cert_cli.hpp"
#include "hub_fixture.hpp"
#include "test_certs.hpp"
#include "test_client.hpp"
#include "tls/cert_inventory.hpp"

namespace docaxis::test {
namespace {

using amqp::test::InboxClient;
using amqp::test::send_package;

const std::string kSender = "000.00.13.H30";
const std::string kRecipient = "000.00.01.G12";
const std::string kNationalSubject = "CN=docaxis hub national,O=docaxis test PKI,C=VN";

// The certificate a TLS server on 127.0.0.1:port presents to a new connection (serial, sha256
// in CertInfo), read with OpenSSL; the client presents an agency certificate (the AMQP
// listener asks for one). Empty sha256 when no handshake completed.
model::CertInfo presented(int port) {
  model::CertInfo out;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return out;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = nullptr;
  if (ctx != nullptr && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      SSL_CTX_use_certificate_chain_file(ctx, (organ(kRecipient) + ".crt").c_str()) == 1 &&
      SSL_CTX_use_PrivateKey_file(ctx, (organ(kRecipient) + ".key").c_str(), SSL_FILETYPE_PEM) ==
          1 &&
      (ssl = SSL_new(ctx)) != nullptr && SSL_set_fd(ssl, fd) == 1 && SSL_connect(ssl) == 1) {
    if (X509* peer = SSL_get1_peer_certificate(ssl)) {
      out = tls::describe_certificate(peer, "presented");
      X509_free(peer);
    }
  }
  ERR_clear_error();
  if (ssl != nullptr) SSL_free(ssl);
  if (ctx != nullptr) SSL_CTX_free(ctx);
  ::close(fd);
  return out;
}

std::string sha_of(const std::string& cert) {
  auto c = tls::describe_pem_file(cert, "x");
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  return c.ok() ? c->front().sha256 : std::string();
}

// A hub configuration whose [listener.tls] cert_file and key_file are copies in <dir>/tls.
std::string with_own_tls_files(std::string config, const fs::path& dir, const std::string& name) {
  fs::create_directories(dir / "tls");
  const std::string crt = (dir / "tls" / "hub.crt").string(),
                    key = (dir / "tls" / "hub.key").string();
  fs::copy_file(kPki + "/hubs/" + name + ".crt", crt, fs::copy_options::overwrite_existing);
  fs::copy_file(kPki + "/hubs/" + name + ".key", key, fs::copy_options::overwrite_existing);
  const std::string before = config;
  config = std::regex_replace(
      config,
      std::regex("\\[listener\\.tls\\]([^\\[]*)cert_file = \"[^\"]*\"\nkey_file = \"[^\"]*\""),
      "[listener.tls]$1cert_file = \"" + crt + "\"\nkey_file = \"" + key + "\"");
  EXPECT_NE(config, before) << config;
  return config;
}

// A new certificate for hub `name` from the test PKI's CA: same subject, another serial.
std::string renewed(const fs::path& dir, const std::string& name) {
  CertSpec spec;
  spec.common_name = "docaxis hub " + name;
  spec.san_uris = {"urn:docaxis:hub:" + name};
  const std::string base = (dir / "renewed").string();
  EXPECT_TRUE(
      issue_ec_certificate(kPki + "/intermediate-ca.crt", kPki + "/intermediate-ca.key", base, spec)
          .ok());
  return base;
}

TEST(TlsIdentity, ARenewedCertificateIsServedAfterSighupAndABadOneIsRefused) {
  const TempDir dir = temp_dir("tls-identity");
  fs::create_directories(dir / "scratch");
  const std::string secret = (dir / "g12.secret").string();
  { std::ofstream(secret) << "FAKE-tls-identity-secret-0123456789\n"; }
  fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);
  std::string config = with_own_tls_files(default_config(dir), dir, "h30");
  const std::string g12 = "[[endpoints]]\norgan = \"" + kRecipient + "\"\n";
  config.replace(config.find(g12), g12.size(), g12 + "vxp_system = \"g12-dms\"\n");
  config +=
      "[vxp]\nenabled = true\nhost = \"127.0.0.1\"\nport = 0\n"
      "[[vxp.systems]]\nid = \"g12-dms\"\nsecret_file = \"" +
      secret + "\"\n";
  TestHub hub(dir, TestHub::FullConfig{config});
  const int port = hub.start();
  ASSERT_GT(port, 0) << hub.log();
  const int https = std::stoi(read((hub.data_dir() / "vxp.port").string()));
  const std::string socket = (hub.data_dir() / "admin.sock").string();
  const std::string crt = (dir / "tls" / "hub.crt").string(),
                    key = (dir / "tls" / "hub.key").string();
  const std::string old_sha = sha_of(kPki + "/hubs/h30.crt");
  const std::string next = renewed(dir.path(), "h30");
  const std::string new_sha = sha_of(next + ".crt");
  ASSERT_NE(old_sha, new_sha);

  EXPECT_EQ(presented(port).sha256, old_sha);
  EXPECT_EQ(presented(https).sha256, old_sha);
  InboxClient recipient(port, kPki, organ(kRecipient), "inbox/" + kRecipient);
  ASSERT_TRUE(recipient.wait_open()) << recipient.error();

  // A certificate whose key is not in key_file: refused, the old one stays, the hub serves on.
  replace_file(next + ".crt", crt);
  ASSERT_EQ(kill(hub.pid(), SIGHUP), 0);
  ASSERT_TRUE(
      wait_for_log(hub, "event=tls-identity-reload-failed trigger=sighup code=key-mismatch"))
      << hub.log();
  EXPECT_NE(hub.log().find("kept=current sha256=" + old_sha.substr(0, 16)), std::string::npos)
      << hub.log();
  EXPECT_EQ(presented(port).sha256, old_sha);
  EXPECT_EQ(presented(https).sha256, old_sha);
  auto first = send_package(port, kPki, organ(kSender), "edoc", signed_document(kSender, 1));
  EXPECT_EQ(first.outcome, "accepted") << first.condition << " " << first.description;
  EXPECT_TRUE(recipient.wait_for(1)) << hub.log();
  auto tls = with_role(cert_list(dir / "scratch", socket), "hub-tls");
  ASSERT_EQ(tls.size(), 1u);
  EXPECT_EQ(tls[0]["sha256"], old_sha);

  // The matching key too: the renewed certificate is served to every new connection.
  replace_file(next + ".key", key);
  ASSERT_EQ(kill(hub.pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_for_log(hub, "event=tls-identity-reloaded trigger=sighup changed=true"))
      << hub.log();
  const model::CertInfo amqp_now = presented(port);
  EXPECT_EQ(amqp_now.sha256, new_sha);
  EXPECT_EQ(amqp_now.serial, tls::describe_pem_file(next + ".crt", "x")->front().serial);
  EXPECT_NE(amqp_now.serial, tls::describe_pem_file(kPki + "/hubs/h30.crt", "x")->front().serial);
  EXPECT_EQ(presented(https).sha256, new_sha);
  tls = with_role(cert_list(dir / "scratch", socket), "hub-tls");
  ASSERT_EQ(tls.size(), 1u);
  EXPECT_EQ(tls[0]["sha256"], new_sha);
  EXPECT_EQ(tls[0]["source"], crt);
  // The connection opened before the swap still receives; a new one (new certificate) sends.
  auto second = send_package(port, kPki, organ(kSender), "edoc", signed_document(kSender, 2));
  EXPECT_EQ(second.outcome, "accepted") << second.condition << " " << second.description;
  EXPECT_TRUE(recipient.wait_for(2)) << hub.log();
  EXPECT_EQ(hub.stop(SIGTERM), 0) << hub.log();
}

// Up to 30 s for `done`.
template <class F>
bool eventually(F done) {
  for (int i = 0; i < 300; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

bool has_sha(const std::vector<nlohmann::json>& certs, const std::string& sha) {
  for (const auto& c : certs) {
    if (c["sha256"] == sha) return true;
  }
  return false;
}

TEST(TlsIdentity, PeerLinksRecordThePeersCertificateAndPresentTheRenewedOneOnTheNextConnection) {
  const TempDir dir = temp_dir("tls-identity-peer");
  const fs::path h30_dir = dir / "h30", national_dir = dir / "national";
  fs::create_directories(dir / "scratch");
  const int national_port = free_loopback_port();
  // national has no [[peers]]: h30's certificate reaches its inventory only as a client.
  HubProcess national(kHub, national_dir,
                      hub_toml({.pki = kPki,
                                .data_dir = national_dir / "data",
                                .name = "national",
                                .port = national_port,
                                .organs = {"000.00.00.G22"},
                                .extra_toml = {}}));
  ASSERT_TRUE(national.launch().ok()) << national.log();
  const std::string peer =
      "[[peers]]\nname = \"national\"\nurl = \"amqps://127.0.0.1:" + std::to_string(national_port) +
      "\"\ncert_subject = \"" + kNationalSubject + "\"\n";
  TestHub h30(h30_dir, TestHub::FullConfig{
                           with_own_tls_files(default_config(h30_dir, peer), h30_dir, "h30")});
  ASSERT_GT(h30.start(), 0) << h30.log();
  ASSERT_TRUE(wait_for_log(h30, "event=peer-connected peer=national")) << h30.log();
  const std::string h30_socket = (h30.data_dir() / "admin.sock").string();
  const std::string national_socket = (national.data_dir() / "admin.sock").string();

  // h30 connected out to national: national's server certificate is in h30's inventory.
  const std::string national_sha = sha_of(kPki + "/hubs/national.crt");
  EXPECT_TRUE(eventually([&] {
    return has_sha(with_role(cert_list(dir / "scratch", h30_socket), "peer"), national_sha);
  })) << cert_list(dir / "scratch", h30_socket).dump(1);
  const std::string old_sha = sha_of(kPki + "/hubs/h30.crt");
  EXPECT_TRUE(has_sha(with_role(cert_list(dir / "scratch", national_socket), "peer"), old_sha));

  // h30's certificate is renewed; national restarts, and h30's next connection presents the
  // renewed certificate as its client certificate.
  const std::string next = renewed(dir.path(), "h30");
  const std::string new_sha = sha_of(next + ".crt");
  replace_file(next + ".key", (h30_dir / "tls" / "hub.key").string());
  replace_file(next + ".crt", (h30_dir / "tls" / "hub.crt").string());
  ASSERT_EQ(kill(h30.pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_for_log(h30, "event=tls-identity-reloaded trigger=sighup changed=true"))
      << h30.log();
  ASSERT_EQ(national.stop(SIGTERM), 0) << national.log();
  ASSERT_TRUE(national.launch().ok()) << national.log();
  EXPECT_TRUE(eventually([&] {
    return has_sha(with_role(cert_list(dir / "scratch", national_socket), "peer"), new_sha);
  })) << national.log()
      << h30.log();
  EXPECT_FALSE(has_sha(with_role(cert_list(dir / "scratch", national_socket), "peer"), old_sha));
  EXPECT_EQ(h30.stop(SIGTERM), 0) << h30.log();
  EXPECT_EQ(national.stop(SIGTERM), 0) << national.log();
}

}  // namespace
}  // namespace docaxis::test
