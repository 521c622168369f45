// One Verifier shared by a worker pool: every verdict is the one a single thread gets, also
// while the trust store is being replaced.
#include <atomic>
#include <mutex>
#include <thread>

#include "support.hpp"

namespace docaxis::dsig::test {
namespace {

constexpr int kThreads = 8;
constexpr int kPerThread = 200;

struct Case {
  std::string file, code, bytes;
};

std::vector<Case> load_cases(const std::vector<std::pair<std::string, std::string>>& list) {
  std::vector<Case> out;
  for (const auto& [file, code] : list) out.push_back({file, code, fixture(file)});
  return out;
}

// Runs `kThreads` workers, each verifying `kPerThread` documents picked round-robin from
// `cases` (each thread from a different start), and reports every wrong verdict.
void run_pool(const Verifier& verifier, const std::vector<Case>& cases,
              const std::function<bool(const Case&, const std::string&)>& right) {
  std::atomic<int> wrong{0}, done{0};
  std::mutex mu;
  std::string first_wrong;
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const Case& c = cases[static_cast<std::size_t>(t + i) % cases.size()];
        const std::string got = code_of(verify_package(verifier, c.bytes, {}));
        if (!right(c, got)) {
          std::lock_guard lock(mu);
          if (wrong++ == 0) first_wrong = c.file + ": expected " + c.code + ", got " + got;
        }
        ++done;
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(done.load(), kThreads * kPerThread);
  EXPECT_EQ(wrong.load(), 0) << "first wrong verdict: " << first_wrong;
}

bool exact(const Case& c, const std::string& got) { return got == c.code; }

TEST(ThreadTest, EightThreadsShareOneVerifierOnAGoodPackage) {
  Verifier verifier(trust(/*with_crls=*/true));
  run_pool(verifier, load_cases({{"good-rsa.edxml", "ok"}}), exact);
  EXPECT_EQ(verifier.cache().size(), 1u);
}

TEST(ThreadTest, InterleavedGoodAndBadPackagesGetTheirOwnVerdicts) {
  const auto cases = load_cases({{"good-rsa.edxml", "ok"},
                                 {"tampered-subject.edxml", "digest-mismatch"},
                                 {"good-ecdsa.edxml", "ok"},
                                 {"cert-expired.edxml", "cert-expired"},
                                 {"wrong-key-sender.edxml", "sender-mismatch"},
                                 {"good-status.edxml", "ok"},
                                 {"cert-revoked.edxml", "cert-revoked"},
                                 {"signaturevalue-swapped.edxml", "signature-invalid"},
                                 {"cert-lookalike.edxml", "cert-untrusted"},
                                 {"keyvalue-before-x509.edxml", "keyinfo-invalid"},
                                 {"comment-injection.edxml", "sender-mismatch"},
                                 {"good-root-id.edxml", "ok"},
                                 {"id-conflict.edxml", "id-conflict"}});
  for (Engine engine : {Engine::kNative, Engine::kXmlsec}) {
    SCOPED_TRACE(engine == Engine::kNative ? "native" : "xmlsec");
    Verifier verifier(trust(true), {}, 4096, engine);
    run_pool(verifier, cases, exact);
  }
}

TEST(ThreadTest, TrustStoreSwapsDuringVerificationNeverGiveAWrongVerdict) {
  Verifier verifier(trust(/*with_crls=*/false));
  auto with_crls = trust(true);
  auto without = trust(false);
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    for (int i = 0; !stop; ++i) verifier.set_trust_store(i % 2 ? with_crls : without);
  });
  // The revoked signer is ok or revoked depending on the trust of the moment; the others
  // never change.
  run_pool(verifier,
           load_cases({{"cert-revoked.edxml", "cert-revoked"},
                       {"good-rsa.edxml", "ok"},
                       {"tampered-subject.edxml", "digest-mismatch"}}),
           [](const Case& c, const std::string& got) {
             return got == c.code || (c.file == "cert-revoked.edxml" && got == "ok");
           });
  stop = true;
  swapper.join();
}

}  // namespace
}  // namespace docaxis::dsig::test
