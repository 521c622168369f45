// tls::Identity and IdentitySlot (hub/tls/identity.hpp): the refusals of a certificate and key
// that must not be served, and the swap: a handshake made after replace() presents the new
// certificate, on the server side and as a client certificate, while an SSL object made before
// keeps the one it had. Handshakes run in memory (a BIO pair), with real certificates of the
// test PKI.
#include "tls/identity.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace docaxis::tls {
namespace {

namespace fs = std::filesystem;

std::string pki() {
  const char* p = std::getenv("DOCAXIS_PKI");
  return p != nullptr ? p : DOCAXIS_DEFAULT_PKI;
}
std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

IdentityFiles hub(const std::string& name, const std::string& chain = {}) {
  return {{pki() + "/hubs/" + name + ".crt", chain}, pki() + "/hubs/" + name + ".key"};
}

std::string sha_of_file(const std::string& path) {
  auto certs = load_pem_certs(path);
  return certs.ok() ? certificate_sha256(certs->front().get()) : std::string();
}

class ScratchDir {
 public:
  ScratchDir()
      : path_(fs::temp_directory_path() / ("identity-test-" + std::to_string(::getpid()))) {
    fs::create_directories(path_);
  }
  ~ScratchDir() { fs::remove_all(path_); }
  std::string file(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    std::ofstream(p, std::ios::trunc) << text;
    return p.string();
  }
  std::string copy(const std::string& from, const std::string& name) const {
    const fs::path p = path_ / name;
    fs::copy_file(from, p, fs::copy_options::overwrite_existing);
    return p.string();
  }

 private:
  fs::path path_;
};

TEST(Identity, LoadsTheLeafItsChainAndKey) {
  auto id = Identity::load(hub("h30", pki() + "/intermediate-ca.crt"), now());
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  EXPECT_EQ((*id)->certificates().size(), 2u);
  EXPECT_EQ((*id)->sha256(), sha_of_file(pki() + "/hubs/h30.crt"));
  EXPECT_EQ(certificate_sha256((*id)->certificates()[1].get()),
            sha_of_file(pki() + "/intermediate-ca.crt"));
}

TEST(Identity, RefusesWhatCannotBeServed) {
  const ScratchDir dir;
  const std::string crt = pki() + "/hubs/h30.crt";
  const std::string key = pki() + "/hubs/h30.key";
  auto code = [](const IdentityFiles& f, std::int64_t at = now()) {
    auto id = Identity::load(f, at);
    return id.ok() ? std::string("ok") : id.status().code();
  };
  EXPECT_EQ(code({{crt}, key}), "ok");
  EXPECT_EQ(code({{dir.file("none", "") + ".missing"}, key}), "file-unreadable");
  EXPECT_EQ(code({{crt}, key + ".missing"}), "file-unreadable");
  EXPECT_EQ(code({{crt, pki() + "/missing-chain.crt"}, key}), "file-unreadable");
  EXPECT_EQ(code({{}, key}), "bad-certificate");
  EXPECT_EQ(code({{dir.file("garbage.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n")}, key}),
            "bad-certificate");
  EXPECT_EQ(code({{crt, dir.file("empty-chain.crt", "")}, key}), "bad-certificate");
  EXPECT_EQ(code({{crt}, dir.file("garbage.key", "not a key\n")}), "bad-key");
  EXPECT_EQ(code({{crt}, pki() + "/hubs/national.key"}), "key-mismatch");
  // The chain first and the leaf after it: the key is not the first certificate's.
  EXPECT_EQ(code({{pki() + "/intermediate-ca.crt", crt}, key}), "key-mismatch");
  EXPECT_EQ(code({{pki() + "/special/expired.crt"}, pki() + "/special/expired.key"}),
            "cert-expired");
  EXPECT_EQ(code({{pki() + "/special/not-yet-valid.crt"}, pki() + "/special/not-yet-valid.key"}),
            "cert-not-yet-valid");
  // Valid today, expired in 20 years.
  EXPECT_EQ(code({{crt}, key}, now() + 20LL * 365 * 86400), "cert-expired");
}

TEST(IdentitySlot, AReloadOfBadFilesKeepsTheCurrentIdentity) {
  const ScratchDir dir;
  const std::string crt = dir.copy(pki() + "/hubs/h30.crt", "hub.crt");
  const std::string key = dir.copy(pki() + "/hubs/h30.key", "hub.key");
  auto slot = IdentitySlot::load({{crt}, key}, now());
  ASSERT_TRUE(slot.ok()) << slot.status().to_string();
  const std::string first = (*slot)->current()->sha256();

  auto same = (*slot)->reload(now());
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(*same);

  dir.copy(pki() + "/hubs/national.crt", "hub.crt");  // the key is still h30's
  auto mismatch = (*slot)->reload(now());
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.status().code(), "key-mismatch");
  EXPECT_EQ((*slot)->current()->sha256(), first);

  fs::remove(key);
  EXPECT_EQ((*slot)->reload(now()).status().code(), "file-unreadable");
  EXPECT_EQ((*slot)->current()->sha256(), first);

  dir.copy(pki() + "/hubs/national.key", "hub.key");
  auto changed = (*slot)->reload(now());
  ASSERT_TRUE(changed.ok()) << changed.status().to_string();
  EXPECT_TRUE(*changed);
  EXPECT_EQ((*slot)->current()->sha256(), sha_of_file(pki() + "/hubs/national.crt"));
}

// --- handshakes in memory ---

struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

int accept_any(int, X509_STORE_CTX*) { return 1; }

// Runs a handshake between two new SSL objects of `client` and `server` over a BIO pair.
bool handshake(SSL_CTX* client, SSL_CTX* server, SslPtr& c, SslPtr& s) {
  c.reset(SSL_new(client));
  s.reset(SSL_new(server));
  BIO* cb = nullptr;
  BIO* sb = nullptr;
  if (BIO_new_bio_pair(&cb, 0, &sb, 0) != 1) return false;
  SSL_set_bio(c.get(), cb, cb);
  SSL_set_bio(s.get(), sb, sb);
  SSL_set_connect_state(c.get());
  SSL_set_accept_state(s.get());
  for (int i = 0; i < 100; ++i) {
    const int rc = SSL_do_handshake(c.get());
    const int rs = SSL_do_handshake(s.get());
    if (rc == 1 && rs == 1) return true;
    const int ec = SSL_get_error(c.get(), rc);
    const int es = SSL_get_error(s.get(), rs);
    const bool c_ok = rc == 1 || ec == SSL_ERROR_WANT_READ || ec == SSL_ERROR_WANT_WRITE;
    const bool s_ok = rs == 1 || es == SSL_ERROR_WANT_READ || es == SSL_ERROR_WANT_WRITE;
    if (!c_ok || !s_ok) break;
  }
  ERR_clear_error();
  return false;
}

std::string peer_sha(SSL* ssl) {
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (peer == nullptr) return {};
  const std::string out = certificate_sha256(peer);
  X509_free(peer);
  return out;
}

TEST(IdentitySlot, EveryNewHandshakePresentsTheCurrentIdentityAndOldOnesKeepTheirs) {
  auto slot = IdentitySlot::load(hub("h30"), now());
  ASSERT_TRUE(slot.ok()) << slot.status().to_string();
  auto national = Identity::load(hub("national"), now());
  ASSERT_TRUE(national.ok()) << national.status().to_string();
  const std::string h30_sha = sha_of_file(pki() + "/hubs/h30.crt");
  const std::string national_sha = sha_of_file(pki() + "/hubs/national.crt");

  CtxPtr server(SSL_CTX_new(TLS_server_method()));
  CtxPtr client(SSL_CTX_new(TLS_client_method()));
  ASSERT_TRUE(server && client);
  ASSERT_TRUE((*slot)->install(server.get()).ok());
  SSL_CTX_set_verify(client.get(), SSL_VERIFY_PEER, &accept_any);

  SslPtr c1, s1, c2, s2;
  ASSERT_TRUE(handshake(client.get(), server.get(), c1, s1));
  EXPECT_EQ(peer_sha(c1.get()), h30_sha);
  (*slot)->replace(*national);
  ASSERT_TRUE(handshake(client.get(), server.get(), c2, s2));
  EXPECT_EQ(peer_sha(c2.get()), national_sha);
  // The connection made before the swap is untouched: it still sends and receives.
  EXPECT_EQ(peer_sha(c1.get()), h30_sha);
  EXPECT_EQ(certificate_sha256(SSL_get_certificate(s1.get())), h30_sha);
  ASSERT_EQ(SSL_write(c1.get(), "ping", 4), 4);
  char buf[8] = {};
  EXPECT_EQ(SSL_read(s1.get(), buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "ping");
}

TEST(IdentitySlot, TheClientCertificateIsTheCurrentIdentityToo) {
  auto slot = IdentitySlot::load(hub("h30"), now());
  ASSERT_TRUE(slot.ok()) << slot.status().to_string();
  auto server_id = Identity::load(hub("national"), now());
  auto next = Identity::load(hub("g12"), now());
  ASSERT_TRUE(server_id.ok() && next.ok());

  CtxPtr server(SSL_CTX_new(TLS_server_method()));
  CtxPtr client(SSL_CTX_new(TLS_client_method()));
  ASSERT_TRUE((*server_id)->use_on(server.get()));
  SSL_CTX_set_verify(server.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &accept_any);
  SSL_CTX_set_verify(client.get(), SSL_VERIFY_PEER, &accept_any);
  ASSERT_TRUE((*slot)->install(client.get()).ok());

  SslPtr c1, s1, c2, s2;
  ASSERT_TRUE(handshake(client.get(), server.get(), c1, s1));
  EXPECT_EQ(peer_sha(s1.get()), sha_of_file(pki() + "/hubs/h30.crt"));
  (*slot)->replace(*next);
  ASSERT_TRUE(handshake(client.get(), server.get(), c2, s2));
  EXPECT_EQ(peer_sha(s2.get()), sha_of_file(pki() + "/hubs/g12.crt"));
}

// Swaps on one thread while handshakes run on another (TSan runs this, scripts/test.sh): each
// handshake presents one whole identity, never a mix or none.
TEST(IdentitySlot, SwapsDuringHandshakesAreSafe) {
  auto slot = IdentitySlot::load(hub("h30"), now());
  auto other = Identity::load(hub("national"), now());
  ASSERT_TRUE(slot.ok() && other.ok());
  const auto first = (*slot)->current();
  CtxPtr server(SSL_CTX_new(TLS_server_method()));
  CtxPtr client(SSL_CTX_new(TLS_client_method()));
  ASSERT_TRUE((*slot)->install(server.get()).ok());
  SSL_CTX_set_verify(client.get(), SSL_VERIFY_PEER, &accept_any);
  std::atomic<bool> done{false};
  std::thread swapper([&] {
    for (int i = 0; !done; ++i) (*slot)->replace(i % 2 == 0 ? *other : first);
  });
  for (int i = 0; i < 50; ++i) {
    SslPtr c, s;
    ASSERT_TRUE(handshake(client.get(), server.get(), c, s));
    const std::string sha = peer_sha(c.get());
    EXPECT_TRUE(sha == first->sha256() || sha == (*other)->sha256()) << sha;
    EXPECT_EQ(certificate_sha256(SSL_get_certificate(s.get())), sha);
  }
  done = true;
  swapper.join();
}

}  // namespace
}  // namespace docaxis::tls
