// Crash durability: a child process ingests from several threads and reports each seq on a
// pipe only after ingest returned; the parent SIGKILLs it at a random moment, reopens the
// store, and checks that every reported package is there, byte for byte, and that the
// database is intact. Repeated on the same file, so recovery after recovery is covered too.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "store/retention.hpp"
#include "support.hpp"

namespace docaxis::store {
namespace {

using testing::binary_bytes;
using testing::make_package;
using testing::to_local;

constexpr int kChildThreads = 4;

std::string bytes_for(const std::string& document_id) {
  return binary_bytes(document_id, 1 + std::hash<std::string>{}(document_id) % 40'000);
}

// The child: never returns.
[[noreturn]] void ingest_until_killed(const std::string& path, int iteration, int out_fd) {
  auto store = SqliteStore::open(testing::options_for(path));
  if (!store.ok()) {
    std::string line = "ERR " + store.status().to_string() + "\n";
    (void)!::write(out_fd, line.data(), line.size());
    ::_exit(3);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kChildThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < 1'000'000; ++n) {
        std::string id = "i" + std::to_string(iteration) + "-t" + std::to_string(t) + "-" +
                         std::to_string(n);
        auto r = (*store)->ingest(make_package("000.00.01.H01", id, bytes_for(id)),
                                  to_local({"000.00.02.H02"}));
        std::string line = r.ok() ? std::to_string(r->seq) + " " + id + "\n"
                                  : "ERR " + r.status().to_string() + "\n";
        // One write per line, shorter than PIPE_BUF: lines from threads never interleave.
        (void)!::write(out_fd, line.data(), line.size());
      }
    });
  }
  for (auto& th : threads) th.join();
  ::_exit(0);
}

// Forks `child` (which writes report lines to the fd it is given and never returns), SIGKILLs
// it a random moment (`min_ms` to `max_ms`) after its first report, and gives back the
// complete report lines it wrote. Every child writes each line in one write() shorter than
// PIPE_BUF, so lines never interleave; none may start with "ERR".
void run_until_killed(const std::function<void(int)>& child, int min_ms, int max_ms,
                      std::mt19937& rng, std::vector<std::string>& lines) {
  lines.clear();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    child(fds[1]);
    ::_exit(0);
  }
  ::close(fds[1]);
  const auto kill_after =
      std::chrono::milliseconds(std::uniform_int_distribution<int>(min_ms, max_ms)(rng));
  std::optional<std::chrono::steady_clock::time_point> kill_at;
  std::string text;
  bool killed = false;
  for (;;) {
    if (!killed && kill_at && std::chrono::steady_clock::now() >= *kill_at) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 5) <= 0) continue;
    char buffer[4096];
    ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;  // EOF: the child is gone (its write end closed)
    text.append(buffer, static_cast<size_t>(n));
    if (!kill_at) kill_at = std::chrono::steady_clock::now() + kill_after;
  }
  ::close(fds[0]);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << text.substr(0, 300);
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a torn last line cannot happen (atomic writes), but be safe
    ASSERT_NE(line.rfind("ERR", 0), 0u) << line;
    lines.push_back(line);
  }
}

TEST(CrashTest, EveryIngestReportedCommittedSurvivesSigkill) {
  testing::TempDir dir;
  const std::string path = dir.file("spool.db");
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::map<uint64_t, std::string> reported;  // seq -> document id, over all iterations

  for (int iteration = 0; iteration < 6; ++iteration) {
    std::vector<std::string> lines;
    ASSERT_NO_FATAL_FAILURE(run_until_killed(
        [&](int fd) { ingest_until_killed(path, iteration, fd); }, 20, 400, rng, lines));
    size_t this_round = 0;
    for (const std::string& line : lines) {
      std::istringstream fields(line);
      uint64_t seq = 0;
      std::string id;
      fields >> seq >> id;
      ASSERT_TRUE(reported.emplace(seq, id).second) << "seq " << seq << " reported twice";
      ++this_round;
    }
    EXPECT_GT(this_round, 0u);

    auto store = SqliteStore::open(testing::options_for(path));
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    ASSERT_TRUE((*store)->check_integrity().ok());
    for (const auto& [seq, id] : reported) {
      auto pkg = (*store)->load_package(seq);
      ASSERT_TRUE(pkg.ok()) << "reported seq " << seq << " lost: " << pkg.status().to_string();
      ASSERT_EQ(pkg->document_id, id);
      ASSERT_TRUE(pkg->bytes == bytes_for(id)) << "bytes of seq " << seq << " differ";
      ASSERT_EQ((*store)->deliveries_of(seq)->size(), 1u);
    }
  }
  RecordProperty("reported_packages", static_cast<int>(reported.size()));
}

// The child of the retention crash test: ingest threads whose packages are delivered at once
// ("D seq id") or left waiting ("W seq id"), and a thread running retention rounds (age 1 ms,
// 64 KiB segments) with them, releasing packages and deleting segments until it is killed.
[[noreturn]] void ingest_and_retire_until_killed(const std::string& path, int iteration,
                                                 int out_fd) {
  SqliteStoreOptions o = testing::options_for(path);
  o.segment_bytes = 64 * 1024;
  auto store = SqliteStore::open(o);
  if (!store.ok()) {
    std::string line = "ERR " + store.status().to_string() + "\n";
    (void)!::write(out_fd, line.data(), line.size());
    ::_exit(3);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < 1'000'000; ++n) {
        std::string id = "r" + std::to_string(iteration) + "-t" + std::to_string(t) + "-" +
                         std::to_string(n);
        auto r = (*store)->ingest(make_package("000.00.01.H01", id, bytes_for(id)),
                                  to_local({"000.00.02.H02"}));
        std::string line;
        if (!r.ok()) {
          line = "ERR " + r.status().to_string() + "\n";
        } else if (n % 2 == 0) {
          line = "W " + std::to_string(r->seq) + " " + id + "\n";
        } else {
          auto d = (*store)->deliveries_of(r->seq);
          auto done = d.ok() ? (*store)->mark_delivered(d->front().id) : Result<Delivery>(d.status());
          line = done.ok() ? "D " + std::to_string(r->seq) + " " + id + "\n"
                           : "ERR " + done.status().to_string() + "\n";
        }
        (void)!::write(out_fd, line.data(), line.size());
      }
    });
  }
  threads.emplace_back([&] {
    RetentionPolicy policy;
    policy.edoc_ms = 1;
    policy.batch = 50;
    for (;;) {
      const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count();
      auto pass = (*store)->release_expired(policy, now);
      auto reclaimed = (*store)->reclaim_segments();
      if (!pass.ok() || !reclaimed.ok()) {
        std::string line = "ERR retention " + (!pass.ok() ? pass.status() : reclaimed.status()).to_string() + "\n";
        (void)!::write(out_fd, line.data(), line.size());
      }
    }
  });
  for (auto& th : threads) th.join();
  ::_exit(0);
}

// Retention under SIGKILL: whatever moment the hub dies at (a release committing, a segment
// being chosen or deleted), no package that may still be read has lost its bytes, nothing
// with a waiting delivery was released, the store reopens, and every row it still holds is
// readable byte for byte.
TEST(CrashTest, RetentionKilledAtAnyMomentNeverLosesAHeldPackage) {
  testing::TempDir dir;
  const std::string path = dir.file("spool.db");
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::map<uint64_t, std::pair<char, std::string>> reported;  // seq -> (W|D, document id)
  uint64_t released_seen = 0;

  for (int iteration = 0; iteration < 5; ++iteration) {
    std::vector<std::string> lines;
    ASSERT_NO_FATAL_FAILURE(run_until_killed(
        [&](int fd) { ingest_and_retire_until_killed(path, iteration, fd); }, 50, 500, rng,
        lines));
    for (const std::string& line : lines) {
      std::istringstream fields(line);
      char kind = 0;
      uint64_t seq = 0;
      std::string id;
      fields >> kind >> seq >> id;
      ASSERT_TRUE(reported.emplace(seq, std::make_pair(kind, id)).second) << line;
    }

    SqliteStoreOptions o = testing::options_for(path);
    o.segment_bytes = 64 * 1024;
    auto store = SqliteStore::open(o);
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    ASSERT_TRUE((*store)->check_integrity().ok());
    for (const auto& [seq, entry] : reported) {
      const auto& [kind, id] = entry;
      auto pkg = (*store)->load_package(seq);
      if (kind == 'D' && !pkg.ok() && pkg.status().code() == "released") {
        ++released_seen;
        continue;
      }
      ASSERT_TRUE(pkg.ok()) << kind << " seq " << seq << ": " << pkg.status().to_string();
      ASSERT_TRUE(pkg->bytes == bytes_for(id)) << "bytes of seq " << seq << " differ";
    }
    // Every row still held, reported or not (the child may have died before reporting it).
    PackageFilter all;
    all.limit = 1'000'000;
    auto rows = (*store)->list_packages(all);
    ASSERT_TRUE(rows.ok());
    for (const PackageSummary& r : *rows) {
      if (r.released_ms != 0) continue;
      auto pkg = (*store)->load_package(r.seq);
      ASSERT_TRUE(pkg.ok()) << "held seq " << r.seq << ": " << pkg.status().to_string();
      ASSERT_EQ(pkg->bytes.size(), r.size);
    }
  }
  EXPECT_GT(released_seen, 0u) << "retention never released anything: the test tested nothing";
  RecordProperty("reported_packages", static_cast<int>(reported.size()));
  RecordProperty("released_seen", static_cast<int>(released_seen));
}

}  // namespace
}  // namespace docaxis::store
