// The server's connection slots (README.md, "Limits"): how many connections are open in all
// and per address key, which of them are idle, and which idle one a new connection over a cap
// evicts. Pure bookkeeping, no sockets and no lock: the server calls it under its own mutex.
//
// A connection is idle while it waits for the first byte of its next request (a fresh one
// after its TLS handshake, a kept-alive one after its answer was written), and busy otherwise:
// TLS handshake, a request header or body arriving, the handler working, the answer being
// written. A new connection over max_per_address evicts the least recently active idle
// connection of its own address key; over max_connections (its own key under its cap), the
// least recently active idle connection of any key. With no idle connection to evict it is
// refused. An evicted connection's slot passes at once to the new one; the evicted connection
// only has to close.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace docaxis::http {

class ConnectionTable {
 public:
  ConnectionTable(std::size_t max_connections, std::size_t max_per_key)
      : max_connections_(max_connections), max_per_key_(max_per_key) {}

  struct Admitted {
    std::uint64_t id = 0;                  // the new connection's (never 0)
    std::optional<std::uint64_t> evicted;  // the idle connection to close for it, if any
  };
  // A slot for a new connection of `key` (busy until idle() is called), or nullopt when a cap
  // is reached and no connection it could evict is idle.
  std::optional<Admitted> admit(const std::string& key);
  // The connection waits for its next request: it becomes the most recently active idle one.
  void idle(std::uint64_t id);
  // A request started on it: false when it was evicted meanwhile (it must close).
  bool busy(std::uint64_t id);
  // The connection is gone; gives its slot back unless an eviction already passed it on.
  void release(std::uint64_t id);

  std::size_t open() const { return open_; }
  std::size_t open_for(const std::string& key) const;
  bool is_idle(std::uint64_t id) const;

 private:
  using Lru = std::set<std::pair<std::uint64_t, std::uint64_t>>;  // (activity tick, id)
  struct Entry {
    std::string key;
    bool idle = false;
    bool evicted = false;  // its slot went to the connection that evicted it
    std::uint64_t tick = 0;
  };
  struct PerKey {
    std::size_t open = 0;
    Lru idle;
  };
  void leave_idle(Entry& e, std::uint64_t id);
  void evict(std::uint64_t id);

  std::size_t max_connections_;
  std::size_t max_per_key_;
  std::size_t open_ = 0;
  std::uint64_t next_id_ = 0;
  std::uint64_t tick_ = 0;
  std::map<std::uint64_t, Entry> entries_;
  std::map<std::string, PerKey> keys_;
  Lru idle_;  // every key's idle connections
};

// The key connections are counted under for max_per_address: an IPv4 address as it is, an
// IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack listener sees of IPv4 clients)
// as its IPv4 address, any other IPv6 address as its /64 prefix ("2001:db8:1:2::/64": one host
// or site usually owns a whole /64 and could otherwise pass the limit with every connection
// from another address). Text that is not an IP address is returned as it is.
std::string address_key(const std::string& address);

}  // namespace docaxis::http
