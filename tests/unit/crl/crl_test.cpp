// hub/crl: parsing and verifying CRLs (crl_check.hpp) and the fetcher (fetcher.hpp) against a
// local HTTP server: distribution points, the cache, the grace policy, and the signature
// TrustStore reading the cache (hub/dsig with tls/crl_support.hpp).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "crl/crl_check.hpp"
#include "crl/fetcher.hpp"
#include "crl_test_support.hpp"
#include "dsig/trust_store.hpp"
#include "temp_dir.hpp"
#include "tls/trust.hpp"

namespace docaxis::crl::test {
namespace {

namespace fs = std::filesystem;

const std::string kPki = [] {
  const char* env = std::getenv("DOCAXIS_PKI");
  return std::string(env != nullptr ? env : DOCAXIS_DEFAULT_PKI);
}();

std::int64_t wall() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A root CA and an issuing CA made in the test; the issuing CA's certificate names the root's
// CRL at the given URL (its distribution point).
// RSA key generation is slow: three keys made once, shared (a new reference each).
PkeyPtr shared_key(int i) {
  static PkeyPtr keys[3] = {new_rsa_key(), new_rsa_key(), new_rsa_key()};
  EVP_PKEY_up_ref(keys[i].get());
  return PkeyPtr(keys[i].get());
}

struct MiniPki {
  PkeyPtr root_key = shared_key(0);
  tls::X509Ptr root;
  PkeyPtr sub_key = shared_key(1);
  tls::X509Ptr sub;
  PkeyPtr other_key = shared_key(2);
  tls::X509Ptr other;  // an unrelated CA
  explicit MiniPki(const std::string& root_crl_url) {
    root = make_ca("crl test root", root_key.get(), nullptr, nullptr, {}, 1);
    sub = make_ca("crl test issuing", sub_key.get(), root.get(), root_key.get(), {root_crl_url}, 2);
    other = make_ca("crl test other", other_key.get(), nullptr, nullptr, {}, 3);
  }
};

Result<ParsedCrl> parse(const std::string& bytes) { return parse_crl(bytes, 1 << 20); }

// ------------------------------------------------------------------ parsing and verification

TEST(CrlCheck, AValidCrlFromTheCaPassesInDerAndPem) {
  MiniPki pki("http://127.0.0.1:1/root.crl");
  const std::int64_t now = wall();
  const std::string der = make_crl_der(pki.root.get(), pki.root_key.get(), {now - 60, now + 3600, {2}, {}, 5});
  for (const std::string& bytes : {der, der_to_pem(der)}) {
    auto c = parse(bytes);
    ASSERT_TRUE(c.ok()) << c.status().to_string();
    EXPECT_EQ(c->this_update, now - 60);
    EXPECT_EQ(c->next_update, now + 3600);
    EXPECT_NE(c->pem.find("-----BEGIN X509 CRL-----"), std::string::npos);
    EXPECT_TRUE(check_crl(*c, pki.root.get(), now, nullptr, true).ok());
  }
}

TEST(CrlCheck, GarbageAndOversizedResponsesAreRefused) {
  MiniPki pki("http://127.0.0.1:1/root.crl");
  EXPECT_EQ(parse("<html>not found</html>").status().code(), "crl-garbage");
  EXPECT_EQ(parse("").status().code(), "crl-garbage");
  EXPECT_EQ(parse("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n").status().code(),
            "crl-garbage");
  const std::int64_t now = wall();
  const std::string der = make_crl_der(pki.root.get(), pki.root_key.get(), {now - 60, now + 3600, {}, {}, 1});
  EXPECT_EQ(parse(der + "trailing").status().code(), "crl-garbage");
  EXPECT_EQ(parse_crl(der, der.size() - 1).status().code(), "crl-too-large");
  EXPECT_TRUE(parse_crl(der, der.size()).ok());
}

TEST(CrlCheck, ABadSignatureIsRefused) {
  MiniPki pki("http://127.0.0.1:1/root.crl");
  const std::int64_t now = wall();
  // Named as the root's, signed with another key.
  auto c = parse(make_crl_der(pki.root.get(), pki.other_key.get(), {now - 60, now + 3600, {}, {}, 1}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(check_crl(*c, pki.root.get(), now, nullptr, true).code(), "crl-bad-signature");
}

TEST(CrlCheck, TheWrongIssuerIsRefused) {
  MiniPki pki("http://127.0.0.1:1/root.crl");
  const std::int64_t now = wall();
  auto c = parse(make_crl_der(pki.other.get(), pki.other_key.get(), {now - 60, now + 3600, {}, {}, 1}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(check_crl(*c, pki.root.get(), now, nullptr, true).code(), "crl-wrong-issuer");
}

TEST(CrlCheck, ExpiredFutureAndOpenEndedCrlsAreRefused) {
  MiniPki pki("http://127.0.0.1:1/root.crl");
  const std::int64_t now = wall();
  auto expired = parse(make_crl_der(pki.root.get(), pki.root_key.get(), {now - 7200, now - 1, {}, {}, 1}));
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(check_crl(*expired, pki.root.get(), now, nullptr, true).code(), "crl-expired");
  // A cached one read at start-up is not refused for being stale (the grace decides).
  EXPECT_TRUE(check_crl(*expired, pki.root.get(), now, nullptr, false).ok());
  auto future = parse(make_crl_der(pki.root.get(), pki.root_key.get(),
                                   {now + kClockSkewSeconds + 60, now + 7200, {}, {}, 1}));
  ASSERT_TRUE(future.ok());
  EXPECT_EQ(check_crl(*future, pki.root.get(), now, nullptr, true).code(), "crl-from-future");
  auto open = parse(make_crl_der(pki.root.get(), pki.root_key.get(), {now - 60, 0, {}, {}, 1}));
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(check_crl(*open, pki.root.get(), now, nullptr, true).code(), "crl-no-next-update");
}

TEST(CrlCheck, AnOlderCrlThanTheCachedOneIsARollback) {
  MiniPki pki("http://127.0.0.1:1/root.crl");
  const std::int64_t now = wall();
  auto cached = parse(make_crl_der(pki.root.get(), pki.root_key.get(), {now - 60, now + 3600, {}, {}, 7}));
  auto older = parse(make_crl_der(pki.root.get(), pki.root_key.get(), {now - 120, now + 3600, {}, {}, 8}));
  auto lower = parse(make_crl_der(pki.root.get(), pki.root_key.get(), {now - 60, now + 3600, {}, {}, 6}));
  auto newer = parse(make_crl_der(pki.root.get(), pki.root_key.get(), {now - 30, now + 3600, {}, {}, 8}));
  ASSERT_TRUE(cached.ok() && older.ok() && lower.ok() && newer.ok());
  EXPECT_EQ(check_crl(*older, pki.root.get(), now, &*cached, true).code(), "crl-rollback");
  EXPECT_EQ(check_crl(*lower, pki.root.get(), now, &*cached, true).code(), "crl-rollback");
  EXPECT_TRUE(check_crl(*newer, pki.root.get(), now, &*cached, true).ok());
  EXPECT_TRUE(check_crl(*cached, pki.root.get(), now, &*cached, true).ok());
  EXPECT_TRUE(same_crl(*cached, *cached));
  EXPECT_FALSE(same_crl(*cached, *newer));
}

// ------------------------------------------------------------------ the fetcher

struct FakeClock {
  std::shared_ptr<std::atomic<std::int64_t>> t = std::make_shared<std::atomic<std::int64_t>>(wall());
  std::function<std::int64_t()> fn() const {
    auto p = t;
    return [p] { return p->load(); };
  }
  void advance(std::int64_t s) { t->fetch_add(s); }
};

FetcherOptions options_for(const std::vector<std::string>& ca_files, const std::string& cache,
                           const FakeClock& clock) {
  FetcherOptions o;
  o.ca_files = ca_files;
  o.cache_dir = cache;
  o.interval = std::chrono::seconds(600);
  o.grace = std::chrono::seconds(1800);
  o.limits.max_bytes = 64 * 1024;
  o.limits.total_timeout = std::chrono::seconds(5);
  o.limits.connect_timeout = std::chrono::seconds(2);
  o.retry_initial = std::chrono::milliseconds(1000);
  o.now = clock.fn();
  return o;
}

class Fetcher : public ::testing::Test {
 protected:
  TinyHttpServer server;
  const docaxis::test::TempDir dir{"crl-fetcher"};
  MiniPki pki{server.url("/root.crl")};
  FakeClock clock;
  std::string ca_file() {
    const std::string f = (dir / "cas.pem").string();
    write_file(f, cert_pem(pki.root.get()) + cert_pem(pki.sub.get()));
    return f;
  }
  std::string cache() const { return (dir / "crl-cache").string(); }
};

TEST_F(Fetcher, FetchesTheCrlNamedByADistributionPointVerifiesAndCachesIt) {
  const std::int64_t now = clock.t->load();
  server.set("/root.crl", make_crl_der(pki.root.get(), pki.root_key.get(), {now - 60, now + 3600, {2}, {}, 1}));
  auto f = CrlFetcher::create(options_for({ca_file()}, cache(), clock));
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  ASSERT_EQ((*f)->sources(), 1u);  // the root (named by the issuing CA's certificate)
  int changes = 0;
  (*f)->on_change([&] { ++changes; });
  EXPECT_EQ((*f)->run_once(), 1u);
  EXPECT_EQ(changes, 1);
  EXPECT_EQ(server.requests("/root.crl"), 1);
  auto st = (*f)->states();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].issuer, "CN=crl test root,O=docaxis crl test");
  EXPECT_EQ(st[0].url, server.url("/root.crl"));
  EXPECT_TRUE(st[0].usable);
  EXPECT_EQ(st[0].reason, "");
  EXPECT_EQ(st[0].next_update, now + 3600);
  EXPECT_EQ(st[0].last_success, now);
  // The cache: one owner-only PEM file, named by the CA certificate's SHA-256.
  const std::string file = cache() + "/" + tls::sha256_hex(pki.root.get()) + ".crl.pem";
  ASSERT_TRUE(fs::exists(file));
  struct stat sb {};
  ASSERT_EQ(::stat(file.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  EXPECT_NE(read_all(file).find("-----BEGIN X509 CRL-----"), std::string::npos);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  struct stat db {};
  ASSERT_EQ(::stat(cache().c_str(), &db), 0);
  EXPECT_EQ(db.st_mode & 0777, 0700u);
  // Nothing is due before the interval or half the CRL's validity: no new request.
  EXPECT_EQ((*f)->run_once(), 0u);
  EXPECT_EQ(server.requests("/root.crl"), 1);
  // Half its validity later it is due again; the same CRL is no change.
  clock.advance(1800);
  EXPECT_EQ((*f)->run_once(), 0u);
  EXPECT_EQ(server.requests("/root.crl"), 2);
  EXPECT_EQ(changes, 1);
}

TEST_F(Fetcher, ABadSignatureAnOversizedOrAnOlderCrlIsNotUsed) {
  const std::int64_t now = clock.t->load();
  // Signed by another key: refused, nothing cached, the CA's state says why.
  server.set("/root.crl", make_crl_der(pki.root.get(), pki.other_key.get(), {now - 60, now + 3600, {}, {}, 1}));
  auto f = CrlFetcher::create(options_for({ca_file()}, cache(), clock));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->run_once(), 0u);
  auto st = (*f)->states();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_FALSE(st[0].usable);
  EXPECT_NE(st[0].reason.find("crl-bad-signature"), std::string::npos) << st[0].reason;
  EXPECT_EQ(st[0].failures, 1u);
  EXPECT_FALSE(fs::exists(cache() + "/" + tls::sha256_hex(pki.root.get()) + ".crl.pem"));

  // A good one is taken.
  clock.advance(60);
  server.set("/root.crl", make_crl_der(pki.root.get(), pki.root_key.get(), {now - 60, now + 3600, {}, {}, 5}));
  EXPECT_EQ((*f)->run_once(true), 1u);
  // Then a bad signature, an oversized body, an older CRL: each refused, the cached one kept.
  const std::string cached = read_all(cache() + "/" + tls::sha256_hex(pki.root.get()) + ".crl.pem");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {make_crl_der(pki.root.get(), pki.other_key.get(), {now, now + 7200, {}, {}, 6}), "crl-bad-signature"},
      {std::string(65 * 1024, 'x'), "crl-too-large"},
      {make_crl_der(pki.root.get(), pki.root_key.get(), {now - 600, now + 3600, {}, {}, 4}), "crl-rollback"},
      {"<html>oops</html>", "crl-garbage"},
      {make_crl_der(pki.other.get(), pki.other_key.get(), {now, now + 7200, {}, {}, 9}), "crl-wrong-issuer"}};
  for (const auto& [body, code] : bad) {
    server.set("/root.crl", body);
    EXPECT_EQ((*f)->run_once(true), 0u) << code;
    st = (*f)->states();
    EXPECT_TRUE(st[0].usable) << code;
    EXPECT_NE(st[0].reason.find(code), std::string::npos) << st[0].reason;
    EXPECT_EQ(read_all(cache() + "/" + tls::sha256_hex(pki.root.get()) + ".crl.pem"), cached) << code;
  }
}

TEST_F(Fetcher, FailuresBackOff) {
  auto f = CrlFetcher::create(options_for({ca_file()}, cache(), clock));  // nothing served: 404
  ASSERT_TRUE(f.ok());
  (*f)->run_once();
  auto st = (*f)->states();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_NE(st[0].reason.find("HTTP status 404"), std::string::npos) << st[0].reason;
  const std::int64_t first = st[0].next_attempt - clock.t->load();
  EXPECT_GE(first, 1);
  EXPECT_LE(first, 2);
  clock.advance(first);
  (*f)->run_once();
  st = (*f)->states();
  EXPECT_EQ(st[0].failures, 2u);
  const std::int64_t second = st[0].next_attempt - clock.t->load();
  EXPECT_GE(second, 2);
  EXPECT_LE(second, 3);
  EXPECT_EQ(server.requests("/root.crl"), 2);
  (*f)->run_once();  // not due yet
  EXPECT_EQ(server.requests("/root.crl"), 2);
}

// Redirects are never followed (hub/crl/README.md, "Fetching"): not to another scheme, not to
// an internal address, not even to the same server; the reason names where it pointed.
TEST_F(Fetcher, RedirectsAreRefusedWithTheirTargetInTheReason) {
  const std::int64_t now = clock.t->load();
  server.set("/moved.crl", make_crl_der(pki.root.get(), pki.root_key.get(), {now - 60, now + 3600, {}, {}, 1}));
  auto f = CrlFetcher::create(options_for({ca_file()}, cache(), clock));
  ASSERT_TRUE(f.ok());
  for (const std::string& target : {std::string("file:///etc/passwd"), server.url("/moved.crl"),
                                    std::string("http://169.254.169.254/latest/meta-data/")}) {
    server.redirect("/root.crl", target);
    EXPECT_EQ((*f)->run_once(true), 0u) << target;
    const CrlState st = (*f)->states()[0];
    EXPECT_FALSE(st.usable);
    EXPECT_NE(st.reason.find("crl-redirect-refused: HTTP status 302 to " + target), std::string::npos)
        << st.reason;
    EXPECT_EQ(server.requests("/moved.crl"), 0) << target;
  }
  EXPECT_FALSE(fs::exists(cache() + "/" + tls::sha256_hex(pki.root.get()) + ".crl.pem"));
  // A Location with control characters never reaches the one-line reason as such.
  server.redirect("/root.crl", "http://a/\x01\x1b[31mb");
  EXPECT_EQ((*f)->run_once(true), 0u);
  const std::string reason = (*f)->states()[0].reason;
  EXPECT_NE(reason.find("crl-redirect-refused: HTTP status 302 to http://a/"), std::string::npos) << reason;
  EXPECT_TRUE(std::none_of(reason.begin(), reason.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
      << reason;
}

// states() (which /readyz and /metrics call) answers while the fetcher is writing the cache: the
// cache file's temporary name is a FIFO, so the fetcher's open() blocks like a stalled disk
// until the test opens the other end. With the state lock held across accept(), states() waited.
TEST_F(Fetcher, StatesAnswerWhileTheCacheWriteStalls) {
  const std::int64_t now = clock.t->load();
  server.set("/root.crl", make_crl_der(pki.root.get(), pki.root_key.get(), {now - 60, now + 3600, {}, {}, 1}));
  auto f = CrlFetcher::create(options_for({ca_file()}, cache(), clock));
  ASSERT_TRUE(f.ok());
  const std::string tmp = cache() + "/" + tls::sha256_hex(pki.root.get()) + ".crl.pem.tmp";
  ASSERT_EQ(::mkfifo(tmp.c_str(), 0600), 0);
  std::atomic<std::size_t> changed{99};
  std::thread fetching([&] { changed = (*f)->run_once(true); });
  for (int i = 0; i < 500 && server.requests("/root.crl") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // into the verification and open()
  auto answer = std::async(std::launch::async, [&] { return (*f)->states(); });
  const bool answered = answer.wait_for(std::chrono::seconds(3)) == std::future_status::ready;
  EXPECT_EQ(changed.load(), 99u);  // the fetch was still in progress
  // Release the writer: open the reading end and drain it.
  const int rd = ::open(tmp.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(rd, 0);
  fetching.join();
  ::close(rd);
  EXPECT_TRUE(answered) << "states() waited for the cache write";
  const auto st = answer.get();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].last_attempt, now);
  EXPECT_EQ(changed.load(), 0u);  // fsync of a FIFO fails: crl-cache
  EXPECT_NE((*f)->states()[0].reason.find("crl-cache"), std::string::npos) << (*f)->states()[0].reason;
}

// ------------------------------------------------------------------ the policy, with the trust

// The test PKI's issuing CA and root, with CRLs served at configured URLs (their certificates
// carry no distribution point); the organ certificate 000.00.13.H30 is checked by a signature
// TrustStore reading the cache directory.
class Policy : public ::testing::Test {
 protected:
  TinyHttpServer server;
  const docaxis::test::TempDir dir{"crl-policy"};
  FakeClock clock;
  tls::X509Ptr root = load_cert(kPki + "/root-ca.crt");
  PkeyPtr root_key = load_key(kPki + "/root-ca.key");
  tls::X509Ptr issuing = load_cert(kPki + "/intermediate-ca.crt");
  PkeyPtr issuing_key = load_key(kPki + "/intermediate-ca.key");
  tls::X509Ptr organ = load_cert(kPki + "/organs/000.00.13.H30.crt");

  std::string cache() const { return (dir / "crl-cache").string(); }
  FetcherOptions options() {
    FetcherOptions o = options_for({kPki + "/root-ca.crt", kPki + "/intermediates.pem"}, cache(), clock);
    o.extra_urls = {server.url("/issuing.crl"), server.url("/root.crl")};
    return o;
  }
  // Both CRLs, made at the fake clock's time; the issuing CA's revokes `revoked` when given.
  void serve(std::int64_t next_update, X509* revoked, long number) {
    const std::int64_t now = clock.t->load();
    CrlSpec spec{now - 60, next_update, {}, {}, number};
    if (revoked != nullptr) spec.revoked_certs = {revoked};
    server.set("/issuing.crl", make_crl_der(issuing.get(), issuing_key.get(), spec));
    server.set("/root.crl", make_crl_der(root.get(), root_key.get(), {now - 60, next_update, {}, {}, 1}));
  }
  Status check_organ(std::int64_t at) {
    dsig::TrustConfig t;
    t.anchor_files = {kPki + "/root-ca.crt"};
    t.intermediate_files = {kPki + "/intermediates.pem"};
    t.crl_cache_dir = cache();
    t.crl_grace_seconds = 1800;
    auto store = dsig::TrustStore::load(t);
    if (!store) return store.status();
    auto v = (*store)->validate(organ.get(), {}, static_cast<std::time_t>(at));
    return v ? Status() : v.status();
  }
  // The same certificate as a TLS client, against the TLS trust reading the cache.
  Status check_tls_client(std::int64_t at) {
    tls::TrustFiles files;
    files.anchors = {kPki + "/root-ca.crt"};
    files.intermediates = {kPki + "/intermediates.pem"};
    files.crl_cache_dir = cache();
    files.crl_grace_seconds = 1800;
    auto trust = tls::TlsTrust::load(files);
    if (!trust) return trust.status();
    tls::Chain chain;
    X509_up_ref(organ.get());
    chain.emplace_back(organ.get());
    return (*trust)->verify(chain, static_cast<std::time_t>(at), true);
  }
};

TEST_F(Policy, WithoutAnyCrlTheCasCertificatesAreRefused) {
  EXPECT_EQ(check_organ(clock.t->load()).code(), "cert-revocation-unknown");
}

TEST_F(Policy, ARevocationInAFetchedCrlRefusesTheCertificate) {
  const std::int64_t now = clock.t->load();
  serve(now + 3600, nullptr, 1);
  auto f = CrlFetcher::create(options());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->run_once(), 2u);
  auto st = (*f)->states();
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0].issuer, tls::subject_of(issuing.get()));  // attributed by issuer and key
  EXPECT_EQ(st[1].issuer, tls::subject_of(root.get()));
  EXPECT_TRUE(check_organ(now).ok()) << check_organ(now).to_string();
  clock.advance(10);
  serve(now + 3600, organ.get(), 2);
  EXPECT_EQ((*f)->run_once(true), 2u);  // both newer (thisUpdate); only the issuing CA's revokes
  EXPECT_EQ(check_organ(now + 10).code(), "cert-revoked");
}

TEST_F(Policy, ADownServerKeepsTheCachedCrlUntilNextUpdatePlusGraceThenFailsClosed) {
  const std::int64_t now = clock.t->load();
  serve(now + 3600, nullptr, 1);
  {
    auto f = CrlFetcher::create(options());
    ASSERT_TRUE(f.ok());
    ASSERT_EQ((*f)->run_once(), 2u);
  }
  server.down();
  // A restart without network: the cache is used.
  auto f = CrlFetcher::create(options());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->run_once(), 0u);
  auto st = (*f)->states();
  ASSERT_EQ(st.size(), 2u);
  for (const auto& s : st) {  // the configured URLs' CAs are remembered in the cache
    EXPECT_TRUE(s.usable) << s.url << ": " << s.reason;
    EXPECT_FALSE(s.issuer.empty());
    EXPECT_NE(s.reason.find("crl-fetch-failed"), std::string::npos) << s.reason;
  }
  EXPECT_TRUE(check_organ(now).ok()) << check_organ(now).to_string();
  // Past nextUpdate, within the grace: still used, the state says stale.
  EXPECT_TRUE(check_organ(now + 3600 + 1000).ok()) << check_organ(now + 3600 + 1000).to_string();
  // Past nextUpdate + grace: refused (fail closed).
  EXPECT_EQ(check_organ(now + 3600 + 1800 + 10).code(), "cert-revocation-unknown");
  // The TLS trust applies the same policy.
  EXPECT_TRUE(check_tls_client(now).ok()) << check_tls_client(now).to_string();
  EXPECT_TRUE(check_tls_client(now + 3600 + 1000).ok());
  EXPECT_EQ(check_tls_client(now + 3600 + 1800 + 10).code(), "cert-revocation-unknown");
}

TEST_F(Policy, StartUpDropsCachedFilesThatDoNotVerifyOrBelongToNoTrustedCa) {
  const std::int64_t now = clock.t->load();
  fs::create_directories(cache());
  const std::string issuing_file = cache() + "/" + tls::sha256_hex(issuing.get()) + ".crl.pem";
  const std::string root_file = cache() + "/" + tls::sha256_hex(root.get()) + ".crl.pem";
  const std::string stray = cache() + "/" + std::string(64, 'a') + ".crl.pem";
  // The issuing CA's file holds a CRL signed by the root's key; the root's is fine.
  write_file(issuing_file, der_to_pem(make_crl_der(issuing.get(), root_key.get(), {now - 60, now + 3600, {}, {}, 1})));
  write_file(root_file, der_to_pem(make_crl_der(root.get(), root_key.get(), {now - 60, now + 3600, {}, {}, 1})));
  write_file(stray, der_to_pem(make_crl_der(root.get(), root_key.get(), {now - 60, now + 3600, {}, {}, 1})));
  server.down();
  auto f = CrlFetcher::create(options());
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(fs::exists(issuing_file));
  EXPECT_FALSE(fs::exists(stray));
  EXPECT_TRUE(fs::exists(root_file));
}

TEST_F(Policy, StatesTellUsableStaleAndExpiredFromTheCache) {
  const std::int64_t now = clock.t->load();
  serve(now + 3600, nullptr, 1);
  FetcherOptions o = options();
  o.extra_urls.clear();
  o.cdp_source_files = {};
  // The test PKI has no distribution points: configured URLs only. Fetch once.
  o.extra_urls = {server.url("/issuing.crl")};
  auto f = CrlFetcher::create(o);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ((*f)->run_once(), 1u);
  server.down();
  auto st = (*f)->states();
  EXPECT_TRUE(st[0].usable);
  clock.advance(3600 + 100);
  (*f)->run_once(true);
  st = (*f)->states();
  EXPECT_TRUE(st[0].usable);
  EXPECT_EQ(st[0].reason.rfind("stale: ", 0), 0u) << st[0].reason;
  EXPECT_NE(st[0].reason.find("crl-fetch-failed"), std::string::npos) << st[0].reason;
  clock.advance(1800);
  st = (*f)->states();
  EXPECT_FALSE(st[0].usable);
  EXPECT_EQ(st[0].reason.rfind("expired: ", 0), 0u) << st[0].reason;
}

}  // namespace
}  // namespace docaxis::crl::test
