// retire_bench: a spool that accepts, delivers and retires packages for a long time.
//
//   retire_bench [--packages N] [--window N] [--threads T] [--size BYTES] [--age-ms MS]
//                [--segment-mib MIB] [--dir DIR]
//
// T threads (default 8) each ingest a package (SIZE bytes, default 12,800, random document id,
// one local recipient) and mark its delivery delivered, until N packages (default 1,000,000)
// went through; a RetentionRunner (store/retention.hpp) releases packages AGE ms (default 2,000)
// after their delivery and deletes the sealed segments (SEGMENT MiB, default 16) every 500 ms.
// Every WINDOW packages (default 100,000) one line: the window's rate, and the spool on disk
// (database, WAL, segments) with the packages held and released. At the end, the last window's
// rate and disk use against the first's (a fresh spool): what a long life costs. fsync full.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "store/retention.hpp"
#include "support.hpp"

using namespace docaxis::store;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  uint64_t packages = 1'000'000;
  uint64_t window = 100'000;
  int threads = 8;
  size_t size = 12'800;
  int64_t age_ms = 2'000;
  uint64_t segment_mib = 16;
  std::string dir;
};

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (k == "--packages") a.packages = std::strtoull(next().c_str(), nullptr, 10);
    else if (k == "--window") a.window = std::strtoull(next().c_str(), nullptr, 10);
    else if (k == "--threads") a.threads = std::atoi(next().c_str());
    else if (k == "--size") a.size = std::strtoull(next().c_str(), nullptr, 10);
    else if (k == "--age-ms") a.age_ms = std::atoll(next().c_str());
    else if (k == "--segment-mib") a.segment_mib = std::strtoull(next().c_str(), nullptr, 10);
    else if (k == "--dir") a.dir = next();
    else {
      std::fprintf(stderr, "usage: retire_bench [--packages N] [--window N] [--threads T] "
                           "[--size BYTES] [--age-ms MS] [--segment-mib MIB] [--dir DIR]\n");
      return 2;
    }
  }
  if (a.threads < 1 || a.window == 0 || a.packages < a.window || a.size < 64) {
    std::fprintf(stderr, "retire_bench: need threads >= 1, window > 0, packages >= window, size >= 64\n");
    return 2;
  }
  std::unique_ptr<testing::TempDir> temp;
  std::string dir = a.dir;
  if (dir.empty()) {
    temp = std::make_unique<testing::TempDir>();
    dir = temp->path().string();
  }
  SqliteStoreOptions o = testing::options_for(dir + "/retire.db");
  o.segment_bytes = a.segment_mib << 20;
  auto opened = SqliteStore::open(o);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().to_string().c_str());
    return 1;
  }
  SqliteStore& store = **opened;
  RetentionPolicy policy;
  policy.edoc_ms = a.age_ms;
  policy.batch = 1000;
  std::atomic<uint64_t> retention_failures{0};
  RetentionRunner runner(store, policy, std::chrono::milliseconds(500), wall_ms,
                         [&](const RetentionRunner::Round& r) {
                           if (!r.status.ok()) ++retention_failures;
                         });

  std::printf("retire_bench: %llu packages of %zu bytes, %d threads, retention %lld ms after "
              "delivery, %llu MiB segments, fsync full, in %s\n",
              static_cast<unsigned long long>(a.packages), a.size, a.threads,
              static_cast<long long>(a.age_ms), static_cast<unsigned long long>(a.segment_mib),
              dir.c_str());
  std::printf("%10s %9s %9s %8s %9s %9s %9s %9s\n", "packages", "pkg/s", "db MiB", "wal MiB",
              "seg MiB", "segments", "held", "released");
  const std::string payload = testing::binary_bytes("retire", a.size);
  std::atomic<uint64_t> next{0}, done{0}, failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < a.threads; ++t) {
    workers.emplace_back([&] {
      for (;;) {
        const uint64_t n = next.fetch_add(1);
        if (n >= a.packages) return;
        const std::string id = testing::fake_sha256_hex("retire-" + std::to_string(n)).substr(0, 32);
        std::string bytes = payload;
        bytes.replace(0, id.size(), id);
        auto r = store.ingest(testing::make_package("000.00.01.H01", id, std::move(bytes), wall_ms()),
                              testing::to_local({"000.00.02.H02"}));
        if (!r.ok()) {
          ++failures;
          continue;
        }
        auto d = store.deliveries_of(r->seq);
        if (!d.ok() || d->empty() || !store.mark_delivered(d->front().id).ok()) ++failures;
        done.fetch_add(1);
      }
    });
  }
  std::vector<double> rates;
  std::vector<uint64_t> disk;
  uint64_t window_start_count = 0;
  auto window_start = Clock::now();
  for (uint64_t boundary = a.window; boundary <= a.packages; boundary += a.window) {
    while (done.load() < boundary) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto now = Clock::now();
    const uint64_t count = done.load();
    const double rate = static_cast<double>(count - window_start_count) /
                        std::chrono::duration<double>(now - window_start).count();
    window_start = now;
    window_start_count = count;
    auto u = store.usage();
    if (!u.ok()) {
      std::fprintf(stderr, "usage: %s\n", u.status().to_string().c_str());
      return 1;
    }
    const uint64_t on_disk = u->database_bytes + u->wal_bytes + u->segment_bytes;
    rates.push_back(rate);
    disk.push_back(on_disk);
    std::printf("%10llu %9.0f %9.1f %8.1f %9.1f %9llu %9llu %9llu\n",
                static_cast<unsigned long long>(count), rate, mib(u->database_bytes),
                mib(u->wal_bytes), mib(u->segment_bytes),
                static_cast<unsigned long long>(u->segments),
                static_cast<unsigned long long>(u->held_packages),
                static_cast<unsigned long long>(u->released_packages));
    std::fflush(stdout);
  }
  for (auto& w : workers) w.join();
  if (rates.size() >= 2) {
    std::printf("last window / first window: rate %.2fx, disk %.2fx (%.1f / %.1f MiB)\n",
                rates.back() / rates.front(),
                static_cast<double>(disk.back()) / static_cast<double>(disk.front()),
                mib(disk.back()), mib(disk.front()));
  }
  std::printf("failures: %llu, retention rounds failed: %llu\n",
              static_cast<unsigned long long>(failures.load()),
              static_cast<unsigned long long>(retention_failures.load()));
  return failures.load() == 0 && retention_failures.load() == 0 ? 0 : 1;
}
