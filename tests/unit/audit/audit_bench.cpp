// audit_bench: appends/s of AuditLog with batch sizes 1, 16 and 256 (one fdatasync per batch),
// 8 threads appending single events (group commit), and verify_log speed in records/s.
// Usage: audit_bench [DIR] (default: a temp dir under $TMPDIR; use a dir on the hub's disk).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "audit/audit_log.hpp"
#include "audit/verify.hpp"
#include "support.hpp"

using namespace docaxis::audit;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

Event bench_event(int n) {
  Event e;
  e.type = "delivered";
  e.doc = "3f2a8c1e-5b7d-4e0a-9c1f-" + std::to_string(100000000000 + n);
  e.organ = "000.00.13.H30";
  e.detail = {{"to", "000.00.31.H30"}, {"sha256", sha256_hex(std::to_string(n))}, {"attempt", 1}};
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  test::TempDir tmp;
  std::string base = argc > 1 ? argv[1] : tmp.string();
  test::HubKey key = test::make_hub_key(tmp.path(), "hub");
  Record sample{1, format_time(std::chrono::system_clock::now()), bench_event(1),
                std::string(kGenesisPrev), ""};
  std::printf("audit_bench: %zu-byte records, checkpoint every 10000, fdatasync per batch, in %s\n",
              format_line(sample).size() + 1, base.c_str());
  std::string dir = base + "/bench-log";
  std::filesystem::remove_all(dir);
  AuditOptions o = test::test_options(dir, key);
  o.checkpoint_every_records = 10000;
  for (int batch : {1, 16, 256}) {
    auto log = AuditLog::open(o);
    if (!log.ok()) return std::fprintf(stderr, "%s\n", log.status().to_string().c_str()), 1;
    const int n = batch == 1 ? 2000 : batch == 16 ? 32000 : 256000;
    auto t0 = Clock::now();
    for (int i = 0; i < n; i += batch) {
      std::vector<Event> events;
      for (int k = 0; k < batch; ++k) events.push_back(bench_event(i + k));
      if (!(*log)->append_batch(std::move(events)).ok()) return 1;
    }
    double s = seconds_since(t0);
    std::printf("batch %4d: %9.0f appends/s  (%d records in %.2f s, %llu syncs)\n", batch, n / s, n, s,
                static_cast<unsigned long long>((*log)->stats().syncs));
  }
  {
    auto log = AuditLog::open(o);
    if (!log.ok()) return 1;
    const int kThreads = 8, kPer = 1000;
    auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPer; ++i) (void)(*log)->append(bench_event(t * kPer + i));
      });
    }
    for (auto& th : threads) th.join();
    double s = seconds_since(t0);
    std::printf("8 threads x append(1): %9.0f appends/s  (%llu syncs for %d records)\n",
                kThreads * kPer / s, static_cast<unsigned long long>((*log)->stats().syncs),
                kThreads * kPer);
  }
  auto t0 = Clock::now();
  auto rep = verify_log(dir, key.cert_pem);
  double s = seconds_since(t0);
  if (!rep.ok() || rep->verdict != Verdict::kSealed) return std::fprintf(stderr, "verify failed\n"), 1;
  std::printf("verify: %9.0f records/s  (%llu records, %llu checkpoints, %.2f s)\n", static_cast<double>(rep->records) / s,
              static_cast<unsigned long long>(rep->records),
              static_cast<unsigned long long>(rep->checkpoints), s);
  VerifyOptions strict;
  strict.check_json = true;
  t0 = Clock::now();
  rep = verify_log(dir, key.cert_pem, strict);
  s = seconds_since(t0);
  if (!rep.ok() || rep->verdict != Verdict::kSealed) return std::fprintf(stderr, "verify failed\n"), 1;
  std::printf("verify --check-json: %9.0f records/s\n", static_cast<double>(rep->records) / s);
  std::filesystem::remove_all(dir);
  return 0;
}
