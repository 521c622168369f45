// Listener-private: what the listener keeps per connection (loop thread only).
#pragma once

#include <cstdint>
#include <ctime>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "amqp/listener.hpp"
#include "model/identity.hpp"

namespace docaxis::amqp {

struct Listener::Conn {
  std::uint64_t id = 0;
  pn_connection_t* connection = nullptr;
  pn_transport_t* transport = nullptr;
  std::string address;            // the client's IP address
  bool counted_address = false;   // counted in per_address_
  std::int64_t accepted_ms = 0;
  bool opened = false;            // AMQP open received and the client authenticated
  bool closing = false;
  std::int64_t closing_since_ms = 0;  // closed or aborted at this time (then a hard deadline)
  std::string reject;             // closed at bind: over a connection limit
  std::string close_reason;       // why the hub closed it: a `reason=` token (hub/log/README.md)
  std::string close_detail;       // ... and the sentence the client was told
  model::ConnectionIdentity identity;
  tls::Chain chain;               // the verified client chain, leaf first
  std::time_t not_after = 0;      // the chain's earliest expiry
  std::size_t held = 0;           // package bytes read and not yet answered
  std::size_t engine_bytes = 0;   // ... of which complete packages the engine has
  bool starved = false;           // stopped reading: over a byte budget
  std::set<pn_link_t*> links_open;  // attached and opened by the hub
  std::size_t links_ever = 0;
  std::map<pn_delivery_t*, std::string> partial;  // being received
  std::int64_t last_progress_ms = 0;              // when a partial delivery last grew
  std::int64_t partial_since_ms = 0;              // when the partial set became non-empty
  std::size_t partial_bytes = 0;                  // bytes in `partial`
  std::deque<std::function<void(Conn&)>> tasks;   // run in the connection's own batch
};

}  // namespace docaxis::amqp
