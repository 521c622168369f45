// store_bench: ingest throughput of SqliteStore with group commit.
//
//   store_bench [--seconds S] [--size BYTES] [--fsync full|normal] [--dir DIR] [THREADS...]
//
// For each thread count (default 1 4 16), a fresh store in DIR (default $TMPDIR) and that
// many threads calling the blocking ingest() in a loop for S seconds (default 3), each
// package SIZE bytes (default 12,800 = 12.5 KB) with one local recipient. Prints packages/s,
// ingest latency percentiles, the group-commit batch sizes and the WAL written per package
// (frames of page size + 24 bytes) from the store's counters.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

using namespace docaxis::store;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  double seconds = 3;
  size_t size = 12'800;
  FsyncMode fsync = FsyncMode::kFull;
  std::string dir;
  std::vector<int> threads;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

int run(const Args& args, int threads, const std::string& path) {
  SqliteStoreOptions options = testing::options_for(path);
  options.fsync = args.fsync;
  auto opened = SqliteStore::open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().to_string().c_str());
    return 1;
  }
  SqliteStore& store = **opened;
  const std::string payload = testing::binary_bytes("bench", args.size);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (uint64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        // Document ids as random as real ones (UUIDs): a sequential id would hide the cost of
        // the duplicate key's B-tree, which a real spool pays on every package.
        std::string id = testing::fake_sha256_hex("t" + std::to_string(t) + "-" + std::to_string(n))
                             .substr(0, 32);
        // Distinct bytes per package (the duplicate check must not short-circuit).
        std::string bytes = payload;
        bytes.replace(0, id.size(), id);
        auto pkg = testing::make_package("000.00.01.H01", id, std::move(bytes));
        const auto t0 = Clock::now();
        auto r = store.ingest(std::move(pkg), testing::to_local({"000.00.02.H02"}));
        const std::chrono::duration<double, std::milli> ms = Clock::now() - t0;
        if (!r.ok()) ++failures;
        latencies[static_cast<size_t>(t)].push_back(ms.count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(args.seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  const StoreCounters c = store.counters();
  const double rate = static_cast<double>(c.packages_stored) / elapsed;
  std::printf("%7d %9llu %10.0f %7.1f %8.2f %8.2f %8.2f %8llu %8.1f %6llu   ", threads,
              static_cast<unsigned long long>(c.packages_stored), rate,
              rate * static_cast<double>(args.size) / 1e6, percentile(all, 0.50),
              percentile(all, 0.95), percentile(all, 0.99),
              static_cast<unsigned long long>(c.commits),
              c.commits ? static_cast<double>(c.jobs) / static_cast<double>(c.commits) : 0.0,
              static_cast<unsigned long long>(c.max_batch));
  const double wal_kb = c.packages_stored == 0 ? 0.0
      : static_cast<double>(c.wal_frames * (c.page_size + 24)) / 1024.0 /
            static_cast<double>(c.packages_stored);
  std::printf("%8.1f  ", wal_kb);
  for (uint64_t h : c.batch_histogram) std::printf(" %llu", static_cast<unsigned long long>(h));
  std::printf("%s\n", failures ? "  (FAILURES)" : "");
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--seconds") {
      args.seconds = std::atof(next().c_str());
    } else if (a == "--size") {
      args.size = static_cast<size_t>(std::atoll(next().c_str()));
    } else if (a == "--fsync") {
      auto mode = parse_fsync_mode(next());
      if (!mode) {
        std::fprintf(stderr, "--fsync: full or normal\n");
        return 2;
      }
      args.fsync = *mode;
    } else if (a == "--dir") {
      args.dir = next();
    } else if (!a.empty() && a[0] != '-') {
      args.threads.push_back(std::atoi(a.c_str()));
    } else {
      std::fprintf(stderr, "usage: store_bench [--seconds S] [--size BYTES] "
                           "[--fsync full|normal] [--dir DIR] [THREADS...]\n");
      return 2;
    }
  }
  if (args.threads.empty()) args.threads = {1, 4, 16};
  if (args.size < 32) args.size = 32;
  std::printf("store_bench: %zu-byte packages, 1 recipient, fsync=%s, %.1f s per row\n",
              args.size, args.fsync == FsyncMode::kFull ? "full" : "normal", args.seconds);
  std::printf("threads  packages    pkg/s    MB/s   p50 ms   p95 ms   p99 ms  commits "
              "  mean-b  max-b  WAL-KB/pkg  batches by size 1,2-3,4-7,8-15,16-31,32-63,64-127,128+\n");
  int rc = 0;
  for (int threads : args.threads) {
    std::unique_ptr<testing::TempDir> temp;
    std::string dir = args.dir;
    if (dir.empty()) {
      temp = std::make_unique<testing::TempDir>();
      dir = temp->path().string();
    }
    const std::string path = dir + "/bench-" + std::to_string(threads) + ".db";
    rc |= run(args, threads, path);
    if (!args.dir.empty()) {
      for (const char* suffix : {"", "-wal", "-shm", ".lock"}) std::remove((path + suffix).c_str());
    }
  }
  return rc;
}
