// One owner at a time for each outbound peer link of a hub whose nodes share a PostgreSQL store
// (issue 17; README.md "High availability"; hub/store_pg/README.md "Owners and leases"). Every
// ttl/3 the keeper takes or renews the lease "peer:<name>" of each configured peer for this
// node; held: the node's link to that peer is on; not held (another node has it): off. When
// renewals fail (the database unreachable) the link is turned off at `ttl - ttl/6` after the
// start of the last successful renewal, on the monotonic clock, i.e. before the lease can have
// expired and another node taken it. stop() turns the links off and gives the leases up.
//
// The store and the links are reached through functions (application.cpp binds them to
// PgStore::acquire_link_lease / release_link_lease and AmqpServer::set_peer_link), so the
// keeper is tested with fakes. Log (logger "peers"): peer-lease-acquired, peer-lease-lost
// (peer, node, reason), peer-lease-error (peer, node, code, reason); hub/log/README.md.
//
// Threads: two of its own, "dx-peer-lease" (renewals; may block in the store) and
// "dx-peer-lease-exp" (turns links off at their deadline even while a renewal is blocked).
// The functions are called from those threads and from stop(); no exception escapes them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.hpp"

namespace docaxis::server {

struct PeerLeasePorts {
  // Takes or renews `link` for this node for ttl_ms: true held, false another node holds it.
  std::function<Result<bool>(const std::string& link, std::int64_t ttl_ms)> acquire;
  std::function<Status(const std::string& link)> release;
  // Turns this node's outbound link to `peer` on or off (thread-safe, does not block).
  std::function<void(const std::string& peer, bool on)> set_link;
};

class PeerLeaseKeeper {
 public:
  PeerLeaseKeeper(std::vector<std::string> peers, std::string node, std::chrono::milliseconds ttl,
                  PeerLeasePorts ports);
  ~PeerLeaseKeeper();
  PeerLeaseKeeper(const PeerLeaseKeeper&) = delete;
  PeerLeaseKeeper& operator=(const PeerLeaseKeeper&) = delete;

  void start();
  // Joins the threads (waits for a renewal in progress), turns every link off, releases the
  // leases. Idempotent.
  void stop();

  static std::string lease_name(const std::string& peer) { return "peer:" + peer; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Held {
    bool on = false;
    Clock::time_point off_at{};  // turn off then unless renewed
  };
  void renew_loop();
  void expiry_loop();
  void renew_once();
  void turn_off(const std::string& peer, Held& h, const char* reason);  // mu_ held
  void call_set_link(const std::string& peer, bool on);

  std::vector<std::string> peers_;
  std::string node_;
  std::chrono::milliseconds ttl_;
  PeerLeasePorts ports_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool started_ = false;
  std::map<std::string, Held> held_;
  std::thread renewer_, expirer_;
};

}  // namespace docaxis::server
