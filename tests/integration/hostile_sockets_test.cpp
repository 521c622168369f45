// Hostile sockets against a real docaxis-hub (issue 12): plain TCP connections that never
// speak, or stop in the middle of a TLS ClientHello. The hub bounds how many it holds (in
// total and per source address) and how long it waits for a handshake, and keeps serving.
// The idle sockets come from 127.0.0.2 and the probe from 127.0.0.1 (both are loopback).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "hostile_support.hpp"
#include "hub_fixture.hpp"

namespace docaxis::test {
namespace {

// One idle socket: when its TCP connection was established and when the hub closed it.
struct Idle {
  int fd = -1;
  bool connected = false;
  Clock::time_point since{}, closed_at{};
  bool closed = false;
};

class Sockets {
 public:
  ~Sockets() {
    for (const Idle& s : all) {
      if (s.fd >= 0) ::close(s.fd);
    }
  }
  // Opens `n` sockets from `source`, a few at a time: a burst that overflows the listen
  // backlog makes the kernel retransmit a SYN-ACK after a second, which would blur timings.
  ::testing::AssertionResult open(const std::string& source, int port, int n) {
    constexpr int kBatch = 10;
    for (int i = 0; i < n; i += kBatch) {
      if (i > 0) std::this_thread::sleep_for(10ms);
      const std::size_t first = all.size();
      for (int j = i; j < std::min(n, i + kBatch); ++j) {
        const int fd = tcp_connect_from(source, port);
        if (fd < 0) return ::testing::AssertionFailure() << "socket: " << std::strerror(errno);
        all.push_back({fd});
      }
      for (std::size_t k = first; k < all.size(); ++k) {
        all[k].connected = wait_connected(all[k].fd, 3s);
        all[k].since = Clock::now();
      }
    }
    return ::testing::AssertionSuccess();
  }
  // Notes which sockets the hub has closed, until all are or the deadline passes.
  void watch_until(Clock::time_point deadline) {
    for (;;) {
      bool open = false;
      for (Idle& s : all) {
        if (s.closed) continue;
        if (closed_by_peer(s.fd)) {
          s.closed = true;
          s.closed_at = Clock::now();
        } else {
          open = true;
        }
      }
      if (!open || Clock::now() >= deadline) return;
      std::this_thread::sleep_for(20ms);
    }
  }
  std::vector<Idle> all;
};

// A new connection from `source` is accepted and kept (not closed within 0.5 s), polling for up
// to 5 s while the hub notices the closes that freed its slot.
bool readmitted_within_5s(const std::string& source, int port) {
  for (const auto deadline = Clock::now() + 5s; Clock::now() < deadline;) {
    Sockets again;
    if (!again.open(source, port, 1)) return false;
    if (again.all[0].connected && !wait_closed_by_peer(again.all[0].fd, Clock::now() + 500ms)) {
      return true;
    }
  }
  return false;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void raise_own_file_limit() {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < 2048) {
    l.rlim_cur = std::min<rlim_t>(l.rlim_max, 2048);
    ::setrlimit(RLIMIT_NOFILE, &l);
  }
}

TEST(HostileSockets, IdleSocketsBeyondTheFileLimitNeitherStopTheHubNorStayOpen) {
  raise_own_file_limit();
  const TempDir dir = temp_dir("hostile-idle");
  TestHub hub(dir,
              TestHub::FullConfig{hub_config(dir, {.limits = "max_connections = 150\n"
                                                             "max_connections_per_address = 1000\n"
                                                             "handshake_timeout_seconds = 2\n"})});
  hub.set_max_open_files(256);
  const int port = hub.start();
  ASSERT_GT(port, 0);
  constexpr int kIdle = 300;  // the hub allows 150 connections (max_connections)
  constexpr auto kHandshake = 2s;

  // 300 silent sockets: more than the hub's 256 file descriptors.
  Sockets burst;
  ASSERT_TRUE(burst.open("127.0.0.2", port, kIdle));
  Clock::time_point last = burst.all.front().since;
  for (const Idle& s : burst.all) last = std::max(last, s.since);
  burst.watch_until(last + kHandshake + 3s);
  int not_connected = 0, at_once = 0, late = 0;
  double slowest = 0;
  for (const Idle& s : burst.all) {
    if (!s.connected) {
      ++not_connected;
      continue;
    }
    // Closed well before the handshake timeout could close it: refused as over the limit.
    if (s.closed && s.closed_at - s.since < 1500ms) ++at_once;
    const double t = seconds((s.closed ? s.closed_at : Clock::now()) - s.since);
    slowest = std::max(slowest, t);
    if (!s.closed || s.closed_at - s.since > kHandshake + 2s) ++late;
  }
  EXPECT_EQ(not_connected, 0) << "TCP connections the hub never accepted (listener stalled)";
  // Over max_connections the hub closes at once what it could accept. It cannot accept them all:
  // with 256 descriptors (some its own) accept() meets EMFILE and the listener waits until the
  // handshake timeout frees descriptors; those later sockets are then under the limit and run
  // into the timeout instead (checked by `late` below). How many are closed at once depends on
  // the machine's pace (seen: 150, 101 and 43 of the 150 over the limit), so only that some were
  // is asserted here; TheTotalConnectionLimitClosesTheNextConnectionAtOnce pins the limit.
  EXPECT_GT(at_once, 0) << "no connection over max_connections was closed at once";
  EXPECT_EQ(late, 0) << "idle sockets still open after handshake_timeout + 2 s (slowest " << slowest
                     << " s)";
  ASSERT_TRUE(hub_is_alive(hub, port));

  // Within the limit, silent sockets held open do not keep a real client out.
  Sockets held;
  ASSERT_TRUE(held.open("127.0.0.2", port, 100));
  int still_open = 0;
  for (const Idle& s : held.all) still_open += s.connected && !closed_by_peer(s.fd) ? 1 : 0;
  EXPECT_TRUE(hub_is_alive(hub, port)) << "with " << still_open << " idle sockets held";
  EXPECT_GT(still_open, 0) << "the probe ran with no idle socket held";
}

TEST(HostileSockets, OneAddressCannotHoldMoreThanItsShareOfConnections) {
  const TempDir dir = temp_dir("hostile-per-address");
  TestHub hub(dir,
              TestHub::FullConfig{hub_config(dir, {.limits = "max_connections_per_address = 5\n"
                                                             "handshake_timeout_seconds = 10\n"})});
  const int port = hub.start();
  ASSERT_GT(port, 0);

  Sockets five;
  ASSERT_TRUE(five.open("127.0.0.2", port, 5));
  Sockets sixth;
  ASSERT_TRUE(sixth.open("127.0.0.2", port, 1));
  ASSERT_TRUE(sixth.all[0].connected);
  EXPECT_TRUE(wait_closed_by_peer(sixth.all[0].fd, Clock::now() + 1500ms))
      << "a sixth connection from the same address was not closed at once";
  for (const Idle& s : five.all) {
    EXPECT_TRUE(s.connected && !closed_by_peer(s.fd)) << "one of the first five was closed";
  }
  // Another address is not affected while the five are held.
  EXPECT_TRUE(hub_is_alive(hub, port));

  // A slot freed by the client is available again (the count follows closes).
  ::close(five.all[0].fd);
  five.all[0].fd = -1;
  EXPECT_TRUE(readmitted_within_5s("127.0.0.2", port))
      << "after one of five closed, a new connection is still refused";
  EXPECT_TRUE(hub_is_alive(hub, port));
}

TEST(HostileSockets, TheTotalConnectionLimitClosesTheNextConnectionAtOnce) {
  const TempDir dir = temp_dir("hostile-total");
  TestHub hub(dir,
              TestHub::FullConfig{hub_config(dir, {.limits = "max_connections = 6\n"
                                                             "handshake_timeout_seconds = 10\n"})});
  const int port = hub.start();
  ASSERT_GT(port, 0);
  // Three addresses share the limit: the total counts, not the address.
  Sockets held;
  ASSERT_TRUE(held.open("127.0.0.2", port, 3));
  ASSERT_TRUE(held.open("127.0.0.3", port, 3));
  Sockets seventh;
  ASSERT_TRUE(seventh.open("127.0.0.4", port, 1));
  ASSERT_TRUE(seventh.all[0].connected);
  EXPECT_TRUE(wait_closed_by_peer(seventh.all[0].fd, Clock::now() + 1500ms))
      << "a seventh connection was not closed at once";
  for (const Idle& s : held.all) {
    EXPECT_TRUE(s.connected && !closed_by_peer(s.fd)) << "one of the first six was closed";
  }
  // Freed slots let clients in again (the count follows closes), and a real client works.
  for (Idle& s : held.all) {
    ::close(s.fd);
    s.fd = -1;
  }
  EXPECT_TRUE(readmitted_within_5s("127.0.0.4", port))
      << "after the six closed, a new connection is still refused";
  EXPECT_TRUE(hub_is_alive(hub, port));
}

TEST(HostileSockets, AClientThatStallsInTheMiddleOfItsClientHelloIsCutOff) {
  const TempDir dir = temp_dir("hostile-half-hello");
  TestHub hub(dir,
              TestHub::FullConfig{hub_config(dir, {.limits = "handshake_timeout_seconds = 2\n"})});
  const int port = hub.start();
  ASSERT_GT(port, 0);
  Sockets c;
  ASSERT_TRUE(c.open("127.0.0.1", port, 1));
  ASSERT_TRUE(c.all[0].connected);
  // A TLS record header announcing a 200-byte ClientHello, then its first 38 bytes only.
  std::string hello("\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03", 11);
  hello += std::string(32, '\x5a');
  ASSERT_EQ(::send(c.all[0].fd, hello.data(), hello.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(hello.size()));
  const Clock::time_point since = c.all[0].since;
  const bool closed = wait_closed_by_peer(c.all[0].fd, since + 4s);
  const double after = seconds(Clock::now() - since);
  EXPECT_TRUE(closed) << "the stalled handshake was still open after " << after << " s";
  EXPECT_GE(after, 1.0) << "closed before the handshake timeout: not the timeout at work";
  EXPECT_TRUE(hub_is_alive(hub, port));
}

}  // namespace
}  // namespace docaxis::test
