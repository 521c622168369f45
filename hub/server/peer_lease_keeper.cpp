#include "server/peer_lease_keeper.hpp"

#include <exception>

#include "log/log.hpp"

namespace docaxis::server {
namespace {

log::Logger& L() {
  static log::Logger& l = log::get("peers");
  return l;
}

}  // namespace

PeerLeaseKeeper::PeerLeaseKeeper(std::vector<std::string> peers, std::string node,
                                 std::chrono::milliseconds ttl, PeerLeasePorts ports)
    : peers_(std::move(peers)), node_(std::move(node)), ttl_(ttl), ports_(std::move(ports)) {
  for (const auto& p : peers_) held_[p];
}

PeerLeaseKeeper::~PeerLeaseKeeper() { stop(); }

void PeerLeaseKeeper::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  renewer_ = std::thread([this] { renew_loop(); });
  expirer_ = std::thread([this] { expiry_loop(); });
}

void PeerLeaseKeeper::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  if (expirer_.joinable()) expirer_.join();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [peer, h] : held_) {
    if (h.on) turn_off(peer, h, "shutdown");
  }
  if (!started_) return;
  for (const auto& peer : peers_) {
    try {
      Status s = ports_.release ? ports_.release(lease_name(peer)) : Status();
      if (!s.ok()) {
        L().warn("peer-lease-error", {{"peer", peer}, {"node", node_}, {"code", s.code()},
                                      {"reason", "release: " + s.message()}});
      }
    } catch (const std::exception& e) {
      L().warn("peer-lease-error", {{"peer", peer}, {"node", node_}, {"code", "internal"},
                                    {"reason", std::string("release: ") + e.what()}});
    }
  }
}

void PeerLeaseKeeper::call_set_link(const std::string& peer, bool on) {
  try {
    if (ports_.set_link) ports_.set_link(peer, on);
  } catch (const std::exception& e) {
    L().error("peer-lease-error", {{"peer", peer}, {"node", node_}, {"code", "internal"},
                                   {"reason", std::string("set link: ") + e.what()}});
  }
}

void PeerLeaseKeeper::turn_off(const std::string& peer, Held& h, const char* reason) {
  h.on = false;
  call_set_link(peer, false);
  L().warn("peer-lease-lost", {{"peer", peer}, {"node", node_}, {"reason", reason}});
}

void PeerLeaseKeeper::renew_once() {
  const auto margin = ttl_ / 6;
  for (const auto& peer : peers_) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    const auto t0 = Clock::now();  // the lease may have begun at the call's start
    Result<bool> r = Status("internal", "no acquire function");
    try {
      if (ports_.acquire) r = ports_.acquire(lease_name(peer), ttl_.count());
    } catch (const std::exception& e) {
      r = Status("internal", e.what());
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    Held& h = held_[peer];
    if (!r.ok()) {
      // Keep the link until its deadline (expiry_loop turns it off if no renewal succeeds).
      L().warn("peer-lease-error", {{"peer", peer}, {"node", node_}, {"code", r.status().code()},
                                    {"reason", r.status().message()}});
      continue;
    }
    if (*r) {
      const auto off_at = t0 + ttl_ - margin;
      if (Clock::now() >= off_at) continue;  // the call took too long to rely on it
      h.off_at = off_at;
      if (!h.on) {
        h.on = true;
        call_set_link(peer, true);
        L().info("peer-lease-acquired",
                 {{"peer", peer}, {"node", node_},
                  {"ttl_ms", static_cast<std::int64_t>(ttl_.count())}});
      }
      cv_.notify_all();  // the expiry thread's deadline moved
    } else if (h.on) {
      turn_off(peer, h, "held by another node");
    }
  }
}

void PeerLeaseKeeper::renew_loop() {
  const auto period = ttl_ / 3;
  for (;;) {
    renew_once();
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, period, [this] { return stopping_; })) return;
  }
}

void PeerLeaseKeeper::expiry_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    auto next = Clock::time_point::max();
    const auto now = Clock::now();
    for (auto& [peer, h] : held_) {
      if (!h.on) continue;
      if (now >= h.off_at) {
        turn_off(peer, h, "renewals failed");
      } else if (h.off_at < next) {
        next = h.off_at;
      }
    }
    if (next == Clock::time_point::max()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, next);
    }
  }
}

}  // namespace docaxis::server
