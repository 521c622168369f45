// Crash safety with real processes: a child appends in a loop and is SIGKILLed at random
// moments; each reopen must recover, keep every acknowledged record, and verify.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "audit/audit_log.hpp"
#include "audit/verify.hpp"
#include "support.hpp"

namespace docaxis::audit {
namespace {

// Runs in the forked child: appends batches forever, reporting each acknowledged seq on `fd`.
[[noreturn]] void append_forever(const AuditOptions& o, int fd, unsigned seed) {
  auto log = AuditLog::open(o);
  if (!log.ok()) _exit(3);
  std::mt19937 rng(seed);
  for (int n = 0;; ++n) {
    std::vector<Event> batch;
    for (int i = static_cast<int>(rng() % 20); i >= 0; --i) batch.push_back(test::make_event("accepted", n));
    auto seq = (*log)->append_batch(std::move(batch));
    if (!seq.ok()) _exit(4);
    std::uint64_t v = *seq;
    if (write(fd, &v, sizeof v) != sizeof v) _exit(5);
  }
}

TEST(AuditCrashTest, SigkillAtRandomMomentsNeverLosesAnAcknowledgedRecordOrBreaksTheChain) {
  test::TempDir tmp;
  test::HubKey key = test::make_hub_key(tmp.path(), "hub");
  AuditOptions o = test::test_options(tmp / "log", key);
  o.checkpoint_every_records = 50;
  o.max_segment_bytes = 64 * 1024;
  std::mt19937 rng(20240501);
  std::uint64_t recoveries = 0;
  for (int round = 0; round < 12; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      append_forever(o, fds[1], static_cast<unsigned>(round));
    }
    close(fds[1]);
    // The random moment is counted from the child's first acknowledged append: killed before
    // it, the child would only test an empty directory (and a slow start, e.g. under
    // ThreadSanitizer, would fail the verdict below for the wrong reason).
    std::uint64_t acked = 0, v = 0;
    pollfd first{fds[0], POLLIN, 0};
    const bool started = poll(&first, 1, 30'000) == 1 && read(fds[0], &v, sizeof v) == sizeof v;
    if (started) acked = v;
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 120));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(started) << "round " << round << ": the child acknowledged no append in 30 s";
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    while (read(fds[0], &v, sizeof v) == sizeof v) acked = v;
    close(fds[0]);

    auto log = AuditLog::open(o);  // recovers a torn tail, seals the crash tail
    ASSERT_TRUE(log.ok()) << "round " << round << ": " << log.status().to_string();
    EXPECT_GE((*log)->last_seq(), acked) << "round " << round;
    recoveries += (*log)->stats().recovered_bytes > 0;
    log->reset();

    auto rep = verify_log(o.dir, key.cert_pem);
    ASSERT_TRUE(rep.ok());
    ASSERT_EQ(rep->verdict, Verdict::kSealed)
        << "round " << round << ": " << (rep->failure ? rep->failure->message : "unsealed");
  }
  RecordProperty("torn_tails_recovered", static_cast<int>(recoveries));
}

}  // namespace
}  // namespace docaxis::audit
