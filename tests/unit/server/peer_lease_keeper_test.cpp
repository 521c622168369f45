// PeerLeaseKeeper (hub/server/peer_lease_keeper.hpp) with fake lease functions and a fake link
// switch: a held lease turns the link on, a lease another node holds turns it off, failing
// renewals turn it off before the lease could have expired, stop() turns it off and releases.
#include "server/peer_lease_keeper.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "log_capture.hpp"

namespace docaxis::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The fake store and link switch: per lease what acquire answers (held, not held, or an
// error), every call recorded.
struct Fakes {
  std::mutex mu;
  std::map<std::string, int> answer;  // lease -> 1 held, 0 not held, -1 unavailable
  std::map<std::string, bool> link;   // peer -> on
  std::vector<std::pair<std::string, Clock::time_point>> link_changes;  // "peer:on|off", when
  std::set<std::string> released;
  std::map<std::string, Clock::time_point> last_success;  // lease -> start of its last held call
  std::atomic<int> acquires{0};

  PeerLeasePorts ports() {
    PeerLeasePorts p;
    p.acquire = [this](const std::string& lease, std::int64_t ttl_ms) -> Result<bool> {
      EXPECT_EQ(ttl_ms, 600);
      const auto t0 = Clock::now();
      ++acquires;
      std::lock_guard lk(mu);
      int a = answer.count(lease) ? answer[lease] : 1;
      if (a < 0) return Status("unavailable", "database down");
      if (a == 1) last_success[lease] = t0;
      return a == 1;
    };
    p.release = [this](const std::string& lease) {
      std::lock_guard lk(mu);
      released.insert(lease);
      return Status();
    };
    p.set_link = [this](const std::string& peer, bool on) {
      std::lock_guard lk(mu);
      link[peer] = on;
      link_changes.emplace_back(peer + (on ? ":on" : ":off"), Clock::now());
    };
    return p;
  }
  bool on(const std::string& peer) {
    std::lock_guard lk(mu);
    return link.count(peer) && link[peer];
  }
  void set(const std::string& lease, int a) {
    std::lock_guard lk(mu);
    answer[lease] = a;
  }
};

template <class F>
bool eventually(F f, std::chrono::milliseconds limit = 3s) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return f();
}

TEST(PeerLeaseKeeper, HeldLeaseTurnsTheLinkOnAndAnotherNodesLeaseTurnsItOff) {
  test::LogCapture log;
  Fakes f;
  f.set("peer:b", 0);  // another node holds b
  PeerLeaseKeeper k({"a", "b"}, "n1", 600ms, f.ports());
  k.start();
  ASSERT_TRUE(eventually([&] { return f.on("a"); }));
  std::this_thread::sleep_for(450ms);  // two more rounds
  EXPECT_FALSE(f.on("b"));
  EXPECT_TRUE(f.on("a"));
  EXPECT_EQ(log.lines_with("event=peer-lease-acquired").size(), 1u) << log.all();
  EXPECT_NE(log.all().find("node=n1"), std::string::npos) << log.all();
  f.set("peer:a", 0);  // another node took it
  // At the next renewal (every ttl/3), not at the lease's deadline.
  ASSERT_TRUE(eventually([&] { return !f.on("a"); }));
  EXPECT_EQ(log.lines_with("event=peer-lease-lost").size(), 1u) << log.all();
  EXPECT_EQ(log.lines_with("reason=\"held by another node\"").size(), 1u) << log.all();
  f.set("peer:b", 1);  // and b is ours now
  ASSERT_TRUE(eventually([&] { return f.on("b"); }));
  k.stop();
}

TEST(PeerLeaseKeeper, FailingRenewalsTurnTheLinkOffBeforeTheLeaseCouldExpire) {
  test::LogCapture log;
  Fakes f;
  PeerLeaseKeeper k({"a"}, "n1", 600ms, f.ports());
  k.start();
  ASSERT_TRUE(eventually([&] { return f.on("a"); }));
  f.set("peer:a", -1);  // the database goes away
  ASSERT_TRUE(eventually([&] { return !f.on("a"); }));
  Clock::time_point off_at, held_from;
  {
    std::lock_guard lk(f.mu);
    off_at = f.link_changes.back().second;
    held_from = f.last_success["peer:a"];
    EXPECT_EQ(f.link_changes.back().first, "a:off");
  }
  // Off before the last renewal's lease (counted from the call's start) could have expired,
  // but not long before (the keeper kept it while the lease was surely valid).
  EXPECT_LT(off_at, held_from + 600ms);
  EXPECT_GT(off_at, held_from + 300ms);
  EXPECT_EQ(log.lines_with("event=peer-lease-lost").size(), 1u) << log.all();
  EXPECT_FALSE(log.lines_with("event=peer-lease-error").empty()) << log.all();
  f.set("peer:a", 1);  // back: on again
  ASSERT_TRUE(eventually([&] { return f.on("a"); }));
  k.stop();
}

TEST(PeerLeaseKeeper, ARenewalThatBlocksPastTheDeadlineStillTurnsTheLinkOff) {
  Fakes f;
  std::atomic<bool> block{false};
  PeerLeasePorts p = f.ports();
  auto inner = p.acquire;
  p.acquire = [&, inner](const std::string& lease, std::int64_t ttl) -> Result<bool> {
    if (block) {
      std::this_thread::sleep_for(900ms);  // a store that hangs longer than the lease
      return Status("unavailable", "timed out");
    }
    return inner(lease, ttl);
  };
  PeerLeaseKeeper k({"a"}, "n1", 600ms, p);
  k.start();
  ASSERT_TRUE(eventually([&] { return f.on("a"); }));
  block = true;
  const auto t = Clock::now();
  ASSERT_TRUE(eventually([&] { return !f.on("a"); }, 700ms));
  EXPECT_LT(Clock::now() - t, 600ms);
  k.stop();
}

TEST(PeerLeaseKeeper, StopTurnsTheLinksOffAndReleasesTheLeases) {
  Fakes f;
  PeerLeaseKeeper k({"a", "b"}, "n1", 600ms, f.ports());
  k.start();
  ASSERT_TRUE(eventually([&] { return f.on("a") && f.on("b"); }));
  k.stop();
  EXPECT_FALSE(f.on("a"));
  EXPECT_FALSE(f.on("b"));
  std::lock_guard lk(f.mu);
  EXPECT_EQ(f.released, (std::set<std::string>{"peer:a", "peer:b"}));
}

TEST(PeerLeaseKeeper, ThrowingFunctionsDoNotEscape) {
  test::LogCapture log;
  PeerLeasePorts p;
  std::atomic<int> calls{0};
  p.acquire = [&](const std::string&, std::int64_t) -> Result<bool> {
    ++calls;
    throw std::runtime_error("boom");
  };
  p.release = [](const std::string&) -> Status { throw std::runtime_error("boom"); };
  p.set_link = [](const std::string&, bool) { throw std::runtime_error("boom"); };
  PeerLeaseKeeper k({"a"}, "n1", 300ms, p);
  k.start();
  ASSERT_TRUE(eventually([&] { return calls >= 2; }));
  k.stop();
  EXPECT_FALSE(log.lines_with("event=peer-lease-error").empty());
}

}  // namespace
}  // namespace docaxis::server
